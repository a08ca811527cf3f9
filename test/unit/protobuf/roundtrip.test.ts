import assert from 'node:assert/strict';
import * as protobuf from 'protobufjs/light';
import { mappings } from '../../../generated/protobuf/mappings';
import { decodeObject, encodeObject } from '../../../src/protobuf';
import { readUnknown } from '../../../src/protobuf/envelope';
import { descriptorRoot } from '../../../src/protobuf/plan';
import { goJson, RandomObjects, servedKinds } from './random';

/** OBJECTS_PER_KIND random objects of every kind; SEED makes a failure reproducible. */
const OBJECTS_PER_KIND = 25;
const SEED = Number(process.env.KAPI_PROTOBUF_SEED ?? 20240101);

/**
 * checkWireOrder walks encoded bytes with the descriptors, independently of the codec: every
 * message's fields come in ascending number and every map's entries in Go's key order (sorted
 * by UTF-8 bytes), as gogo-protobuf writes them.
 */
function checkWireOrder(type: protobuf.Type, bytes: Uint8Array, where: string): void {
  const r = protobuf.Reader.create(bytes);
  let last = 0;
  let lastKey: Buffer | undefined;
  let lastMapField = 0;
  while (r.pos < r.len) {
    const key = r.uint32();
    const id = key >>> 3;
    assert.ok(id >= last, `${where}: field ${id} after ${last} in ${type.fullName}`);
    last = id;
    const field = type.fieldsById[id];
    assert.ok(field, `${where}: ${type.fullName} has no field ${id}`);
    field.resolve();
    if ((key & 7) !== 2) {
      r.skipType(key & 7);
      continue;
    }
    const len = r.uint32();
    const sub = r.buf.subarray(r.pos, r.pos + len);
    r.pos += len;
    if (field.map) {
      const entry = protobuf.Reader.create(sub);
      assert.equal(entry.uint32(), 0x0a, `${where}: map entry of ${field.name} starts with its key`);
      const k = Buffer.from(entry.bytes());
      if (lastMapField === id && lastKey) assert.ok(Buffer.compare(lastKey, k) < 0, `${where}: map ${field.name} keys out of order`);
      lastMapField = id;
      lastKey = k;
      if (field.resolvedType instanceof protobuf.Type && entry.pos < entry.len) {
        assert.equal(entry.uint32(), 0x12);
        const vlen = entry.uint32();
        checkWireOrder(field.resolvedType, sub.subarray(entry.pos, entry.pos + vlen), `${where}.${field.name}[${k}]`);
      }
    } else if (field.resolvedType instanceof protobuf.Type) {
      checkWireOrder(field.resolvedType, sub, `${where}.${field.name}`);
    }
  }
}

describe('protobuf round trip (random objects of every served kind)', function () {
  this.timeout(120_000);
  const random = new RandomObjects(SEED);
  const kinds = servedKinds();
  let roundTrips = 0;

  for (const { apiVersion, kind } of kinds) {
    it(`${apiVersion} ${kind}: JSON → protobuf → JSON is the identity, but for zeros Go's JSON omits`, () => {
      const message = mappings.kinds[`${apiVersion}/${kind}`] ?? mappings.anyVersionKinds[kind];
      const type = descriptorRoot().lookupType(message);
      for (let i = 0; i < OBJECTS_PER_KIND; i++) {
        const obj = random.object(apiVersion, kind);
        const bytes = encodeObject(obj);
        const back = decodeObject(bytes);
        assert.equal(back.apiVersion, apiVersion);
        assert.equal(back.kind, kind);
        assert.deepStrictEqual(back.object, goJson(apiVersion, kind, obj), `seed ${SEED}, object ${i}`);
        // protobufjs, reading the same descriptors, accepts the bytes as the kind's message
        const raw = readUnknown(bytes).raw;
        assert.doesNotThrow(() => type.decode(raw), `seed ${SEED}, object ${i}`);
        checkWireOrder(type, raw, kind);
        roundTrips++;
      }
    });
  }

  it('leaves out only properties that are declared unrepresentable', function () {
    const declared = new Set<string>();
    for (const m of Object.values(mappings.messages)) for (const p of m.notInProto ?? []) declared.add(`${m.definition}.${p}`);
    const undeclared = [...random.skipped.keys()].filter((key) => !declared.has(key));
    assert.deepEqual(undeclared, []);
    // Reported so that a schema update that loses fields shows in the test output.
    console.log(
      `      ${roundTrips} round trips over ${kinds.length} kinds. Not generated: ${random.skipped.size} properties no proto field carries ` +
        `(${[...random.skipped.keys()].join(', ')}); apiVersion/kind of ${random.nestedKinds.size} kinds when nested in another object ` +
        `(${[...random.nestedKinds].map((d) => d.split('.').pop()).sort().join(', ')})`,
    );
    assert.ok(roundTrips >= kinds.length * OBJECTS_PER_KIND);
  });
});

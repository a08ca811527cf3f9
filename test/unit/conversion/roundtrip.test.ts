/**
 * Property tests of the networking.k8s.io conversions over random valid objects: round trips
 * through the hub are lossless for every field both versions have, converted objects are valid in
 * their new version, and conversion never writes to its input nor shares objects with it.
 */
import assert from 'node:assert/strict';
import type { ValidateFunction } from 'ajv';
import { validatorModules } from '../../../generated/validators';
import { applyVersionDefaults, converterFor, type Converter } from '../../../src/conversion';
import { RandomObjects, type JsonObject, type Override } from './random';

/** OBJECTS random objects per kind, version and property; SEED makes a failure reproducible. */
const OBJECTS = 300;
const LISTS = 40;
const SEED = Number(process.env.KAPI_CONVERSION_SEED ?? 20240607);
const GROUP = 'networking.k8s.io';
const TYPED_LOCAL_OBJECT_REFERENCE = 'io.k8s.api.core.v1.TypedLocalObjectReference';

function nonZeroInt32(r: RandomObjects): number {
  const n = r.int32();
  return n === 0 ? 1 : n;
}

/**
 * OVERRIDES keep the backends upstream's validation accepts: a resource, or a service with a name
 * and a port (v1beta1: a non-zero number or a non-empty name; v1: exactly one of number and name).
 */
const OVERRIDES: Readonly<Record<string, Override>> = {
  'io.k8s.api.networking.v1beta1.IngressBackend': (r, depth) =>
    r.chance(0.3)
      ? { resource: r.object(TYPED_LOCAL_OBJECT_REFERENCE, depth + 1) }
      : { serviceName: r.string(1), servicePort: r.chance(0.5) ? nonZeroInt32(r) : r.string(1) },
  'io.k8s.api.networking.v1.IngressBackend': (r, depth) =>
    r.chance(0.3)
      ? { resource: r.object(TYPED_LOCAL_OBJECT_REFERENCE, depth + 1) }
      : { service: { name: r.string(1), port: r.chance(0.5) ? { number: nonZeroInt32(r) } : { name: r.string(1) } } },
};

/**
 * V1BETA1_ONLY are the v1beta1 fields v1 has no place for (status.loadBalancer.ingress[].ipMode:
 * v1beta1 reuses core's LoadBalancerIngress, v1 has IngressLoadBalancerIngress without it). The
 * generator test checks that this is the only field without a counterpart.
 */
const V1BETA1_ONLY = [['status', 'loadBalancer', 'ingress', '[]', 'ipMode']];

function withoutPath(v: unknown, p: readonly string[]): unknown {
  if (p.length === 0) return v;
  if (p[0] === '[]') return Array.isArray(v) ? v.map((e) => withoutPath(e, p.slice(1))) : v;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const out = { ...(v as JsonObject) };
  if (p.length === 1) delete out[p[0]];
  else if (p[0] in out) out[p[0]] = withoutPath(out[p[0]], p.slice(1));
  return out;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

function containers(v: unknown, into = new Set<object>()): Set<object> {
  if (v && typeof v === 'object') {
    into.add(v);
    for (const x of Object.values(v)) containers(x, into);
  }
  return into;
}

/** assertSharesNothing fails when `output` holds an object or array of `input` (a later write would reach the input). */
function assertSharesNothing(output: unknown, input: unknown, where: string): void {
  const theirs = containers(input);
  for (const c of containers(output)) assert.ok(!theirs.has(c), `${where}: the output shares an object with the input`);
}

function validator(version: string, kind: string): ValidateFunction {
  const v = validatorModules[`${GROUP}-${version}`]()[kind];
  assert.ok(v, `no validator for ${GROUP}/${version} ${kind}`);
  return v;
}

function assertValid(v: ValidateFunction, obj: unknown, where: string): void {
  assert.ok(v(obj), `${where}: ${JSON.stringify(v.errors?.slice(0, 3))}\n${JSON.stringify(obj)}`);
}

interface Case {
  kind: string;
  definitions: { v1: string; v1beta1: string };
}

const CASES: readonly Case[] = [
  { kind: 'Ingress', definitions: { v1: 'io.k8s.api.networking.v1.Ingress', v1beta1: 'io.k8s.api.networking.v1beta1.Ingress' } },
  { kind: 'IngressClass', definitions: { v1: 'io.k8s.api.networking.v1.IngressClass', v1beta1: 'io.k8s.api.networking.v1beta1.IngressClass' } },
];

describe('networking.k8s.io conversion round trips (random valid objects)', function () {
  this.timeout(120_000);

  for (const c of CASES) {
    describe(c.kind, () => {
      let converter: Converter;
      before(() => {
        const found = converterFor(GROUP, c.kind);
        assert.ok(found, `no converter for ${c.kind}`);
        converter = found;
        assert.equal(converter.hub, 'v1');
        assert.deepEqual(converter.versions, ['v1', 'v1beta1']);
      });

      it(`v1 → v1beta1 → v1 gives back every ${c.kind} unchanged (${OBJECTS} objects)`, () => {
        const random = new RandomObjects(SEED, OVERRIDES);
        for (let i = 0; i < OBJECTS; i++) {
          const v1 = deepFreeze(random.object(c.definitions.v1));
          const v1beta1 = converter.fromHub(v1, 'v1beta1');
          assert.equal(v1beta1.apiVersion, 'networking.k8s.io/v1beta1');
          assert.deepEqual(converter.toHub(v1beta1, 'v1beta1'), v1, `object ${i} (seed ${SEED})`);
        }
      });

      it(`v1beta1 → v1 → v1beta1 gives back every ${c.kind} but the fields v1 lacks (${OBJECTS} objects)`, () => {
        const random = new RandomObjects(SEED + 1, OVERRIDES);
        for (let i = 0; i < OBJECTS; i++) {
          const v1beta1 = deepFreeze(random.object(c.definitions.v1beta1));
          const v1 = converter.toHub(v1beta1, 'v1beta1');
          assert.equal(v1.apiVersion, 'networking.k8s.io/v1');
          const expected = V1BETA1_ONLY.reduce<unknown>((o, p) => withoutPath(o, p), v1beta1);
          assert.deepEqual(converter.fromHub(v1, 'v1beta1'), expected, `object ${i} (seed ${SEED + 1})`);
        }
      });

      it(`converts valid ${c.kind} objects into valid ones of the other version (version defaults applied first)`, () => {
        const random = new RandomObjects(SEED + 2, OVERRIDES);
        const [v1Valid, v1beta1Valid] = [validator('v1', c.kind), validator('v1beta1', c.kind)];
        for (let i = 0; i < OBJECTS; i++) {
          const v1 = random.object(c.definitions.v1);
          assertValid(v1Valid, v1, `random v1 object ${i}`);
          assertValid(v1beta1Valid, converter.fromHub(v1, 'v1beta1'), `v1 object ${i} in v1beta1`);
          const v1beta1 = random.object(c.definitions.v1beta1);
          assertValid(v1beta1Valid, v1beta1, `random v1beta1 object ${i}`);
          const defaulted = applyVersionDefaults(v1beta1, GROUP, 'v1beta1', c.kind);
          assertValid(v1Valid, converter.toHub(defaulted, 'v1beta1'), `v1beta1 object ${i} in v1`);
        }
      });

      it(`neither writes to a ${c.kind} nor shares objects with it`, () => {
        const random = new RandomObjects(SEED + 3, OVERRIDES);
        for (let i = 0; i < OBJECTS; i++) {
          // A frozen input makes any write throw (the compiled modules are strict).
          const v1 = deepFreeze(random.object(c.definitions.v1));
          const v1beta1 = deepFreeze(random.object(c.definitions.v1beta1));
          assertSharesNothing(converter.fromHub(v1, 'v1beta1'), v1, `fromHub ${i}`);
          assertSharesNothing(converter.toHub(v1beta1, 'v1beta1'), v1beta1, `toHub ${i}`);
          assertSharesNothing(converter.toHub(v1, 'v1'), v1, `toHub from the hub ${i}`);
          assertSharesNothing(applyVersionDefaults(v1beta1, GROUP, 'v1beta1', c.kind), v1beta1, `applyVersionDefaults ${i}`);
        }
      });

      it(`round-trips ${c.kind}Lists, items included (${LISTS} lists each way)`, () => {
        const random = new RandomObjects(SEED + 4, OVERRIDES);
        const list = (version: 'v1' | 'v1beta1'): JsonObject =>
          deepFreeze(random.object(`io.k8s.api.networking.${version}.${c.kind}List`));
        for (let i = 0; i < LISTS; i++) {
          const v1 = list('v1');
          const down = converter.convertList(v1, 'v1', 'v1beta1');
          assert.equal(down.apiVersion, 'networking.k8s.io/v1beta1');
          for (const item of down.items as JsonObject[]) if ('apiVersion' in item) assert.equal(item.apiVersion, 'networking.k8s.io/v1beta1');
          assert.deepEqual(converter.convertList(down, 'v1beta1', 'v1'), v1, `v1 list ${i}`);
          const v1beta1 = list('v1beta1');
          const expected = V1BETA1_ONLY.reduce<unknown>(
            (o, p) => ({ ...(o as JsonObject), items: ((o as JsonObject).items as unknown[]).map((item) => withoutPath(item, p)) }),
            v1beta1,
          );
          assert.deepEqual(converter.convertList(converter.convertList(v1beta1, 'v1beta1', 'v1'), 'v1', 'v1beta1'), expected, `v1beta1 list ${i}`);
        }
      });
    });
  }
});

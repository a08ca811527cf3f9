/**
 * Strategic merge patch. Two halves:
 *
 * - upstream's own cases (test/fixtures/patch/upstream: the data of apimachinery's
 *   strategicpatch patch_test.go, run against its mergeItem schema read by buildTypeTable). Only
 *   the application side is ours: each case's expected patch is applied to its original (two-way)
 *   and current (three-way) object. Cases upstream compares after sorting merge lists by key are
 *   sorted the same way here; the raw cases compare order exactly.
 * - Kubernetes objects patched through the generated built-in table, written from the documented
 *   semantics (docs "Update API Objects in Place Using kubectl patch", the SMP design doc).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

import { builtinTypeTable } from '../../../generated/typeinfo';
import { buildTypeTable } from '../../../src/schema/build';
import type { OpenAPISchema } from '../../../src/schema/openapi';
import { kindKey, resolve, type TypeRef, type TypeTable } from '../../../src/schema/typeinfo';
import { isPatchError, patchErrorToStatus, PatchError, strategicMergePatch, strategicMergePatchSupported } from '../../../src/patch/strategic';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const UPSTREAM = path.join(REPO_ROOT, 'test/fixtures/patch/upstream');

type JSONObject = Record<string, unknown>;

function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** expectPatchError asserts that fn throws a PatchError with that code and message. */
function expectPatchError(fn: () => unknown, code: number, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPatchError(e), `expected a PatchError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

// ---- upstream's cases ----

interface UpstreamCase {
  description: string;
  original?: JSONObject;
  twoWay?: JSONObject;
  modified?: JSONObject;
  current?: JSONObject;
  threeWay?: JSONObject;
  result?: JSONObject;
  twoWayResult?: JSONObject;
  expectedError?: string;
}

interface UpstreamCases {
  custom: UpstreamCase[];
  customRaw: UpstreamCase[];
  create: UpstreamCase[];
  raw: UpstreamCase[];
  replaceRawExtension: UpstreamCase[];
}

const mergeItemDoc = JSON.parse(fs.readFileSync(path.join(UPSTREAM, 'merge-item-v3.json'), 'utf8')) as { components: { schemas: Record<string, OpenAPISchema> } };
const MERGE_ITEM = 'mergeItem';
const mergeItemTable = buildTypeTable(mergeItemDoc.components.schemas, [{ key: kindKey('fake-group', 'some-version', MERGE_ITEM), definition: MERGE_ITEM }], {
  patchMetadata: true,
});
const upstream = parseYaml(fs.readFileSync(path.join(UPSTREAM, 'strategic-cases.yaml'), 'utf8')) as UpstreamCases;

/** goString is how upstream's sort helper renders a key (`%v`). */
function goString(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : String(v);
}

function byString(a: unknown, b: unknown): number {
  const x = goString(a);
  const y = goString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * sortMergeLists is upstream's sortMergeListsByName, the normalization its non-raw cases go
 * through before comparing: merging lists sorted by merge key (scalars deduplicated and
 * sorted), directive lists sorted, $setElementOrder lists left alone.
 */
function sortMergeLists(table: TypeTable, v: JSONObject, type: TypeRef | undefined): JSONObject {
  const out: JSONObject = {};
  const node = type === undefined ? undefined : resolve(table, type);
  const fieldOf = (k: string): TypeRef | undefined => (node?.kind === 'struct' && Object.hasOwn(node.fields, k) ? node.fields[k] : undefined);
  for (const [k, x] of Object.entries(v)) {
    let y = x;
    if (k === '$retainKeys' || k.startsWith('$deleteFromPrimitiveList')) y = [...(x as unknown[])].sort(byString);
    else if (k.startsWith('$setElementOrder') || k === '$patch') y = x;
    else if (isObject(x)) y = sortMergeLists(table, x, fieldOf(k));
    else if (Array.isArray(x)) {
      const f = fieldOf(k);
      const l = f === undefined ? undefined : resolve(table, f);
      const strategies = l?.kind === 'list' ? (l.patchStrategy ?? '').split(',').filter((s) => s !== 'retainKeys') : [];
      if (l?.kind === 'list' && strategies[0] === 'merge') y = sortMergeList(table, x, l.items, l.patchMergeKey ?? '');
    }
    out[k] = y;
  }
  return out;
}

function sortMergeList(table: TypeTable, list: unknown[], items: TypeRef, mergeKey: string): unknown[] {
  if (list.length === 0) return list;
  if (!isObject(list[0])) return [...new Set(list)].sort(byString);
  return list.map((e) => sortMergeLists(table, e as JSONObject, items)).sort((a, b) => byString(a[mergeKey], b[mergeKey]));
}

function applyToMergeItem(original: JSONObject | undefined, patch: JSONObject): unknown {
  return strategicMergePatch(original ?? {}, patch, mergeItemTable, MERGE_ITEM);
}

describe('patch/strategic', () => {
  describe("upstream's cases (apimachinery strategicpatch patch_test.go)", () => {
    const sorted = (v: JSONObject | undefined): JSONObject => sortMergeLists(mergeItemTable, v ?? {}, MERGE_ITEM);

    describe('custom cases (sorted)', () => {
      for (const c of upstream.custom) {
        it(c.description, () => {
          assert.deepEqual(applyToMergeItem(sorted(c.original), sorted(c.twoWay)), sorted(c.twoWayResult ?? c.modified));
        });
      }
    });

    describe('custom raw cases', () => {
      for (const c of upstream.customRaw) {
        it(c.description, () => {
          if (c.expectedError) {
            assert.throws(() => applyToMergeItem(c.original, c.twoWay ?? {}), (e: unknown) => isPatchError(e) && e.message.includes(c.expectedError!));
          } else {
            assert.deepEqual(applyToMergeItem(c.original, c.twoWay ?? {}), c.twoWayResult ?? c.modified ?? {});
          }
        });
      }
    });

    describe('two- and three-way cases (sorted)', () => {
      for (const c of upstream.create) {
        it(`${c.description} (two-way)`, () => {
          assert.deepEqual(applyToMergeItem(sorted(c.original), sorted(c.twoWay)), sorted(c.twoWayResult ?? c.modified));
        });
        if (c.current && c.threeWay && c.result) {
          it(`${c.description} (three-way)`, () => {
            assert.deepEqual(applyToMergeItem(sorted(c.current), sorted(c.threeWay)), sorted(c.result));
          });
        }
      }
    });

    describe('raw cases (order compared)', () => {
      for (const c of [...upstream.raw, ...upstream.replaceRawExtension]) {
        if (c.twoWay) {
          it(`${c.description} (two-way)`, () => {
            assert.deepEqual(applyToMergeItem(c.original, c.twoWay!), c.twoWayResult ?? c.modified ?? {});
          });
        }
        if (c.current && c.threeWay && c.result) {
          it(`${c.description} (three-way)`, () => {
            assert.deepEqual(applyToMergeItem(c.current, c.threeWay!), c.result);
          });
        }
      }
    });

    it('covers every fixture group', () => {
      assert.ok(upstream.custom.length >= 15 && upstream.create.length >= 20 && upstream.raw.length >= 80, 'fixture file truncated?');
    });

    // TestUnknownField's application halves: fields the schema does not declare.
    it('adds undeclared fields, dropping the nulls inside them', () => {
      const original = { array: [1, 2, 3], complex: { nested: true }, name: 'foo', scalar: true };
      assert.deepEqual(applyToMergeItem(original, { complex_nullable: { key: null } }), { ...original, complex_nullable: {} });
      assert.deepEqual(applyToMergeItem(original, { complex_nullable: { key: { keynotnull: 'value', keynull: null } } }), {
        ...original,
        complex_nullable: { key: { keynotnull: 'value' } },
      });
      assert.deepEqual(applyToMergeItem({}, { complex_nullable: [{ inner_one: { key_one: 'foo', key_two: null } }] }), {
        complex_nullable: [{ inner_one: { key_one: 'foo' } }],
      });
      assert.deepEqual(applyToMergeItem({}, { complex_nullable: ['key1', null, 'key2'] }), { complex_nullable: ['key1', null, 'key2'] });
      assert.deepEqual(applyToMergeItem({ thing: null }, { nested: { value: 5 } }), { nested: { value: 5 }, thing: null });
      assert.deepEqual(applyToMergeItem({ name: 'foo', scalar: true, complex: { nested: true }, array: [1, 2, 3] }, { complex: null, scalar: null }), {
        name: 'foo',
        array: [1, 2, 3],
      });
    });

    it('merges into an untyped field only as far as its keys go (jsonItem)', () => {
      const original = { name: 'foo', jsonItem: { nested: { nested2: { nested3: {} } } } };
      expectPatchError(
        () => applyToMergeItem(original, { jsonItem: { nested: { nested2: { nested3: { a: 'b' } } } } }),
        500,
        'unable to find api field in struct  for the json field "nested"',
      );
      assert.deepEqual(applyToMergeItem(original, { jsonItem: { other: 1 } }), { name: 'foo', jsonItem: { nested: { nested2: { nested3: {} } }, other: 1 } });
    });

    it('replaces a field whose strategy is replace (replacingItem)', () => {
      const original = { name: 'my-object', replacingItem: { Some: 'Generic', Yaml: 'Inside' } };
      assert.deepEqual(applyToMergeItem(original, { replacingItem: { Newly: 'Modified' } }), { name: 'my-object', replacingItem: { Newly: 'Modified' } });
    });

    it('refuses lists of lists (422) and mixed element types', () => {
      expectPatchError(() => applyToMergeItem({ mergingIntList: [[1]] }, { mergingIntList: [[2]] }), 422, 'lists of lists are not supported');
      expectPatchError(() => applyToMergeItem({ mergingIntList: [1] }, { mergingIntList: ['a'] }), 500, 'list element types are not identical: [[1] [a]]');
      expectPatchError(() => applyToMergeItem({ mergingIntList: [1] }, { mergingIntList: [1.5] }), 500, 'list element types are not identical: [[1] [1.5]]');
    });

    it('refuses a merging list of objects without a merge key', () => {
      const t = buildTypeTable(
        { item: { properties: { list: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', items: { $ref: '#/components/schemas/item' } } } } },
        [{ key: 'x/v1/Item', definition: 'item' }],
        { patchMetadata: true },
      );
      expectPatchError(() => strategicMergePatch({ list: [{ a: 1 }] }, { list: [{ a: 2 }] }, t, 'item'), 500, 'cannot merge lists without merge key for struct');
    });
  });

  describe('Kubernetes objects', () => {
    const T = builtinTypeTable;
    const POD = T.kinds[kindKey('', 'v1', 'Pod')];
    const DEPLOYMENT = T.kinds[kindKey('apps', 'v1', 'Deployment')];
    const SERVICE = T.kinds[kindKey('', 'v1', 'Service')];

    const patchPod = (original: JSONObject, patch: unknown): unknown => strategicMergePatch(original, patch, T, POD);

    function pod(spec: JSONObject, metadata: JSONObject = {}): JSONObject {
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...metadata }, spec };
    }

    const nginx = { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const sidecar = { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', '3600'] };

    it('changes one container by name and leaves the others alone', () => {
      const out = patchPod(pod({ containers: [nginx, sidecar] }), { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.37' }] } });
      assert.deepEqual(out, pod({ containers: [nginx, { ...sidecar, image: 'busybox:1.37' }] }));
    });

    it('puts a container the live object lacks before the live ones (upstream order without $setElementOrder)', () => {
      const out = patchPod(pod({ containers: [nginx] }), { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.36' }] } });
      assert.deepEqual(out, pod({ containers: [{ name: 'sidecar', image: 'busybox:1.36' }, nginx] }));
    });

    it('places a new container where $setElementOrder says', () => {
      const out = patchPod(pod({ containers: [nginx] }), {
        spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ name: 'sidecar', image: 'busybox:1.36' }] },
      });
      assert.deepEqual(out, pod({ containers: [nginx, { name: 'sidecar', image: 'busybox:1.36' }] }));
    });

    it('orders as upstream when a patch deletes one container and adds another (Go slice aliasing)', () => {
      const c = (name: string): JSONObject => ({ name, image: `${name}:1` });
      const out = patchPod(pod({ containers: [c('a'), c('b'), c('c')] }), {
        spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'd' }], containers: [c('d'), { name: 'a', $patch: 'delete' }] },
      });
      // Upstream deletes `a` in place and appends `d` into the freed slot of the live list, which
      // it then orders by: so `c` (unknown to the patch) stays before `d`.
      assert.deepEqual(out, pod({ containers: [c('b'), c('c'), c('d')] }));
    });

    it('reorders containers with $setElementOrder alone', () => {
      const out = patchPod(pod({ containers: [nginx, sidecar] }), { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } });
      assert.deepEqual(out, pod({ containers: [sidecar, nginx] }));
    });

    it('deletes a container with $patch: delete', () => {
      const out = patchPod(pod({ containers: [nginx, sidecar] }), { spec: { containers: [{ name: 'nginx', $patch: 'delete' }] } });
      assert.deepEqual(out, pod({ containers: [sidecar] }));
    });

    it('replaces the whole list with a $patch: replace element', () => {
      const out = patchPod(pod({ containers: [nginx, sidecar] }), { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } });
      assert.deepEqual(out, pod({ containers: [{ name: 'only', image: 'x' }] }));
    });

    it('merges env by name inside a container', () => {
      const out = patchPod(pod({ containers: [nginx] }), {
        spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }, { name: 'A', $patch: 'delete' }] }] },
      });
      const env = ((out as { spec: { containers: { env: unknown }[] } }).spec.containers[0]).env;
      assert.deepEqual(env, [{ name: 'B', value: '3' }, { name: 'C', value: '4' }]);
    });

    it('merges container ports by containerPort', () => {
      const out = patchPod(pod({ containers: [nginx] }), { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }] } });
      const ports = (out as { spec: { containers: { ports: unknown }[] } }).spec.containers[0].ports;
      assert.deepEqual(ports, [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
    });

    it('replaces lists without a merge strategy: args and tolerations', () => {
      const original = pod({ containers: [sidecar], tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] });
      const out = patchPod(original, { spec: { containers: [{ name: 'sidecar', args: ['sleep', '10'] }], tolerations: [{ key: 'c', operator: 'Exists' }] } });
      assert.deepEqual(out, pod({ containers: [{ ...sidecar, args: ['sleep', '10'] }], tolerations: [{ key: 'c', operator: 'Exists' }] }));
    });

    it('merges labels and deletes the ones set to null', () => {
      const out = patchPod(pod({ containers: [nginx] }, { labels: { app: 'web', tier: 'front', old: 'x' } }), { metadata: { labels: { tier: 'back', old: null, new: 'y' } } });
      assert.deepEqual((out as { metadata: unknown }).metadata, { name: 'p', namespace: 'default', labels: { app: 'web', tier: 'back', new: 'y' } });
    });

    it('deletes a field set to null and ignores null for a field that is absent', () => {
      const out = patchPod(pod({ containers: [nginx], nodeName: 'n1' }), { spec: { nodeName: null, hostname: null } });
      assert.deepEqual(out, pod({ containers: [nginx] }));
    });

    it('drops nulls and directives from a value the live object lacks', () => {
      const out = patchPod(pod({ containers: [nginx] }), { metadata: { annotations: { a: null, b: '1' } }, spec: { securityContext: { runAsUser: 1, fsGroup: null } } });
      assert.deepEqual(out, pod({ containers: [nginx], securityContext: { runAsUser: 1 } }, { annotations: { b: '1' } }));
    });

    it('replaces a map with $patch: replace and empties it with $patch: delete', () => {
      const original = pod({ containers: [nginx], securityContext: { runAsUser: 1 } }, { labels: { a: '1', b: '2' } });
      const out = patchPod(original, { metadata: { labels: { $patch: 'replace', c: '3' } }, spec: { securityContext: { $patch: 'delete' } } });
      assert.deepEqual(out, pod({ containers: [nginx], securityContext: {} }, { labels: { c: '3' } }));
    });

    it('replaces the whole object with a top-level $patch: replace', () => {
      assert.deepEqual(patchPod(pod({ containers: [nginx] }), { $patch: 'replace', kind: 'Pod' }), { kind: 'Pod' });
    });

    it('merges finalizers as a set and deletes from them with $deleteFromPrimitiveList', () => {
      const original = pod({ containers: [nginx] }, { finalizers: ['a', 'b', 'c'] });
      const added = patchPod(original, { metadata: { finalizers: ['c', 'd'] } }) as { metadata: { finalizers: string[] } };
      assert.deepEqual(added.metadata.finalizers, ['a', 'b', 'c', 'd']);
      const removed = patchPod(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'x'] } }) as { metadata: { finalizers: string[] } };
      assert.deepEqual(removed.metadata.finalizers, ['a', 'c']);
      const ordered = patchPod(original, { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'] } }) as { metadata: { finalizers: string[] } };
      assert.deepEqual(ordered.metadata.finalizers, ['c', 'a', 'b']);
    });

    it('switches a volume source with $retainKeys', () => {
      const original = pod({ containers: [nginx], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c1' } }] });
      const out = patchPod(original, { spec: { volumes: [{ name: 'data', $retainKeys: ['name', 'persistentVolumeClaim'], persistentVolumeClaim: { claimName: 'pvc' } }] } });
      assert.deepEqual(out, pod({ containers: [nginx], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }, { name: 'cfg', configMap: { name: 'c1' } }] }));
      // Without the directive both sources remain (the object would then fail validation).
      const both = patchPod(original, { spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'pvc' } }] } }) as { spec: { volumes: unknown[] } };
      assert.deepEqual(both.spec.volumes[0], { name: 'data', emptyDir: {}, persistentVolumeClaim: { claimName: 'pvc' } });
    });

    it('clears the rolling update of a Deployment switched to Recreate with $retainKeys', () => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: {
          replicas: 1,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
          template: { metadata: { labels: { app: 'd' } }, spec: { containers: [nginx, sidecar] } },
        },
      };
      const out = strategicMergePatch(deployment, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, T, DEPLOYMENT) as typeof deployment;
      assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
      // Nested merge lists in the pod template merge too.
      const image = strategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } }, T, DEPLOYMENT) as typeof deployment;
      assert.deepEqual(image.spec.template.spec.containers, [{ ...nginx, image: 'nginx:1.28' }, sidecar]);
      expectPatchError(() => strategicMergePatch(deployment, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate', x: 1 } } }, T, DEPLOYMENT), 400, 'invalid patch format of retainKeys');
    });

    it('merges Service ports by port', () => {
      const service = {
        kind: 'Service',
        spec: {
          selector: { app: 'web' },
          ports: [
            { name: 'http', port: 80, protocol: 'TCP', targetPort: 80 },
            { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
          ],
        },
      };
      const out = strategicMergePatch(service, { spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { tier: 'front' } } }, T, SERVICE);
      assert.deepEqual(out, {
        kind: 'Service',
        spec: {
          selector: { app: 'web', tier: 'front' },
          ports: [
            { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
            { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
          ],
        },
      });
    });

    it('merges Service ports on port alone, as upstream does (kubernetes#39188)', () => {
      const dns = { spec: { ports: [{ name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] } };
      const out = strategicMergePatch(dns, { spec: { ports: [{ port: 53, protocol: 'UDP', targetPort: 5353 }] } }, T, SERVICE);
      // The first port 53 takes the patch although its list-map key (port, protocol) differs.
      assert.deepEqual(out, { spec: { ports: [{ name: 'dns-tcp', port: 53, protocol: 'UDP', targetPort: 5353 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] } });
    });

    it('replaces a list-type map that has no patch strategy (resources.claims)', () => {
      const original = pod({ containers: [{ name: 'c', resources: { claims: [{ name: 'gpu' }, { name: 'fpga' }] } }] });
      const out = patchPod(original, { spec: { containers: [{ name: 'c', resources: { claims: [{ name: 'tpu' }] } }] } });
      assert.deepEqual(out, pod({ containers: [{ name: 'c', resources: { claims: [{ name: 'tpu' }] } }] }));
    });

    it('leaves its arguments untouched', () => {
      const original = pod({ containers: [nginx, sidecar] }, { labels: { a: '1' } });
      const patch = { metadata: { labels: { a: null } }, spec: { containers: [{ name: 'nginx', $patch: 'delete' }] } };
      const before = JSON.stringify([original, patch]);
      patchPod(original, patch);
      assert.equal(JSON.stringify([original, patch]), before);
    });

    it('treats a null patch as no change and refuses a patch that is not an object', () => {
      const original = pod({ containers: [nginx] });
      assert.deepEqual(patchPod(original, null), original);
      expectPatchError(() => patchPod(original, [1]), 400, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
      expectPatchError(() => patchPod(original, 'x'), 400, 'json: cannot unmarshal string into Go value of type map[string]interface {}');
    });

    it("keeps a `__proto__` key a key", () => {
      const patch = JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}') as unknown;
      const out = patchPod(pod({ containers: [nginx] }, { labels: { a: '1' } }), patch) as { metadata: { labels: JSONObject } };
      assert.deepEqual(Object.keys(out.metadata.labels), ['a', '__proto__']);
      assert.equal(Object.getPrototypeOf(out.metadata.labels), Object.prototype);
    });

    describe('malformed patches, with upstream messages', () => {
      const original = pod({ containers: [nginx, sidecar] }, { finalizers: ['a'], labels: { a: '1' } });

      it('an element of a merging list without its merge key', () => {
        expectPatchError(() => patchPod(original, { spec: { containers: [{ image: 'x' }] } }), 500, 'map: map[image:x] does not contain declared merge key: name');
        expectPatchError(
          () => patchPod(original, { spec: { containers: [{ image: 'x', $patch: 'delete' }] } }),
          500,
          'map: map[$patch:delete image:x] does not contain declared merge key: name',
        );
      });

      it('directives that are not understood', () => {
        expectPatchError(() => patchPod(original, { metadata: { labels: { $patch: 'foo' } } }), 500, 'unknown patch type: foo in map: map[$patch:foo]');
        expectPatchError(() => patchPod(original, { metadata: { labels: { $patch: 1 } } }), 500, 'unknown patch type: %!s(int64=1) in map: map[$patch:1]');
        expectPatchError(() => patchPod(original, { spec: { containers: [{ name: 'x', $patch: 'merge' }] } }), 500, 'merging lists cannot yet be specified in the patch');
        expectPatchError(
          () => patchPod(original, { spec: { containers: [{ name: 'x', $patch: 'bogus' }] } }),
          500,
          'unknown patch type: bogus in map: map[$patch:bogus name:x]',
        );
      });

      it('malformed $setElementOrder, $deleteFromPrimitiveList and $retainKeys', () => {
        expectPatchError(() => patchPod(original, { spec: { '$setElementOrder/containers': 'x' } }), 500, 'expected a []interface {}, but received a string');
        expectPatchError(() => patchPod(original, { spec: { $setElementOrderContainers: [] } }), 400, 'invalid patch format of setElementOrder list');
        expectPatchError(() => patchPod(original, { metadata: { $deleteFromPrimitiveList: ['a'] } }), 400, 'invalid patch format of primitive list');
        expectPatchError(() => patchPod(original, { metadata: { $retainKeys: 'name' } }), 400, 'invalid patch format of retainKeys');
        expectPatchError(
          () => patchPod(original, { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', image: 'x' }] } }),
          500,
          "The order in patch list:\n[map[image:x name:sidecar]]\n doesn't match $setElementOrder list:\n[map[name:nginx]]\n",
        );
        expectPatchError(() => patchPod(original, { spec: { '$setElementOrder/nope': [] } }), 500, 'unable to find api field in struct PodSpec for the json field "nope"');
      });

      it('merging into objects the type does not describe field by field', () => {
        const revision = { kind: 'ControllerRevision', data: { spec: { a: 1 } }, revision: 1 };
        const REVISION = T.kinds[kindKey('apps', 'v1', 'ControllerRevision')];
        expectPatchError(() => strategicMergePatch(revision, { data: { spec: { b: 2 } } }, T, REVISION), 500, 'unable to find api field in struct RawExtension for the json field "spec"');
        assert.deepEqual(strategicMergePatch(revision, { data: { other: 2 } }, T, REVISION), { kind: 'ControllerRevision', data: { spec: { a: 1 }, other: 2 }, revision: 1 });
        // A Go map of structs: its entries cannot be merged (JSONSchemaProps.properties would
        // be one, but CRD versions is an atomic list, so a patch replaces it before that).
        const t = buildTypeTable(
          {
            a: { properties: { m: { type: 'object', additionalProperties: { $ref: '#/components/schemas/b' } } } },
            b: { properties: { x: { type: 'string' }, y: { type: 'string' } } },
          },
          [{ key: 'x/v1/A', definition: 'a' }],
          { patchMetadata: true },
        );
        expectPatchError(() => strategicMergePatch({ m: { k: { x: '1' } } }, { m: { k: { y: '2' } } }, t, 'a'), 500, 'merging an object in json but data type is not struct, instead is: map');
        assert.deepEqual(strategicMergePatch({ m: { k: { x: '1' } } }, { m: { j: { y: '2' } } }, t, 'a'), { m: { k: { x: '1' }, j: { y: '2' } } });
        const CRD = T.kinds[kindKey('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')];
        const crd = { spec: { versions: [{ name: 'v1', served: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } }] } };
        const replaced = { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { properties: { spec: { type: 'string' } } } } }] } };
        assert.deepEqual(strategicMergePatch(crd, replaced, T, CRD), replaced);
      });
    });

    describe('patchErrorToStatus', () => {
      it('answers as kube-apiserver does for each class of error', () => {
        const bad = patchErrorToStatus(new PatchError('invalid patch format of retainKeys', 400)).toStatus();
        assert.equal(bad.code, 400);
        assert.equal(bad.reason, 'BadRequest');
        assert.equal(bad.message, 'invalid patch format of retainKeys');
        const invalid = patchErrorToStatus(new PatchError('lists of lists are not supported', 422)).toStatus();
        assert.equal(invalid.code, 422);
        assert.equal(invalid.reason, 'Invalid');
        assert.equal(invalid.message, 'the server rejected our request due to an error in our request');
        const internal = patchErrorToStatus(new PatchError('map: map[] does not contain declared merge key: name', 500)).toStatus();
        assert.equal(internal.code, 500);
        assert.equal(internal.message, 'map: map[] does not contain declared merge key: name');
      });
    });

    describe('strategicMergePatchSupported', () => {
      it('holds for built-in kinds and not for custom resources or unknown roots', () => {
        assert.equal(strategicMergePatchSupported(T, POD), true);
        assert.equal(strategicMergePatchSupported(T, T.kinds[kindKey('autoscaling', 'v1', 'Scale')]), true);
        assert.equal(strategicMergePatchSupported(T, 'io.example.Nothing'), false);
        const crd = buildTypeTable({ w: { type: 'object', properties: { spec: { type: 'object' } } } }, [{ key: 'example.com/v1/Widget', definition: 'w' }]);
        assert.equal(strategicMergePatchSupported(crd, 'w'), false);
      });
    });
  });
});

/**
 * PATCH in its three client-side formats, driven by `kubectl patch --type json|merge|strategic`
 * and checked against kube-apiserver (k8s.io/apiserver pkg/endpoints/handlers/patch.go):
 *
 * - JSON patch (RFC 6902): a failing `test` op is a 422 Invalid with the generic message
 *   "the server rejected our request due to an error in our request" (NewGenericServerResponse
 *   keeps the jsonpatch error out of the Status) and changes nothing;
 * - merge patch (RFC 7386): null deletes a key;
 * - strategic merge patch: merge keys and strategies of the built-in schemas (containers by name,
 *   service ports by port, finalizers merged as a set), and the directives `$patch: delete`,
 *   `$patch: replace`, `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`;
 * - strategic merge on a custom resource is refused with 415 UnsupportedMediaType naming the
 *   accepted types (apiextensions-apiserver serves json-patch, merge-patch and apply-patch only).
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, configMap, createNamespaceNamed, deployment, expectCreated, getJson, type Json } from './support';

const NS = 'patching';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const SERVICES = `/api/v1/namespaces/${NS}/services`;

/** CRD_GROUP is the group of the custom resource the 415 test creates through the API. */
const CRD_GROUP = 'patch.example.com';
const CRD_NAME = `widgets.${CRD_GROUP}`;
const WIDGETS = `/apis/${CRD_GROUP}/v1/namespaces/${NS}/widgets`;

/** CR_PATCH_TYPES is what kube-apiserver accepts for a custom resource (customresource_handler.go). */
const CR_PATCH_TYPES = 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

function twoContainerDeployment(name: string): Json {
  const d = deployment(name, 1);
  d.spec.template.spec.containers = [
    { name: 'a', image: 'busybox:1.36', command: ['sleep', '3600'] },
    { name: 'b', image: 'nginx:1.27' },
  ];
  return d;
}

describe('PATCH: kubectl patch --type json|merge|strategic', function () {
  let server: TestServer;

  const kubectl = (...args: string[]) => server.kubectl.run(['-n', NS, ...args]);
  const kubectlMayFail = (...args: string[]) => server.kubectl.run(['-n', NS, ...args], { allowFailure: true });

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('JSON patch (RFC 6902)', function () {
    before(async function () {
      await expectCreated(server, CONFIGMAPS, configMap('json-target', { color: 'red', size: 'small', shape: 'round' }));
    });

    it('applies add, replace and remove operations in order', async function () {
      const ops = [
        { op: 'add', path: '/data/flavour', value: 'mint' },
        { op: 'replace', path: '/data/color', value: 'blue' },
        { op: 'remove', path: '/data/shape' },
        { op: 'add', path: '/metadata/labels', value: { patched: 'json' } },
      ];
      const out = await kubectl('patch', 'configmap', 'json-target', '--type', 'json', '-p', JSON.stringify(ops));
      assert.equal(out.stdout.trim(), 'configmap/json-target patched');
      const cm = await getJson(server, `${CONFIGMAPS}/json-target`);
      assert.deepEqual(cm.data, { color: 'blue', size: 'small', flavour: 'mint' });
      assert.deepEqual(cm.metadata.labels, { patched: 'json' });
    });

    it('passes a test operation that holds and applies the rest', async function () {
      const ops = [
        { op: 'test', path: '/data/color', value: 'blue' },
        { op: 'replace', path: '/data/size', value: 'large' },
      ];
      await kubectl('patch', 'configmap', 'json-target', '--type', 'json', '-p', JSON.stringify(ops));
      assert.equal((await getJson(server, `${CONFIGMAPS}/json-target`)).data.size, 'large');
    });

    it('refuses the whole patch with 422 Invalid when a test operation fails, changing nothing', async function () {
      const before = await getJson(server, `${CONFIGMAPS}/json-target`);
      const ops = [
        { op: 'replace', path: '/data/size', value: 'tiny' },
        { op: 'test', path: '/data/color', value: 'green' },
      ];
      const res = await server.request('PATCH', `${CONFIGMAPS}/json-target`, {
        body: JSON.stringify(ops),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'the server rejected our request due to an error in our request',
      });
      assert.deepEqual(status.details ?? {}, {}, 'NewGenericServerResponse names no resource, kind or causes');
      const after = await getJson(server, `${CONFIGMAPS}/json-target`);
      assert.deepEqual(after.data, before.data);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'a refused patch writes nothing');
    });

    it('makes kubectl patch --type json fail with "The request is invalid" on a failing test operation', async function () {
      const ops = [{ op: 'test', path: '/data/color', value: 'green' }];
      const out = await kubectlMayFail('patch', 'configmap', 'json-target', '--type', 'json', '-p', JSON.stringify(ops));
      assert.notEqual(out.code, 0, out.stdout);
      // kubectl's checkErr (k8s.io/kubectl pkg/cmd/util/helpers.go) appends the server's message
      // when the Invalid Status's details name no kind or name and carry no causes, as here.
      assert.match(out.stderr, /^The request is invalid: the server rejected our request due to an error in our request$/m, out.stderr);
    });

    it('answers a JSON patch whose path does not exist with 422 and leaves the object alone', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/json-target`, {
        body: JSON.stringify([{ op: 'replace', path: '/data/missing', value: 'x' }]),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      assertStatus(res, { code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    });

    it('answers a body that is not a JSON patch document with 400 BadRequest', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/json-target`, {
        body: JSON.stringify({ op: 'add', path: '/data/x', value: 'y' }),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      assertStatus(res, { code: 400, reason: 'BadRequest' });
    });
  });

  describe('merge patch (RFC 7386)', function () {
    before(async function () {
      await expectCreated(server, CONFIGMAPS, configMap('merge-target', { keep: '1', drop: '2' }, { labels: { team: 'a', tier: 'web' } }));
    });

    it('merges maps, replaces scalars and deletes keys set to null', async function () {
      const patch = { data: { drop: null, added: '3' }, metadata: { labels: { tier: null, team: 'b' } } };
      const out = await kubectl('patch', 'configmap', 'merge-target', '--type', 'merge', '-p', JSON.stringify(patch));
      assert.equal(out.stdout.trim(), 'configmap/merge-target patched');
      const cm = await getJson(server, `${CONFIGMAPS}/merge-target`);
      assert.deepEqual(cm.data, { keep: '1', added: '3' });
      assert.deepEqual(cm.metadata.labels, { team: 'b' });
    });

    it('replaces a list wholesale: a merge patch has no merge keys', async function () {
      await expectCreated(server, DEPLOYMENTS, twoContainerDeployment('merge-deploy'));
      const patch = { spec: { template: { spec: { containers: [{ name: 'b', image: 'nginx:1.28' }] } } } };
      await kubectl('patch', 'deployment', 'merge-deploy', '--type', 'merge', '-p', JSON.stringify(patch));
      const d = await getJson(server, `${DEPLOYMENTS}/merge-deploy`);
      assert.deepEqual(
        d.spec.template.spec.containers.map((c: Json) => [c.name, c.image]),
        [['b', 'nginx:1.28']],
      );
    });

    it('reports "patched (no change)" and keeps the resourceVersion for a patch that changes nothing', async function () {
      const before = await getJson(server, `${CONFIGMAPS}/merge-target`);
      const out = await kubectl('patch', 'configmap', 'merge-target', '--type', 'merge', '-p', '{"data":{"keep":"1"}}');
      assert.equal(out.stdout.trim(), 'configmap/merge-target patched (no change)');
      const after = await getJson(server, `${CONFIGMAPS}/merge-target`);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    });
  });

  describe('strategic merge patch (built-in kinds)', function () {
    it('changes one container image by name and keeps the other containers and their order', async function () {
      await expectCreated(server, DEPLOYMENTS, twoContainerDeployment('smp-image'));
      const patch = { spec: { template: { spec: { containers: [{ name: 'b', image: 'nginx:1.28' }] } } } };
      const out = await kubectl('patch', 'deployment', 'smp-image', '--type', 'strategic', '-p', JSON.stringify(patch));
      assert.equal(out.stdout.trim(), 'deployment.apps/smp-image patched');
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(
        d.spec.template.spec.containers.map((c: Json) => [c.name, c.image]),
        [['a', 'busybox:1.36'], ['b', 'nginx:1.28']],
      );
      assert.deepEqual(d.spec.template.spec.containers[0].command, ['sleep', '3600'], 'fields of the untouched container survive');
    });

    it('uses strategic merge when kubectl patch is given no --type', async function () {
      const patch = { spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox:1.37' }] } } } };
      await kubectl('patch', 'deployment', 'smp-image', '-p', JSON.stringify(patch));
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(d.spec.template.spec.containers.map((c: Json) => c.image), ['busybox:1.37', 'nginx:1.28']);
    });

    it('adds a container with a new name ahead of the server-only ones (no $setElementOrder given)', async function () {
      // mergeSlice -> normalizeElementOrder -> mergeSortedSlice: items of the patch that the live
      // list does not have are placed before the items only the server has.
      const patch = { spec: { template: { spec: { containers: [{ name: 'c', image: 'redis:7' }] } } } };
      await kubectl('patch', 'deployment', 'smp-image', '-p', JSON.stringify(patch));
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(d.spec.template.spec.containers.map((c: Json) => c.name), ['c', 'a', 'b']);
    });

    it('removes a container with $patch: delete', async function () {
      const patch = { spec: { template: { spec: { containers: [{ name: 'c', $patch: 'delete' }] } } } };
      await kubectl('patch', 'deployment', 'smp-image', '-p', JSON.stringify(patch));
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(d.spec.template.spec.containers.map((c: Json) => c.name), ['a', 'b']);
    });

    it('reorders containers with $setElementOrder/containers while patching one of them', async function () {
      const body = {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
              containers: [{ name: 'a', image: 'busybox:1.38' }],
            },
          },
        },
      };
      await kubectl('patch', 'deployment', 'smp-image', '--type', 'strategic', '-p', JSON.stringify(body));
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(
        d.spec.template.spec.containers.map((c: Json) => [c.name, c.image]),
        [['b', 'nginx:1.28'], ['a', 'busybox:1.38']],
      );
    });

    it('clears the sibling fields not listed in $retainKeys (deployment strategy is retainKeys)', async function () {
      const before = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(before.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
      const patch = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
      await kubectl('patch', 'deployment', 'smp-image', '-p', JSON.stringify(patch));
      const d = await getJson(server, `${DEPLOYMENTS}/smp-image`);
      assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    });

    it('refuses Recreate while rollingUpdate is still set when $retainKeys is not used (422 from validation)', async function () {
      await expectCreated(server, DEPLOYMENTS, deployment('smp-no-retain'));
      const res = await server.request('PATCH', `${DEPLOYMENTS}/smp-no-retain`, {
        body: { spec: { strategy: { type: 'Recreate' } } },
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
      });
      const status = assertStatus(res, { code: 422, reason: 'Invalid' });
      assert.deepEqual(
        status.details?.causes?.map((c) => c.field),
        ['spec.strategy.rollingUpdate'],
        res.body,
      );
    });

    it('replaces a map wholesale with $patch: replace', async function () {
      await expectCreated(server, CONFIGMAPS, configMap('smp-replace', { a: '1' }, { labels: { one: '1', two: '2' } }));
      const patch = { metadata: { labels: { $patch: 'replace', three: '3' } } };
      await kubectl('patch', 'configmap', 'smp-replace', '-p', JSON.stringify(patch));
      const cm = await getJson(server, `${CONFIGMAPS}/smp-replace`);
      assert.deepEqual(cm.metadata.labels, { three: '3' });
    });

    it('merges service ports by their merge key (port)', async function () {
      await expectCreated(server, SERVICES, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'smp-ports' },
        spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      });
      const patch = { spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } };
      await kubectl('patch', 'service', 'smp-ports', '-p', JSON.stringify(patch));
      const svc = await getJson(server, `${SERVICES}/smp-ports`);
      assert.deepEqual(
        svc.spec.ports.map((p: Json) => [p.name, p.port, p.targetPort, p.protocol]),
        [['https', 443, 8443, 'TCP'], ['http', 80, 8080, 'TCP']],
        'the new port (merge key 443) is placed before the server-only one, as mergeSortedSlice does',
      );
    });

    it('merges finalizers as a set and removes one with $deleteFromPrimitiveList/finalizers', async function () {
      await expectCreated(server, CONFIGMAPS, configMap('smp-finalizers', {}, { finalizers: ['example.com/a'] }));
      await kubectl('patch', 'configmap', 'smp-finalizers', '-p', JSON.stringify({ metadata: { finalizers: ['example.com/b'] } }));
      let cm = await getJson(server, `${CONFIGMAPS}/smp-finalizers`);
      // finalizers have patchStrategy merge: both stay, the patch's new item first (mergeSortedSlice).
      assert.deepEqual(cm.metadata.finalizers, ['example.com/b', 'example.com/a']);
      await kubectl('patch', 'configmap', 'smp-finalizers', '-p', JSON.stringify({ metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } }));
      cm = await getJson(server, `${CONFIGMAPS}/smp-finalizers`);
      assert.deepEqual(cm.metadata.finalizers, ['example.com/b']);
      await kubectl('patch', 'configmap', 'smp-finalizers', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
      cm = await getJson(server, `${CONFIGMAPS}/smp-finalizers`);
      assert.equal(cm.metadata.finalizers, undefined);
    });
  });

  describe('strategic merge patch on a custom resource', function () {
    before(async function () {
      await expectCreated(server, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: CRD_NAME },
        spec: {
          group: CRD_GROUP,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      });
      await server.kubectl.run(['wait', '--for', 'condition=established', `crd/${CRD_NAME}`, '--timeout=60s']);
      await expectCreated(server, WIDGETS, { apiVersion: `${CRD_GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1, color: 'red' } });
    });

    it('refuses application/strategic-merge-patch+json with 415 naming the accepted patch types', async function () {
      const res = await server.request('PATCH', `${WIDGETS}/w1`, {
        body: { spec: { size: 2 } },
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
      });
      assertStatus(res, {
        code: 415,
        reason: 'UnsupportedMediaType',
        message: `the body of the request was in an unknown format - accepted media types include: ${CR_PATCH_TYPES}`,
      });
      assert.equal((await getJson(server, `${WIDGETS}/w1`)).spec.size, 1, 'the refused patch changed nothing');
    });

    it('makes kubectl patch (strategic by default) fail on a custom resource', async function () {
      const out = await kubectlMayFail('patch', 'widget', 'w1', '-p', '{"spec":{"size":3}}');
      assert.notEqual(out.code, 0, out.stdout);
      assert.ok(
        out.stderr.includes(`the body of the request was in an unknown format - accepted media types include: ${CR_PATCH_TYPES}`),
        out.stderr,
      );
    });

    it('accepts a merge patch on the same custom resource', async function () {
      const out = await kubectl('patch', 'widget', 'w1', '--type', 'merge', '-p', '{"spec":{"size":4}}');
      assert.equal(out.stdout.trim(), `widget.${CRD_GROUP}/w1 patched`);
      assert.deepEqual((await getJson(server, `${WIDGETS}/w1`)).spec, { size: 4, color: 'red' });
    });

    it('accepts a JSON patch on the same custom resource', async function () {
      await kubectl('patch', 'widget', 'w1', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/color","value":"blue"}]');
      assert.deepEqual((await getJson(server, `${WIDGETS}/w1`)).spec, { size: 4, color: 'blue' });
    });
  });
});

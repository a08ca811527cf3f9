/**
 * Namespace lifecycle as kube-apiserver (namespace REST storage, the NamespaceLifecycle admission
 * plugin) and the namespace controller run it:
 *
 * - a new namespace is Active with the `kubernetes` finalizer;
 * - DELETE answers with the namespace in phase Terminating (deletionTimestamp set, still present);
 *   the controller deletes everything in it, then the namespace disappears;
 * - while it is Terminating (held here by an object with a custom finalizer) creating anything in
 *   it is 403 Forbidden with the NamespaceTerminating cause;
 * - default, kube-system and kube-public cannot be deleted (403 `this namespace may not be
 *   deleted`); creating in a namespace that does not exist is 404.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, configMap, createNamespaceNamed, deployment, expectCreated, getJson, isGone, waitFor, type Json } from '../writepath/support';

const NAMESPACES = '/api/v1/namespaces';
const configMaps = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

describe('namespaces: Active, Terminating, content deletion, immortal namespaces', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  it('creates a namespace Active, with the kubernetes finalizer and its name label', async function () {
    const ns = await expectCreated(server, NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'life-new' } });
    assert.equal(ns.status.phase, 'Active');
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'life-new');
    const out = await server.kubectl.run(['get', 'namespace', 'life-new', '-o', 'jsonpath={.status.phase}']);
    assert.equal(out.stdout, 'Active');
  });

  describe('deleting a namespace with content', function () {
    before(async function () {
      await createNamespaceNamed(server, 'life-full');
      await expectCreated(server, configMaps('life-full'), configMap('one'));
      await expectCreated(server, configMaps('life-full'), configMap('two'));
      await expectCreated(server, '/apis/apps/v1/namespaces/life-full/deployments', deployment('web'));
      await expectCreated(server, '/api/v1/namespaces/life-full/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'v' } });
    });

    it('answers DELETE with the namespace in phase Terminating', async function () {
      const res = await server.request('DELETE', `${NAMESPACES}/life-full`);
      assert.equal(res.status, 200, res.body);
      const ns = res.json<Json>();
      assert.equal(ns.kind, 'Namespace');
      assert.equal(ns.status.phase, 'Terminating');
      assert.ok(ns.metadata.deletionTimestamp, res.body);
      // The namespace REST Delete sets deletionTimestamp and the phase, not a grace period.
      assert.equal(ns.metadata.deletionGracePeriodSeconds, undefined);
      assert.deepEqual(ns.spec.finalizers, ['kubernetes'], 'the kubernetes finalizer stays until the content is gone');
    });

    it('deletes every object in it and then the namespace itself', async function () {
      await waitFor('the configmaps to be deleted', async () => ((await getJson(server, configMaps('life-full'))).items as Json[]).length === 0);
      await waitFor('the deployment to be deleted', () => isGone(server, '/apis/apps/v1/namespaces/life-full/deployments/web'));
      await waitFor('the secret to be deleted', () => isGone(server, '/api/v1/namespaces/life-full/secrets/s'));
      await waitFor('the namespace to disappear', () => isGone(server, `${NAMESPACES}/life-full`));
    });

    it('deletes a namespace with kubectl delete namespace, which waits until it is gone', async function () {
      await createNamespaceNamed(server, 'life-kubectl');
      await expectCreated(server, configMaps('life-kubectl'), configMap('c'));
      const out = await server.kubectl.run(['delete', 'namespace', 'life-kubectl'], { timeoutMs: 60_000 });
      assert.equal(out.stdout.trim(), 'namespace "life-kubectl" deleted');
      assert.ok(await isGone(server, `${NAMESPACES}/life-kubectl`));
    });
  });

  describe('a namespace held in Terminating by a finalizer', function () {
    before(async function () {
      await createNamespaceNamed(server, 'life-held');
      await expectCreated(server, configMaps('life-held'), configMap('holder', {}, { finalizers: ['example.com/hold'] }));
      await expectCreated(server, configMaps('life-held'), configMap('plain'));
      const res = await server.request('DELETE', `${NAMESPACES}/life-held`);
      assert.ok(res.status === 200 || res.status === 202, res.body); // the code is pinned down in 'answers DELETE ...'
    });

    it('stays Terminating while an object in it still has a finalizer', async function () {
      await waitFor('the plain configmap to be deleted', () => isGone(server, `${configMaps('life-held')}/plain`));
      const holder = await waitFor('the held configmap to be marked for deletion', async () => {
        const cm = await getJson(server, `${configMaps('life-held')}/holder`);
        return cm.metadata.deletionTimestamp ? cm : undefined;
      });
      assert.deepEqual(holder.metadata.finalizers, ['example.com/hold']);
      const ns = await getJson(server, `${NAMESPACES}/life-held`);
      assert.equal(ns.status.phase, 'Terminating');
    });

    it('refuses new content with 403 Forbidden and the NamespaceTerminating cause', async function () {
      const res = await server.request('POST', configMaps('life-held'), { body: configMap('late') });
      const status = assertStatus(res, {
        code: 403,
        reason: 'Forbidden',
        message: 'configmaps "late" is forbidden: unable to create new content in namespace life-held because it is being terminated',
      });
      assert.deepEqual(status.details, {
        name: 'late',
        kind: 'configmaps',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace life-held is being terminated', field: 'metadata.namespace' }],
      });
    });

    it('makes kubectl create fail with Forbidden in a terminating namespace', async function () {
      const out = await server.kubectl.run(['create', 'configmap', 'late-kubectl', '-n', 'life-held', '--from-literal=k=v'], { allowFailure: true });
      assert.notEqual(out.code, 0, out.stdout);
      assert.equal(
        out.stderr.trim(),
        'error: failed to create configmap: configmaps "late-kubectl" is forbidden: unable to create new content in namespace life-held because it is being terminated',
      );
    });

    it('still allows updates to what is in it, and finishes once the finalizer is removed', async function () {
      const res = await server.request('PATCH', `${configMaps('life-held')}/holder`, {
        body: { metadata: { finalizers: null } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      await waitFor('the held configmap to be gone', () => isGone(server, `${configMaps('life-held')}/holder`));
      await waitFor('the namespace to disappear', () => isGone(server, `${NAMESPACES}/life-held`));
    });
  });

  describe('immortal and missing namespaces', function () {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      it(`refuses to delete ${name} with 403 "this namespace may not be deleted"`, async function () {
        const res = await server.request('DELETE', `${NAMESPACES}/${name}`);
        const status = assertStatus(res, { code: 403, reason: 'Forbidden', message: `namespaces "${name}" is forbidden: this namespace may not be deleted` });
        assert.deepEqual(status.details, { name, kind: 'namespaces' });
        const ns = await getJson(server, `${NAMESPACES}/${name}`);
        assert.equal(ns.status.phase, 'Active');
        assert.equal(ns.metadata.deletionTimestamp, undefined);
      });
    }

    it('makes kubectl delete namespace default fail with Forbidden', async function () {
      const out = await server.kubectl.run(['delete', 'namespace', 'default'], { allowFailure: true });
      assert.notEqual(out.code, 0, out.stdout);
      assert.equal(out.stderr.trim(), 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted');
    });

    it('answers a create in a namespace that does not exist with 404 for the namespace', async function () {
      const res = await server.request('POST', configMaps('no-such-namespace'), { body: configMap('orphan') });
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'namespaces "no-such-namespace" not found' });
    });
  });
});

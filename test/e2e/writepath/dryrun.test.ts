/**
 * dryRun=All on create, update, patch and delete (k8s.io/apiserver DryRunnableStorage): the
 * request runs defaulting, validation and admission and answers as the real write would, but
 * nothing is stored and no watch event is sent. `kubectl create --dry-run=server` and
 * `kubectl delete --dry-run=server` say "(server dry run)".
 *
 * The watch test opens a watch on the collection before the dry runs and then makes one real
 * write: the first event the watcher sees must be that write.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import {
  assertStatus,
  configMap,
  createNamespaceNamed,
  deleteWithOptions,
  expectCreated,
  getJson,
  isGone,
  listResourceVersion,
  openWatch,
  pod,
  type Json,
} from './support';

const NS = 'dryrun';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const DRY = '?dryRun=All';

describe('dry-run writes: dryRun=All and kubectl --dry-run=server', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
    await expectCreated(server, CONFIGMAPS, configMap('dry-existing', { v: '1' }));
  });

  after(async function () {
    await server?.dispose();
  });

  describe('create', function () {
    it('answers a dry-run create with the defaulted object (uid and creationTimestamp set, no resourceVersion) and stores nothing', async function () {
      const res = await server.request('POST', `${PODS}${DRY}`, { body: pod('dry-pod') });
      assert.equal(res.status, 201, res.body);
      const answered = res.json<Json>();
      assert.match(answered.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(answered.metadata.creationTimestamp, 'BeforeCreate fills creationTimestamp even for a dry run');
      assert.equal(answered.metadata.resourceVersion, undefined, 'a dry-run object was never stored, so it has no resourceVersion');
      assert.equal(answered.spec.dnsPolicy, 'ClusterFirst', 'defaults are applied');
      assert.equal(answered.status.phase, 'Pending', 'the create strategy runs');
      assert.ok(await isGone(server, `${PODS}/dry-pod`));
    });

    it('generates a name from generateName on a dry run too', async function () {
      const res = await server.request('POST', `${CONFIGMAPS}${DRY}`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'dry-gen-' } },
      });
      assert.equal(res.status, 201, res.body);
      const name = res.json<Json>().metadata.name as string;
      assert.match(name, /^dry-gen-[a-z0-9]{5}$/);
      assert.ok(await isGone(server, `${CONFIGMAPS}/${name}`));
    });

    it('still refuses an invalid object with 422', async function () {
      const res = await server.request('POST', `${CONFIGMAPS}${DRY}`, { body: configMap('Not_A_Name') });
      assertStatus(res, { code: 422, reason: 'Invalid' });
    });

    it('still reports AlreadyExists (409) for a name that is taken', async function () {
      const res = await server.request('POST', `${CONFIGMAPS}${DRY}`, { body: configMap('dry-existing') });
      assertStatus(res, { code: 409, reason: 'AlreadyExists', message: 'configmaps "dry-existing" already exists' });
    });

    it('prints "(server dry run)" for kubectl create --dry-run=server and creates nothing', async function () {
      const out = await server.kubectl.run(['create', '-n', NS, '--dry-run=server', '-f', '-'], {
        input: JSON.stringify(configMap('dry-kubectl', { k: 'v' })),
      });
      assert.equal(out.stdout.trim(), 'configmap/dry-kubectl created (server dry run)');
      assert.ok(await isGone(server, `${CONFIGMAPS}/dry-kubectl`));
    });

    it('prints the defaulted object for kubectl create --dry-run=server -o json', async function () {
      const obj = await server.kubectl.json<Json>(['create', '-n', NS, '--dry-run=server', '-f', '-', '-o', 'json'], {
        input: JSON.stringify(pod('dry-pod-json')),
      });
      assert.equal(obj.spec.restartPolicy, 'Always');
      assert.equal(obj.spec.containers[0].terminationMessagePolicy, 'File');
      assert.ok(await isGone(server, `${PODS}/dry-pod-json`));
    });
  });

  describe('update, patch and delete', function () {
    it('answers a dry-run PUT with the updated object and leaves the stored one unchanged', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/dry-existing`);
      const res = await server.request('PUT', `${CONFIGMAPS}/dry-existing${DRY}`, { body: { ...current, data: { v: '2' } } });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json<Json>().data, { v: '2' });
      const after = await getJson(server, `${CONFIGMAPS}/dry-existing`);
      assert.deepEqual(after.data, { v: '1' });
      assert.equal(after.metadata.resourceVersion, current.metadata.resourceVersion);
    });

    it('still checks the resourceVersion precondition of a dry-run PUT (409 Conflict)', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/dry-existing`);
      const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' }, data: { v: '3' } };
      const res = await server.request('PUT', `${CONFIGMAPS}/dry-existing${DRY}`, { body: stale });
      assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on configmaps "dry-existing": the object has been modified; please apply your changes to the latest version and try again',
      });
    });

    it('answers a dry-run merge PATCH with the patched object and stores nothing', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/dry-existing${DRY}`, {
        body: { data: { v: 'patched' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(res.json<Json>().data, { v: 'patched' });
      assert.deepEqual((await getJson(server, `${CONFIGMAPS}/dry-existing`)).data, { v: '1' });
    });

    it('answers a dry-run server-side apply and stores nothing', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/dry-existing${DRY}&fieldManager=dry-applier&force=true`, {
        body: JSON.stringify(configMap('dry-existing', { v: 'applied' })),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json<Json>().data.v, 'applied');
      const stored = await getJson(server, `${CONFIGMAPS}/dry-existing`);
      assert.deepEqual(stored.data, { v: '1' });
      assert.ok(!(stored.metadata.managedFields ?? []).some((e: Json) => e.manager === 'dry-applier'), 'no managedFields entry was stored');
    });

    it('answers a dry-run DELETE with success and keeps the object', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}/dry-existing${DRY}`);
      assert.equal(res.status, 200, res.body);
      const body = res.json<Json>();
      assert.equal(body.kind, 'Status');
      assert.equal(body.status, 'Success');
      assert.equal(body.details.name, 'dry-existing');
      assert.equal(body.details.kind, 'configmaps');
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/dry-existing`)));
    });

    it('accepts dryRun in a DeleteOptions body too', async function () {
      const res = await deleteWithOptions(server, `${CONFIGMAPS}/dry-existing`, { dryRun: ['All'] });
      assert.equal(res.status, 200, res.body);
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/dry-existing`)));
    });

    it('prints "(server dry run)" for kubectl delete --dry-run=server and keeps the object', async function () {
      const out = await server.kubectl.run(['delete', '-n', NS, 'configmap', 'dry-existing', '--dry-run=server']);
      assert.equal(out.stdout.trim(), `configmap "dry-existing" deleted from ${NS} namespace (server dry run)`);
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/dry-existing`)));
    });

    it('refuses a dryRun value other than All with 422 on CreateOptions (ValidateDryRun)', async function () {
      const res = await server.request('POST', `${CONFIGMAPS}?dryRun=Some`, { body: configMap('dry-bad-value') });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"',
      });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueNotSupported', message: 'Unsupported value: ["Some"]: supported values: "All"', field: 'dryRun' }]);
      assert.ok(await isGone(server, `${CONFIGMAPS}/dry-bad-value`));
    });
  });

  it('sends no watch event for dry-run create, update, patch and delete: the first event is the real write', async function () {
    const target = await expectCreated(server, CONFIGMAPS, configMap('dry-watched', { v: '1' }));
    const rv = await listResourceVersion(server, CONFIGMAPS);
    const watch = openWatch(server, CONFIGMAPS, rv);
    try {
      const dry = [
        server.request('POST', `${CONFIGMAPS}${DRY}`, { body: configMap('dry-watch-create') }),
        server.request('PUT', `${CONFIGMAPS}/dry-watched${DRY}`, { body: { ...target, data: { v: 'put' } } }),
        server.request('PATCH', `${CONFIGMAPS}/dry-watched${DRY}`, {
          body: { data: { v: 'patch' } },
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
        server.request('DELETE', `${CONFIGMAPS}/dry-watched${DRY}`),
      ];
      for (const res of await Promise.all(dry)) assert.ok(res.status < 300, `dry run failed: ${res.status} ${res.body}`);
      await expectCreated(server, CONFIGMAPS, configMap('dry-watch-real'));
      const first = await watch.events();
      assert.equal(first.type, 'ADDED');
      assert.equal(first.object.metadata.name, 'dry-watch-real');
    } finally {
      watch.close();
    }
  });
});

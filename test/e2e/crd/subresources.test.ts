/**
 * The status and scale subresources of a custom resource (test/fixtures/crd-api/scalers.yaml),
 * as kube-apiserver serves them (apiextensions-apiserver pkg/registry/customresource: strategy.go,
 * status_strategy.go, etcd.go's ScaleREST): status is dropped on create and ignored by updates of
 * the main resource; /status writes change only status; /scale reads and writes the replicas at
 * specReplicasPath, statusReplicasPath and labelSelectorPath, and `kubectl scale` works.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { parseTable, rowNamed, type Manifest, type StatusBody } from '../kubectl/support';
import { applyCRDFile, apiFixturePath, causeAt, invalidCauses, namespacedPath } from './support';

const GROUP = 'e2e.kapi.example.com';
const NAMESPACE = 'default';
const SCALERS = namespacedPath(GROUP, 'v1', NAMESPACE, 'scalers');
const MERGE = { 'content-type': 'application/merge-patch+json' };

type Json = Record<string, unknown>;

interface Scale {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

describe('status and scale subresources of a custom resource', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await applyCRDFile(server, apiFixturePath('scalers.yaml'));
  });

  after(async function () {
    await server?.dispose();
  });

  async function createScaler(name: string, spec: Json, status?: Json): Promise<Manifest> {
    const res = await server.request('POST', SCALERS, { body: { apiVersion: `${GROUP}/v1`, kind: 'Scaler', metadata: { name }, spec, ...(status ? { status } : {}) } });
    assert.equal(res.status, 201, res.body);
    return res.json<Manifest>();
  }

  async function read(name: string, sub = ''): Promise<Manifest> {
    const res = await server.request('GET', `${SCALERS}/${name}${sub}`);
    assert.equal(res.status, 200, res.body);
    return res.json<Manifest>();
  }

  describe('status', function () {
    it('drops status from a create', async function () {
      const created = await createScaler('born', { replicas: 1, image: 'web:1' }, { replicas: 7, phase: 'Faked' });
      assert.equal(created.status, undefined);
      assert.equal(created.metadata.generation, 1);
      assert.equal((await read('born')).status, undefined);
    });

    it('ignores status in updates of the main resource, which move generation on spec changes', async function () {
      await createScaler('main-writes', { replicas: 1, image: 'web:1' });
      const written = await server.request('PATCH', `${SCALERS}/main-writes/status`, { body: { status: { phase: 'Running', replicas: 1 } }, headers: MERGE });
      assert.equal(written.status, 200, written.body);
      const current = await read('main-writes');
      const res = await server.request('PUT', `${SCALERS}/main-writes`, { body: { ...current, spec: { replicas: 2, image: 'web:2' }, status: { phase: 'Hijacked', replicas: 99 } } });
      assert.equal(res.status, 200, res.body);
      const updated = res.json<Manifest>();
      assert.deepEqual(updated.spec, { replicas: 2, image: 'web:2' });
      assert.deepEqual(updated.status, { phase: 'Running', replicas: 1 }, 'status kept');
      assert.equal(updated.metadata.generation, 2);
    });

    it('changes only status through /status, without moving generation', async function () {
      const created = await createScaler('status-writes', { replicas: 2, image: 'web:1' });
      const res = await server.request('PATCH', `${SCALERS}/status-writes/status`, {
        body: { metadata: { labels: { sneaky: 'yes' } }, spec: { image: 'web:evil' }, status: { phase: 'Running', replicas: 2 } },
        headers: MERGE,
      });
      assert.equal(res.status, 200, res.body);
      const updated = res.json<Manifest>();
      assert.equal(updated.kind, 'Scaler', '/status answers with the whole object');
      assert.deepEqual(updated.spec, { replicas: 2, image: 'web:1' }, 'spec unchanged');
      assert.equal(updated.metadata.labels, undefined, 'metadata unchanged');
      assert.deepEqual(updated.status, { phase: 'Running', replicas: 2 });
      assert.equal(updated.metadata.generation, created.metadata.generation, 'a status write does not move generation');
      assert.deepEqual((await read('status-writes', '/status')).status, { phase: 'Running', replicas: 2 });
    });

    it('validates status writes against the schema', async function () {
      await createScaler('status-invalid', { replicas: 1 });
      const res = await server.request('PATCH', `${SCALERS}/status-invalid/status`, { body: { status: { replicas: 'many' } }, headers: MERGE });
      causeAt(invalidCauses(res), 'status.replicas', 'FieldValueTypeInvalid');
    });

    it('takes status writes from kubectl patch --subresource=status and shows them in the printer columns', async function () {
      await createScaler('kubectl-status', { replicas: 3 });
      await server.kubectl.run(['patch', 'scaler', 'kubectl-status', '-n', NAMESPACE, '--subresource=status', '--type', 'merge', '-p', '{"status":{"replicas":2}}']);
      const table = parseTable((await server.kubectl.run(['get', 'scalers', 'kubectl-status', '-n', NAMESPACE])).stdout);
      assert.deepEqual(table.headers, ['NAME', 'DESIRED', 'CURRENT']);
      const row = rowNamed(table, 'kubectl-status');
      assert.deepEqual([row.DESIRED, row.CURRENT], ['3', '2']);
    });
  });

  describe('scale', function () {
    it('reads an autoscaling/v1 Scale from specReplicasPath, statusReplicasPath and labelSelectorPath', async function () {
      const created = await createScaler('scaled', { replicas: 2, image: 'web:1' });
      const before = (await read('scaled', '/scale')) as unknown as Scale;
      assert.deepEqual([before.kind, before.apiVersion], ['Scale', 'autoscaling/v1']);
      assert.deepEqual([before.metadata.name, before.metadata.namespace, before.metadata.uid], ['scaled', NAMESPACE, created.metadata.uid]);
      assert.deepEqual(before.spec, { replicas: 2 });
      assert.deepEqual(before.status, { replicas: 0 }, 'no status yet: zero replicas, no selector');

      const res = await server.request('PATCH', `${SCALERS}/scaled/status`, { body: { status: { replicas: 2, selector: 'app=scaled' } }, headers: MERGE });
      assert.equal(res.status, 200, res.body);
      const after = (await read('scaled', '/scale')) as unknown as Scale;
      assert.deepEqual(after.status, { replicas: 2, selector: 'app=scaled' });
      assert.equal(after.metadata.resourceVersion, res.json<Manifest>().metadata.resourceVersion);
    });

    it('scales with kubectl scale, which writes spec.replicas and moves generation', async function () {
      const created = await createScaler('kubectl-scaled', { replicas: 1, image: 'web:1' });
      const out = await server.kubectl.run(['scale', 'scalers', 'kubectl-scaled', '-n', NAMESPACE, '--replicas=5']);
      assert.match(out.stdout, /scaler\.e2e\.kapi\.example\.com\/kubectl-scaled scaled/);
      const obj = await read('kubectl-scaled');
      assert.deepEqual(obj.spec, { replicas: 5, image: 'web:1' });
      assert.equal(obj.metadata.generation, (created.metadata.generation ?? 0) + 1);
      const refused = await server.kubectl.run(['scale', 'scalers', 'kubectl-scaled', '-n', NAMESPACE, '--current-replicas=2', '--replicas=3'], { allowFailure: true });
      assert.notEqual(refused.code, 0);
      assert.ok(refused.stderr.includes('Expected replicas to be 2, was 5'), refused.stderr);
    });

    it('writes replicas through PATCH and PUT of /scale', async function () {
      await createScaler('patched-scale', { replicas: 1 });
      const patched = await server.request('PATCH', `${SCALERS}/patched-scale/scale`, { body: { spec: { replicas: 4 } }, headers: MERGE });
      assert.equal(patched.status, 200, patched.body);
      assert.equal(patched.json<Scale>().spec.replicas, 4);
      const current = (await read('patched-scale', '/scale')) as unknown as Scale;
      const put = await server.request('PUT', `${SCALERS}/patched-scale/scale`, { body: { ...current, spec: { replicas: 6 } } });
      assert.equal(put.status, 200, put.body);
      assert.equal(put.json<Scale>().kind, 'Scale');
      assert.equal(((await read('patched-scale')).spec as Json).replicas, 6);
    });

    it('refuses a /scale write with a stale resourceVersion with 409 Conflict on the custom resource', async function () {
      await createScaler('stale-scale', { replicas: 1 });
      const stale = (await read('stale-scale', '/scale')) as unknown as Scale;
      assert.equal((await server.request('PATCH', `${SCALERS}/stale-scale/scale`, { body: { spec: { replicas: 2 } }, headers: MERGE })).status, 200);
      const res = await server.request('PUT', `${SCALERS}/stale-scale/scale`, { body: { ...stale, spec: { replicas: 9 } } });
      assert.equal(res.status, 409, res.body);
      const status = res.json<StatusBody>();
      assert.equal(status.reason, 'Conflict');
      assert.equal(status.message, `Operation cannot be fulfilled on scalers.${GROUP} "stale-scale": the object has been modified; please apply your changes to the latest version and try again`);
      assert.equal(((await read('stale-scale')).spec as Json).replicas, 2);
    });

    it('refuses negative replicas as an invalid Scale', async function () {
      await createScaler('negative-scale', { replicas: 1 });
      const res = await server.request('PATCH', `${SCALERS}/negative-scale/scale`, { body: { spec: { replicas: -1 } }, headers: MERGE });
      const cause = causeAt(invalidCauses(res), 'spec.replicas', 'FieldValueInvalid');
      assert.equal(cause.message, 'Invalid value: -1: must be greater than or equal to 0');
      assert.equal(res.json<StatusBody>().message, 'Scale.autoscaling "negative-scale" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    });
  });
});

/**
 * `kubectl apply` both ways, and `kubectl diff`, against kube-apiserver's behaviour:
 *
 * - client-side apply (GET, then POST with the kubectl.kubernetes.io/last-applied-configuration
 *   annotation, or a strategic merge PATCH computed from that annotation and /openapi/v3):
 *   created / configured / unchanged, a field removed from the file disappears, fields others
 *   set are kept;
 * - server-side apply (PATCH application/apply-patch+yaml, fieldManager=kubectl, force=false):
 *   creates a missing object, re-applying an unchanged configuration writes nothing, managedFields
 *   in the FieldsV1 format with manager kubectl and operation Apply, a conflict with another
 *   manager is 409 listing fields and managers (structured-merge-diff's message via
 *   k8s.io/apimachinery managedfields/internal/conflict.go), --force-conflicts takes ownership,
 *   and a field removed from the applied configuration is removed only when this manager was its
 *   sole owner;
 * - `kubectl diff` (a dry-run of the apply) shows the change, exits 1, and stores nothing.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, configMap, createNamespaceNamed, deployment, getJson, isGone, type Json } from './support';

const NS = 'applying';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Json;
  subresource?: string;
}

function entries(obj: Json): ManagedFieldsEntry[] {
  return (obj.metadata.managedFields ?? []) as ManagedFieldsEntry[];
}

function entry(obj: Json, manager: string, operation: 'Apply' | 'Update', subresource?: string): ManagedFieldsEntry | undefined {
  return entries(obj).find((e) => e.manager === manager && e.operation === operation && e.subresource === subresource);
}

/** webDeployment is the client-side apply subject: one container with an env var, a label and an annotation. */
function webDeployment(image: string, opts: { tier?: boolean; env?: boolean; note?: boolean } = {}): Json {
  const d = deployment('csa-web', 1);
  d.metadata.namespace = NS;
  if (opts.tier ?? true) d.metadata.labels = { ...d.metadata.labels, tier: 'web' };
  if (opts.note ?? true) d.metadata.annotations = { 'example.com/note': 'first' };
  d.spec.template.spec.containers[0].image = image;
  if (opts.env ?? true) d.spec.template.spec.containers[0].env = [{ name: 'FOO', value: 'bar' }];
  return d;
}

describe('kubectl apply (client-side and --server-side) and kubectl diff', function () {
  let server: TestServer;

  const apply = (manifest: Json, ...flags: string[]) =>
    server.kubectl.run(['apply', '-n', NS, '-f', '-', ...flags], { input: JSON.stringify(manifest) });
  const applyMayFail = (manifest: Json, ...flags: string[]) =>
    server.kubectl.run(['apply', '-n', NS, '-f', '-', ...flags], { input: JSON.stringify(manifest), allowFailure: true });

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('client-side apply', function () {
    it('creates a missing object and records the applied configuration in last-applied-configuration', async function () {
      const manifest = webDeployment('nginx:1.27');
      const out = await apply(manifest);
      assert.equal(out.stdout.trim(), 'deployment.apps/csa-web created');
      const live = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      const recorded = JSON.parse(live.metadata.annotations[LAST_APPLIED]) as Json;
      assert.deepEqual(recorded, manifest);
      assert.ok(entry(live, 'kubectl-client-side-apply', 'Update'), `managedFields: ${JSON.stringify(entries(live))}`);
    });

    it('re-applies a changed file as a patch: "configured" and the new image is live', async function () {
      const out = await apply(webDeployment('nginx:1.28'));
      assert.equal(out.stdout.trim(), 'deployment.apps/csa-web configured');
      const live = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      assert.equal(live.spec.template.spec.containers[0].image, 'nginx:1.28');
      assert.equal(live.metadata.generation, 2, 'a template change is a spec change');
    });

    it('removes a label, an annotation and an env var deleted from the file, and keeps a label added by kubectl label', async function () {
      await server.kubectl.run(['label', '-n', NS, 'deployment', 'csa-web', 'owner=someone-else']);
      const out = await apply(webDeployment('nginx:1.28', { tier: false, env: false, note: false }));
      assert.equal(out.stdout.trim(), 'deployment.apps/csa-web configured');
      const live = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      assert.deepEqual(live.metadata.labels, { app: 'csa-web', owner: 'someone-else' });
      assert.equal(live.metadata.annotations['example.com/note'], undefined);
      assert.ok(live.metadata.annotations[LAST_APPLIED], 'the last-applied annotation itself stays');
      assert.equal(live.spec.template.spec.containers[0].env, undefined);
    });

    it('reports "unchanged" for a file equal to the last applied one and writes nothing', async function () {
      const before = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      const out = await apply(webDeployment('nginx:1.28', { tier: false, env: false, note: false }));
      assert.equal(out.stdout.trim(), 'deployment.apps/csa-web unchanged');
      const after = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    });

    it('removes a configmap key deleted from the file', async function () {
      const cm = configMap('csa-config', { a: '1', b: '2' }, { namespace: NS });
      await apply(cm);
      await apply(configMap('csa-config', { a: '1' }, { namespace: NS }));
      assert.deepEqual((await getJson(server, `${CONFIGMAPS}/csa-config`)).data, { a: '1' });
    });
  });

  describe('kubectl diff', function () {
    it('exits 0 and prints nothing when the file matches the live object', async function () {
      const out = await server.kubectl.run(['diff', '-n', NS, '-f', '-'], {
        input: JSON.stringify(webDeployment('nginx:1.28', { tier: false, env: false, note: false })),
        allowFailure: true,
      });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, '');
    });

    it('exits 1 and shows the changed lines of the merged object, storing nothing', async function () {
      const before = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      const changed = webDeployment('nginx:1.28', { tier: false, env: false, note: false });
      changed.spec.replicas = 3;
      const out = await server.kubectl.run(['diff', '-n', NS, '-f', '-'], { input: JSON.stringify(changed), allowFailure: true });
      assert.equal(out.code, 1, `kubectl diff exits 1 when there are differences; stderr:\n${out.stderr}`);
      assert.match(out.stdout, /^-\s+replicas: 1$/m, out.stdout);
      assert.match(out.stdout, /^\+\s+replicas: 3$/m, out.stdout);
      const after = await getJson(server, `${DEPLOYMENTS}/csa-web`);
      assert.equal(after.spec.replicas, 1);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'the diff was a dry run');
    });

    it('shows a whole new object for a file naming an object that does not exist, and creates nothing', async function () {
      const out = await server.kubectl.run(['diff', '-n', NS, '-f', '-'], {
        input: JSON.stringify(configMap('diff-new', { k: 'v' }, { namespace: NS })),
        allowFailure: true,
      });
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stdout, /^\+\s+name: diff-new$/m, out.stdout);
      assert.ok(await isGone(server, `${CONFIGMAPS}/diff-new`));
    });

    it('diffs with --server-side as well', async function () {
      const changed = webDeployment('nginx:1.29', { tier: false, env: false, note: false });
      const out = await server.kubectl.run(['diff', '--server-side', '--force-conflicts', '-n', NS, '-f', '-'], { input: JSON.stringify(changed), allowFailure: true });
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stdout, /^\+\s+- image: nginx:1\.29$|^\+\s+image: nginx:1\.29$/m, out.stdout);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/csa-web`)).spec.template.spec.containers[0].image, 'nginx:1.28');
    });
  });

  describe('server-side apply', function () {
    const ssaWeb = (replicas: number, extra: Json = {}) => {
      const d = deployment('ssa-web', replicas);
      d.metadata.namespace = NS;
      return { ...d, ...extra };
    };

    it('creates an object that does not exist (the PATCH is not preceded by a GET)', async function () {
      const out = await apply(ssaWeb(2), '--server-side');
      assert.equal(out.stdout.trim(), 'deployment.apps/ssa-web serverside-applied');
      const live = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      assert.equal(live.spec.replicas, 2);
      assert.equal(live.metadata.generation, 1);
      assert.equal(live.metadata.annotations?.[LAST_APPLIED], undefined, 'server-side apply writes no last-applied annotation');
    });

    it('records managedFields with manager kubectl, operation Apply, FieldsV1 and the applied fields', async function () {
      const live = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      const applied = entry(live, 'kubectl', 'Apply');
      assert.ok(applied, `no Apply entry for kubectl in ${JSON.stringify(entries(live))}`);
      assert.equal(applied.apiVersion, 'apps/v1');
      assert.equal(applied.fieldsType, 'FieldsV1');
      assert.match(applied.time ?? '', RFC3339);
      assert.deepEqual(applied.fieldsV1['f:spec']['f:replicas'], {});
      assert.deepEqual(applied.fieldsV1['f:spec']['f:selector'], {}, 'a selector is an atomic map: owned as a whole');
      // An Apply entry is the field set of the applied configuration: leaves and list items, no "." for maps.
      assert.deepEqual(applied.fieldsV1['f:metadata'], { 'f:labels': { 'f:app': {} } });
      assert.ok(
        applied.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}'],
        `containers are a map list keyed by name: ${JSON.stringify(applied.fieldsV1['f:spec']['f:template'])}`,
      );
      assert.equal(entries(live).length, 1, 'an object created by apply has only the applier entry');
    });

    it('re-applying an unchanged configuration writes nothing (same resourceVersion)', async function () {
      const before = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      const out = await apply(ssaWeb(2), '--server-side');
      assert.equal(out.stdout.trim(), 'deployment.apps/ssa-web serverside-applied');
      const after = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    });

    it('gives .spec.replicas to the scale manager after kubectl scale (entry with subresource scale)', async function () {
      await server.kubectl.run(['scale', '-n', NS, 'deployment/ssa-web', '--replicas=5']);
      const live = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      assert.equal(live.spec.replicas, 5);
      const scaler = entry(live, 'kubectl', 'Update', 'scale');
      assert.ok(scaler, `no Update entry with subresource scale: ${JSON.stringify(entries(live))}`);
      assert.equal(scaler.apiVersion, 'apps/v1');
      assert.deepEqual(scaler.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
      const applied = entry(live, 'kubectl', 'Apply');
      assert.equal(applied?.fieldsV1['f:spec']['f:replicas'], undefined, 'the applier lost .spec.replicas');
    });

    it('answers a conflicting apply with 409 Conflict listing the field and the manager', async function () {
      const res = await server.request('PATCH', `${DEPLOYMENTS}/ssa-web?fieldManager=kubectl&force=false`, {
        body: JSON.stringify(ssaWeb(2)),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      const status = assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message: 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
      });
      assert.deepEqual(status.details?.causes, [
        { reason: 'FieldManagerConflict', message: 'conflict with "kubectl" with subresource "scale" using apps/v1', field: '.spec.replicas' },
      ]);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/ssa-web`)).spec.replicas, 5, 'a refused apply changes nothing');
    });

    it('makes kubectl apply --server-side fail with the conflict message', async function () {
      const out = await applyMayFail(ssaWeb(2), '--server-side');
      assert.notEqual(out.code, 0, out.stdout);
      assert.ok(
        out.stderr.includes('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas'),
        out.stderr,
      );
    });

    it('takes ownership with --force-conflicts: the value is applied and the other manager loses the field', async function () {
      const out = await apply(ssaWeb(2), '--server-side', '--force-conflicts');
      assert.equal(out.stdout.trim(), 'deployment.apps/ssa-web serverside-applied');
      const live = await getJson(server, `${DEPLOYMENTS}/ssa-web`);
      assert.equal(live.spec.replicas, 2);
      assert.deepEqual(entry(live, 'kubectl', 'Apply')?.fieldsV1['f:spec']['f:replicas'], {});
      assert.equal(entry(live, 'kubectl', 'Update', 'scale'), undefined, 'an entry left with no fields is dropped');
    });

    it('reports a conflict with another applier (--field-manager) as conflict with "<manager>" without a version', async function () {
      await apply(configMap('ssa-shared', { color: 'red', size: 'm' }, { namespace: NS }), '--server-side');
      const res = await server.request('PATCH', `${CONFIGMAPS}/ssa-shared?fieldManager=team-b&force=false`, {
        body: JSON.stringify(configMap('ssa-shared', { color: 'green' }, { namespace: NS })),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      const status = assertStatus(res, { code: 409, reason: 'Conflict', message: 'Apply failed with 1 conflict: conflict with "kubectl": .data.color' });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.data.color' }]);
    });

    it('lets two appliers share a field when they apply the same value', async function () {
      const out = await apply(configMap('ssa-shared', { color: 'red' }, { namespace: NS }), '--server-side', '--field-manager=team-b');
      assert.equal(out.stdout.trim(), 'configmap/ssa-shared serverside-applied');
      const live = await getJson(server, `${CONFIGMAPS}/ssa-shared`);
      assert.deepEqual(entry(live, 'team-b', 'Apply')?.fieldsV1, { 'f:data': { 'f:color': {} } });
      assert.deepEqual(entry(live, 'kubectl', 'Apply')?.fieldsV1['f:data'], { 'f:color': {}, 'f:size': {} });
    });

    it('keeps a field dropped from one applier\'s configuration while another applier still owns it', async function () {
      await apply(configMap('ssa-shared', { size: 'm' }, { namespace: NS }), '--server-side');
      const live = await getJson(server, `${CONFIGMAPS}/ssa-shared`);
      assert.deepEqual(live.data, { color: 'red', size: 'm' });
    });

    it('removes a field dropped from the configuration of its sole owner', async function () {
      await apply(configMap('ssa-shared', { other: 'x' }, { namespace: NS }), '--server-side', '--field-manager=team-b');
      let live = await getJson(server, `${CONFIGMAPS}/ssa-shared`);
      assert.deepEqual(live.data, { size: 'm', other: 'x' }, 'color had no owner left once team-b dropped it');
      await apply(configMap('ssa-shared', {}, { namespace: NS }), '--server-side');
      live = await getJson(server, `${CONFIGMAPS}/ssa-shared`);
      assert.deepEqual(live.data, { other: 'x' }, 'size was owned by kubectl alone');
    });

    it('records an Update entry for a non-apply write with the fieldManager given on the request', async function () {
      const live = await getJson(server, `${CONFIGMAPS}/ssa-shared`);
      const res = await server.request('PATCH', `${CONFIGMAPS}/ssa-shared?fieldManager=editor`, {
        body: { data: { edited: 'yes' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      const after = res.json<Json>();
      assert.deepEqual(entry(after, 'editor', 'Update')?.fieldsV1, { 'f:data': { 'f:edited': {} } });
      assert.notEqual(after.metadata.resourceVersion, live.metadata.resourceVersion);
    });

    it('refuses an apply body without apiVersion/kind with 400 BadRequest', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/ssa-shared?fieldManager=kubectl`, {
        body: JSON.stringify({ metadata: { name: 'ssa-shared' }, data: { x: 'y' } }),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      assertStatus(res, { code: 400, reason: 'BadRequest' });
    });

    it('requires a fieldManager for apply requests (422 on PatchOptions)', async function () {
      const res = await server.request('PATCH', `${CONFIGMAPS}/ssa-shared`, {
        body: JSON.stringify(configMap('ssa-shared', { x: 'y' }, { namespace: NS })),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
    });
  });
});

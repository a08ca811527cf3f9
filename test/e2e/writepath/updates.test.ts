/**
 * Update (PUT) rules as kube-apiserver applies them:
 *
 * - create-on-update only where the strategy allows it (AllowCreateOnUpdate: true for endpoints and
 *   services, false for configmaps, deployments, namespaces ...): a PUT of a missing object is then
 *   a 404 NotFound;
 * - optimistic concurrency: a stale resourceVersion is 409; no resourceVersion is an unconditional
 *   update (AllowUnconditionalUpdate);
 * - immutable metadata: a different uid in the body is a storage precondition (409 with the
 *   StorageError text), creationTimestamp is silently kept, a name or namespace that differs from
 *   the URL is 400 BadRequest (handlers/rest.go checkName);
 * - per-kind immutability: pod spec (image, activeDeadlineSeconds and toleration additions
 *   allowed, anything else 422 Forbidden with upstream's message), service cluster IPs, configmaps
 *   and secrets with immutable: true, secret type, apps/v1 deployment selector.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { isInCidr } from '../kubectl/support';
import { assertStatus, configMap, createNamespaceNamed, deployment, expectCreated, getJson, pod, type Json } from './support';

const NS = 'updates';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const ENDPOINTS = `/api/v1/namespaces/${NS}/endpoints`;
const SERVICES = `/api/v1/namespaces/${NS}/services`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const SERVICE_CIDR = '10.0.0.0/24';

/** POD_UPDATE_FORBIDDEN is ValidatePodUpdate's message before the spec diff it appends. */
const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,' +
  '`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

describe('update rules: create-on-update, concurrency, immutable fields', function () {
  let server: TestServer;

  const mergePatch = (path: string, body: object) =>
    server.request('PATCH', path, { body, headers: { 'content-type': 'application/merge-patch+json' } });

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('PUT of a missing object', function () {
    it('answers 404 NotFound for a configmap (no create on update)', async function () {
      const res = await server.request('PUT', `${CONFIGMAPS}/put-missing`, { body: configMap('put-missing', { k: 'v' }) });
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'configmaps "put-missing" not found' });
      assert.equal((await server.request('GET', `${CONFIGMAPS}/put-missing`)).status, 404);
    });

    it('answers 404 NotFound for a deployment', async function () {
      const res = await server.request('PUT', `${DEPLOYMENTS}/put-missing`, { body: deployment('put-missing') });
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'deployments.apps "put-missing" not found' });
    });

    it('creates endpoints on PUT (201), as the endpoints strategy allows create on update', async function () {
      const body = {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'put-endpoints' },
        subsets: [{ addresses: [{ ip: '10.1.0.5' }], ports: [{ port: 8080 }] }],
      };
      const res = await server.request('PUT', `${ENDPOINTS}/put-endpoints`, { body });
      assert.equal(res.status, 201, res.body);
      const stored = await getJson(server, `${ENDPOINTS}/put-endpoints`);
      assert.deepEqual(stored.subsets, [{ addresses: [{ ip: '10.1.0.5' }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
      const again = await server.request('PUT', `${ENDPOINTS}/put-endpoints`, { body: { ...stored, subsets: [] } });
      assert.equal(again.status, 200, 'a PUT of an existing object is an update');
    });

    it('creates a service on PUT (201) with an allocated cluster IP', async function () {
      const body = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'put-service' }, spec: { ports: [{ port: 80 }] } };
      const res = await server.request('PUT', `${SERVICES}/put-service`, { body });
      assert.equal(res.status, 201, res.body);
      const created = res.json<Json>();
      assert.ok(isInCidr(created.spec.clusterIP, SERVICE_CIDR), created.spec.clusterIP);
    });
  });

  describe('resourceVersion and metadata', function () {
    let cm: Json;

    before(async function () {
      cm = await expectCreated(server, CONFIGMAPS, configMap('meta-cm', { k: 'v1' }));
    });

    it('refuses a PUT with a stale resourceVersion with 409 Conflict', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      await mergePatch(`${CONFIGMAPS}/meta-cm`, { data: { k: 'v2' } });
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, { body: { ...current, data: { k: 'stale' } } });
      assertStatus(res, { code: 409, reason: 'Conflict', message: `Operation cannot be fulfilled on configmaps "meta-cm": ${OPTIMISTIC_LOCK}` });
      assert.equal((await getJson(server, `${CONFIGMAPS}/meta-cm`)).data.k, 'v2');
    });

    it('accepts a PUT without resourceVersion as an unconditional update', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      const { resourceVersion: _rv, ...metadata } = current.metadata;
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, { body: { ...current, metadata, data: { k: 'v3' } } });
      assert.equal(res.status, 200, res.body);
      assert.equal((await getJson(server, `${CONFIGMAPS}/meta-cm`)).data.k, 'v3');
    });

    it('refuses a PUT carrying another uid with 409: the body\'s uid is a storage precondition', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      const otherUid = '00000000-0000-0000-0000-000000000001';
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, { body: { ...current, metadata: { ...current.metadata, uid: otherUid } } });
      // The key is the storage key: kube-apiserver's prefix (/registry by default, --etcd-prefix
      // when the suite runs on etcd) followed by <resource>/<namespace>/<name>.
      const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message: new RegExp(
          '^' +
            escape(`Operation cannot be fulfilled on configmaps "meta-cm": StorageError: invalid object, Code: 4, Key: `) +
            '/\\S*' +
            escape(`/configmaps/${NS}/meta-cm, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${otherUid}, UID in object meta: ${cm.metadata.uid}`) +
            '$',
        ),
      });
      assert.equal((await getJson(server, `${CONFIGMAPS}/meta-cm`)).metadata.uid, cm.metadata.uid);
    });

    it('keeps creationTimestamp when a PUT sends another one (the change is ignored, not refused)', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, {
        body: { ...current, metadata: { ...current.metadata, creationTimestamp: '2001-01-01T00:00:00Z' }, data: { k: 'v4' } },
      });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      assert.equal(stored.metadata.creationTimestamp, cm.metadata.creationTimestamp);
      assert.equal(stored.data.k, 'v4');
    });

    it('refuses a PUT whose body names another object with 400 BadRequest', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, { body: { ...current, metadata: { ...current.metadata, name: 'renamed' } } });
      assertStatus(res, { code: 400, reason: 'BadRequest', message: 'the name of the object (renamed) does not match the name on the URL (meta-cm)' });
    });

    it('refuses a PUT whose body names another namespace with 400 BadRequest', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/meta-cm`);
      const res = await server.request('PUT', `${CONFIGMAPS}/meta-cm`, { body: { ...current, metadata: { ...current.metadata, namespace: 'elsewhere' } } });
      assertStatus(res, {
        code: 400,
        reason: 'BadRequest',
        message: `the namespace of the object (elsewhere) does not match the namespace on the request (${NS})`,
      });
    });
  });

  describe('pod spec immutability', function () {
    const path = `${PODS}/upd-pod`;

    before(async function () {
      await expectCreated(server, PODS, pod('upd-pod', 'nginx:1.27'));
    });

    it('allows changing a container image (kubectl set image)', async function () {
      const out = await server.kubectl.run(['set', 'image', '-n', NS, 'pod/upd-pod', 'web=nginx:1.28']);
      assert.equal(out.stdout.trim(), 'pod/upd-pod image updated');
      assert.equal((await getJson(server, path)).spec.containers[0].image, 'nginx:1.28');
    });

    it('allows setting activeDeadlineSeconds', async function () {
      const res = await mergePatch(path, { spec: { activeDeadlineSeconds: 600 } });
      assert.equal(res.status, 200, res.body);
      assert.equal((await getJson(server, path)).spec.activeDeadlineSeconds, 600);
    });

    it('allows adding a toleration', async function () {
      const res = await mergePatch(path, { spec: { tolerations: [{ key: 'example.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } });
      assert.equal(res.status, 200, res.body);
      assert.equal((await getJson(server, path)).spec.tolerations.length, 1);
    });

    it('refuses any other spec change with 422 Forbidden on spec, listing the updatable fields', async function () {
      const before = await getJson(server, path);
      const res = await server.request('PATCH', path, {
        body: { spec: { containers: [{ name: 'web', env: [{ name: 'MODE', value: 'debug' }] }] } },
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
      });
      const status = assertStatus(res, { code: 422, reason: 'Invalid' });
      assert.ok(
        status.message.startsWith(`Pod "upd-pod" is invalid: spec: Forbidden: ${POD_UPDATE_FORBIDDEN}\n`),
        `message: ${status.message}`,
      );
      const causes = status.details?.causes ?? [];
      assert.equal(causes.length, 1, JSON.stringify(causes));
      assert.equal(causes[0].field, 'spec');
      assert.equal(causes[0].reason, 'FieldValueForbidden');
      assert.ok(causes[0].message?.startsWith(`Forbidden: ${POD_UPDATE_FORBIDDEN}`), causes[0].message);
      assert.equal((await getJson(server, path)).metadata.resourceVersion, before.metadata.resourceVersion);
    });

    it('makes kubectl report the pod as invalid for a forbidden change', async function () {
      const out = await server.kubectl.run(['patch', '-n', NS, 'pod', 'upd-pod', '-p', '{"spec":{"restartPolicy":"Never"}}'], { allowFailure: true });
      assert.notEqual(out.code, 0, out.stdout);
      assert.ok(out.stderr.startsWith(`The Pod "upd-pod" is invalid: spec: Forbidden: ${POD_UPDATE_FORBIDDEN}`), out.stderr);
    });

    it('refuses removing a toleration with 422 Forbidden on spec.tolerations (only additions are allowed)', async function () {
      const res = await mergePatch(path, { spec: { tolerations: null } });
      assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Pod "upd-pod" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
      });
    });
  });

  describe('service clusterIP', function () {
    it('refuses changing the cluster IP with 422 "may not change once set" on spec.clusterIPs[0]', async function () {
      // ValidateServiceUpdate -> validateUpgradeDowngradeClusterIPs (the old spec.clusterIP
      // "field is immutable" check was replaced when dual-stack clusterIPs came).
      const svc = await expectCreated(server, SERVICES, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ip-fixed' },
        spec: { selector: { app: 'x' }, ports: [{ port: 80 }] },
      });
      const original = svc.spec.clusterIP as string;
      const wanted = original === '10.0.0.250' ? '10.0.0.251' : '10.0.0.250';
      const res = await server.request('PUT', `${SERVICES}/ip-fixed`, {
        body: { ...svc, spec: { ...svc.spec, clusterIP: wanted, clusterIPs: [wanted] } },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: `Service "ip-fixed" is invalid: spec.clusterIPs[0]: Invalid value: ["${wanted}"]: may not change once set`,
      });
      assert.deepEqual(status.details?.causes, [
        { reason: 'FieldValueInvalid', message: `Invalid value: ["${wanted}"]: may not change once set`, field: 'spec.clusterIPs[0]' },
      ]);
      assert.equal((await getJson(server, `${SERVICES}/ip-fixed`)).spec.clusterIP, original);
    });
  });

  describe('immutable configmaps and secrets', function () {
    before(async function () {
      await expectCreated(server, CONFIGMAPS, { ...configMap('frozen-cm', { k: 'v' }), immutable: true });
      await expectCreated(server, SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen-secret' }, data: { k: 'dg==' }, immutable: true });
      await expectCreated(server, SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'typed-secret' }, stringData: { k: 'v' } });
    });

    it('refuses a data change of an immutable configmap with 422 Forbidden on data', async function () {
      const res = await mergePatch(`${CONFIGMAPS}/frozen-cm`, { data: { k: 'changed' } });
      const status = assertStatus(res, { code: 422, reason: 'Invalid', message: `ConfigMap "frozen-cm" is invalid: data: Forbidden: ${IMMUTABLE_WHEN_SET}` });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueForbidden', message: `Forbidden: ${IMMUTABLE_WHEN_SET}`, field: 'data' }]);
      assert.deepEqual((await getJson(server, `${CONFIGMAPS}/frozen-cm`)).data, { k: 'v' });
    });

    it('refuses turning immutable off with 422 Forbidden on immutable', async function () {
      const res = await mergePatch(`${CONFIGMAPS}/frozen-cm`, { immutable: false });
      assertStatus(res, { code: 422, reason: 'Invalid', message: `ConfigMap "frozen-cm" is invalid: immutable: Forbidden: ${IMMUTABLE_WHEN_SET}` });
    });

    it('still allows metadata changes and deletion of an immutable configmap', async function () {
      const res = await mergePatch(`${CONFIGMAPS}/frozen-cm`, { metadata: { labels: { frozen: 'yes' } } });
      assert.equal(res.status, 200, res.body);
      const del = await server.request('DELETE', `${CONFIGMAPS}/frozen-cm`);
      assert.equal(del.status, 200, del.body);
    });

    it('refuses a data change of an immutable secret with 422 Forbidden on data', async function () {
      const res = await mergePatch(`${SECRETS}/frozen-secret`, { stringData: { k: 'other' } });
      assertStatus(res, { code: 422, reason: 'Invalid', message: `Secret "frozen-secret" is invalid: data: Forbidden: ${IMMUTABLE_WHEN_SET}` });
    });

    it('refuses changing a secret\'s type with 422 "field is immutable"', async function () {
      const res = await mergePatch(`${SECRETS}/typed-secret`, { type: 'example.com/custom' });
      const status = assertStatus(res, { code: 422, reason: 'Invalid', message: 'Secret "typed-secret" is invalid: type: Invalid value: "example.com/custom": field is immutable' });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "example.com/custom": field is immutable', field: 'type' }]);
    });
  });

  describe('deployment selector', function () {
    it('refuses changing spec.selector of an apps/v1 Deployment with 422 "field is immutable"', async function () {
      await expectCreated(server, DEPLOYMENTS, deployment('sel-deploy'));
      const res = await mergePatch(`${DEPLOYMENTS}/sel-deploy`, {
        spec: { selector: { matchLabels: { app: 'sel-deploy', tier: 'x' } }, template: { metadata: { labels: { app: 'sel-deploy', tier: 'x' } } } },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Deployment.apps "sel-deploy" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"sel-deploy","tier":"x"}}: field is immutable',
      });
      assert.deepEqual(status.details?.causes, [
        { reason: 'FieldValueInvalid', message: 'Invalid value: {"matchLabels":{"app":"sel-deploy","tier":"x"}}: field is immutable', field: 'spec.selector' },
      ]);
      assert.deepEqual((await getJson(server, `${DEPLOYMENTS}/sel-deploy`)).spec.selector, { matchLabels: { app: 'sel-deploy' } });
    });
  });
});

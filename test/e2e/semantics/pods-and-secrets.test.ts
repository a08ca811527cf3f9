/**
 * Per-kind behaviour of pods and secrets on create, as kube-apiserver does it:
 *
 * - a pod starts with status.phase Pending and the QoS class computed by
 *   pkg/apis/core/helper/qos.GetPodQOS after defaulting (SetDefaults_Pod copies limits into missing
 *   requests): BestEffort without requests or limits, Guaranteed when every container's cpu and
 *   memory requests equal their limits, Burstable otherwise;
 * - a secret's stringData is merged into data (stringData wins for a key in both) and never stored;
 *   the type defaults to Opaque and is validated (kubernetes.io/service-account-token needs the
 *   service account annotation; kubernetes.io/basic-auth needs a username or password);
 * - immutable: true is stored on configmaps and secrets.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { parseTable, rowNamed } from '../kubectl/support';
import { assertStatus, configMap, createNamespaceNamed, deployment, expectCreated, getJson, pod, type Json } from '../writepath/support';

const NS = 'pods-secrets';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

function podWithResources(name: string, ...resources: Json[]): Json {
  const p = pod(name);
  p.spec.containers = resources.map((r, i) => ({ name: `c${i}`, image: 'nginx:1.27', resources: r }));
  return p;
}

describe('pods start Pending with a QoS class; secrets merge stringData and validate their type', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('pod status on create', function () {
    const cases: [string, Json[], string][] = [
      ['qos-besteffort', [{}], 'BestEffort'],
      ['qos-burstable-requests', [{ requests: { cpu: '100m' } }], 'Burstable'],
      ['qos-burstable-unequal', [{ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '64Mi' } }], 'Burstable'],
      ['qos-guaranteed-limits-only', [{ limits: { cpu: '500m', memory: '128Mi' } }], 'Guaranteed'],
      ['qos-guaranteed-equal', [{ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }], 'Guaranteed'],
      [
        'qos-burstable-mixed-containers',
        [{ limits: { cpu: '500m', memory: '128Mi' } }, {}],
        'Burstable',
      ],
      ['qos-burstable-memory-only', [{ limits: { memory: '128Mi' } }], 'Burstable'],
    ];

    for (const [name, resources, qos] of cases) {
      it(`starts ${name} Pending with qosClass ${qos}`, async function () {
        const created = await expectCreated(server, PODS, podWithResources(name, ...resources));
        assert.deepEqual(created.status, { phase: 'Pending', qosClass: qos });
        assert.deepEqual((await getJson(server, `${PODS}/${name}`)).status, { phase: 'Pending', qosClass: qos });
      });
    }

    it('defaults missing requests to the limits in a pod (SetDefaults_Pod)', async function () {
      const stored = await getJson(server, `${PODS}/qos-guaranteed-limits-only`);
      assert.deepEqual(stored.spec.containers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    });

    it('ignores a status sent with the create', async function () {
      const p = pod('status-in-create');
      p.status = { phase: 'Running', podIP: '10.9.9.9', qosClass: 'Guaranteed' };
      const created = await expectCreated(server, PODS, p);
      assert.deepEqual(created.status, { phase: 'Pending', qosClass: 'BestEffort' });
    });

    it('shows Pending in kubectl get pods', async function () {
      const out = await server.kubectl.run(['get', 'pods', '-n', NS]);
      assert.equal(rowNamed(parseTable(out.stdout), 'qos-besteffort').STATUS, 'Pending');
    });
  });

  describe('the deprecated spec.serviceAccount', function () {
    // v1's conversions (Convert_v1_PodSpec_To_core_PodSpec and back) make it an alias of
    // serviceAccountName in every PodSpec, pod templates included.
    it('mirrors serviceAccountName into serviceAccount in a deployment\'s pod template', async function () {
      const d = deployment('sa-mirror');
      d.spec.template.spec.serviceAccountName = 'builder';
      const created = await expectCreated(server, `/apis/apps/v1/namespaces/${NS}/deployments`, d);
      assert.equal(created.spec.template.spec.serviceAccountName, 'builder');
      assert.equal(created.spec.template.spec.serviceAccount, 'builder');
    });

    it('takes serviceAccount as serviceAccountName when only the deprecated field is set', async function () {
      const d = deployment('sa-deprecated');
      d.spec.template.spec.serviceAccount = 'legacy';
      const created = await expectCreated(server, `/apis/apps/v1/namespaces/${NS}/deployments`, d);
      assert.equal(created.spec.template.spec.serviceAccountName, 'legacy');
      assert.equal(created.spec.template.spec.serviceAccount, 'legacy');
    });

    it('leaves both out of a template that names no service account', async function () {
      const created = await expectCreated(server, `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('sa-none'));
      assert.equal(created.spec.template.spec.serviceAccountName, undefined);
      assert.equal(created.spec.template.spec.serviceAccount, undefined);
    });
  });

  describe('secrets', function () {
    it('merges stringData into data, stringData winning, and stores no stringData', async function () {
      const created = await expectCreated(server, SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'merged' },
        data: { user: b64('admin'), password: b64('old') },
        stringData: { password: 'new', token: 'abc' },
      });
      assert.deepEqual(created.data, { user: b64('admin'), password: b64('new'), token: b64('abc') });
      assert.equal(created.stringData, undefined);
      assert.equal(created.type, 'Opaque');
      const stored = await getJson(server, `${SECRETS}/merged`);
      assert.deepEqual(stored.data, created.data);
      assert.equal(stored.stringData, undefined);
    });

    it('creates a secret from literals with kubectl create secret generic', async function () {
      await server.kubectl.run(['create', 'secret', 'generic', 'literal', '-n', NS, '--from-literal=k=v']);
      const stored = await getJson(server, `${SECRETS}/literal`);
      assert.deepEqual(stored.data, { k: b64('v') });
      assert.equal(stored.type, 'Opaque');
    });

    it('requires the service account annotation for kubernetes.io/service-account-token', async function () {
      const res = await server.request('POST', SECRETS, {
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sa-token' }, type: 'kubernetes.io/service-account-token' },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Secret "sa-token" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value',
      });
      assert.deepEqual(status.details?.causes, [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.annotations[kubernetes.io/service-account.name]' },
      ]);
    });

    it('requires a username or password for kubernetes.io/basic-auth, naming both keys', async function () {
      const res = await server.request('POST', SECRETS, {
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'basic' }, type: 'kubernetes.io/basic-auth', data: { other: b64('x') } },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Secret "basic" is invalid: [data[username]: Required value, data[password]: Required value]',
      });
      assert.deepEqual(status.details?.causes, [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'data[username]' },
        { reason: 'FieldValueRequired', message: 'Required value', field: 'data[password]' },
      ]);
    });

    it('accepts kubernetes.io/tls with both keys', async function () {
      const created = await expectCreated(server, SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls' },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': 'cert', 'tls.key': 'key' },
      });
      assert.equal(created.type, 'kubernetes.io/tls');
      assert.deepEqual(Object.keys(created.data).sort(), ['tls.crt', 'tls.key']);
    });
  });

  describe('immutable configmaps and secrets', function () {
    it('stores immutable: true on a configmap and a secret', async function () {
      const cm = await expectCreated(server, CONFIGMAPS, { ...configMap('frozen', { k: 'v' }), immutable: true });
      assert.equal(cm.immutable, true);
      const secret = await expectCreated(server, SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen' }, stringData: { k: 'v' }, immutable: true });
      assert.equal(secret.immutable, true);
    });

    it('refuses a PUT that changes an immutable configmap\'s data', async function () {
      const current = await getJson(server, `${CONFIGMAPS}/frozen`);
      const res = await server.request('PUT', `${CONFIGMAPS}/frozen`, { body: { ...current, data: { k: 'changed' } } });
      assertStatus(res, { code: 422, reason: 'Invalid', message: 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set' });
    });

    it('refuses a PUT that changes an immutable secret\'s data', async function () {
      const current = await getJson(server, `${SECRETS}/frozen`);
      const res = await server.request('PUT', `${SECRETS}/frozen`, { body: { ...current, data: { k: b64('changed') } } });
      assertStatus(res, { code: 422, reason: 'Invalid', message: 'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set' });
    });
  });
});

/**
 * @kubernetes/client-node (1.x, an ES module: loaded with a dynamic import) against the real
 * server, authenticated by the client certificate in admin.kubeconfig: CRUD, a merge patch,
 * label selectors, a watch from a list's resourceVersion, and the errors it raises.
 */
import * as assert from 'node:assert/strict';
import { TestServer } from '../../support/server';

type K8s = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });

/** EVENT_TIMEOUT_MS bounds the wait for watch events. */
const EVENT_TIMEOUT_MS = 10_000;

const NS = 'client-node';

describe('@kubernetes/client-node', function () {
  let server: TestServer;
  let k8s: K8s;
  let kc: InstanceType<K8s['KubeConfig']>;
  let core: InstanceType<K8s['CoreV1Api']>;
  let apps: InstanceType<K8s['AppsV1Api']>;
  let listVersion: string;

  before(async function () {
    k8s = await import('@kubernetes/client-node');
    server = await TestServer.start();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });

  after(async function () {
    await server?.dispose();
  });

  it('authenticates with the kubeconfig client certificate and reads the version', async function () {
    const user = kc.getCurrentUser();
    assert.ok(user?.certData && user.keyData, 'the kubeconfig carries a client certificate');
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    assert.match(version.gitVersion, /^v1\.35\./);
    const ns = await core.createNamespace({ body: { metadata: { name: NS } } });
    assert.equal(ns.status?.phase, 'Active');
  });

  it('creates, reads, replaces and merge-patches a ConfigMap', async function () {
    const created = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'cm-a', labels: { tier: 'node', keep: 'yes' } }, data: { k: 'v' } },
    });
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'timestamps are deserialized into Dates');
    const read = await core.readNamespacedConfigMap({ name: 'cm-a', namespace: NS });
    read.data = { k: 'v2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'cm-a', namespace: NS, body: read });
    assert.deepEqual(replaced.data, { k: 'v2' });
    assert.notEqual(replaced.metadata?.resourceVersion, created.metadata?.resourceVersion);
    const patched = await core.patchNamespacedConfigMap(
      { name: 'cm-a', namespace: NS, body: { metadata: { labels: { patched: 'true' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.metadata?.labels, { tier: 'node', keep: 'yes', patched: 'true' });
  });

  it('lists with label selectors', async function () {
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cm-b', labels: { tier: 'node', keep: 'no' } }, data: { k: 'b' } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cm-c', labels: { tier: 'other' } } } });
    const selected = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier=node' });
    assert.deepEqual(selected.items.map((i) => i.metadata?.name).sort(), ['cm-a', 'cm-b']);
    const set = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier in (node,other),keep!=no' });
    assert.deepEqual(set.items.map((i) => i.metadata?.name).sort(), ['cm-a', 'cm-c']);
    listVersion = selected.metadata?.resourceVersion ?? '';
    assert.match(listVersion, /^\d+$/);
  });

  it('creates a Deployment and reads its defaults back into the typed model', async function () {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'node-web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'node-web' } },
          template: { metadata: { labels: { app: 'node-web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
    });
    const d = await apps.readNamespacedDeployment({ name: 'node-web', namespace: NS });
    assert.equal(d.spec?.replicas, 2);
    assert.equal(d.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(d.spec?.template.spec?.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  it('watches from the list resourceVersion and receives the later changes in order', async function () {
    const events: string[] = [];
    let notify = () => {};
    const controller = await new k8s.Watch(kc).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { labelSelector: 'tier=node', resourceVersion: listVersion },
      (type: string, obj: { metadata?: { name?: string } }) => {
        events.push(`${type} ${obj.metadata?.name}`);
        notify();
      },
      () => notify(),
    );
    try {
      await core.patchNamespacedConfigMap(
        { name: 'cm-b', namespace: NS, body: { data: { k: 'b2' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedConfigMap({ name: 'cm-b', namespace: NS });
      const deadline = Date.now() + EVENT_TIMEOUT_MS;
      while (events.length < 2 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 200);
        });
      }
      assert.deepEqual(events, ['MODIFIED cm-b', 'DELETED cm-b']);
    } finally {
      controller.abort();
    }
  });

  it('raises an ApiException with the Status for a missing object', async function () {
    await core.deleteNamespacedConfigMap({ name: 'cm-a', namespace: NS });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'cm-a', namespace: NS }), (err: unknown) => {
      const e = err as { code?: number; body?: unknown };
      assert.equal(e.code, 404);
      const status = JSON.parse(String(e.body)) as { reason: string; details: { name: string; kind: string } };
      assert.equal(status.reason, 'NotFound');
      assert.deepEqual(status.details, { name: 'cm-a', kind: 'configmaps' });
      return true;
    });
  });
});

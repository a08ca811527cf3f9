/**
 * Durability: what the server acknowledged is still there after it restarts on the same data dir,
 * whether it was stopped gracefully or killed with SIGKILL, and resourceVersions keep increasing
 * across the restart (clients compare them to order events and to resume watches).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { compareResourceVersions, fixtureNamed, kubectlCreate, nextEvent, type ListBody, type Manifest } from './support';

describe('restarts on the same data dir', function () {
  let server: TestServer;
  let dataDir: string;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    dataDir = server.dataDir;
  });

  after(async function () {
    // The first server owns the data dir, but later ones were started on it and own nothing.
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** restart replaces the running server with a new one on the same data dir. */
  async function restart(how: 'stop' | 'kill9'): Promise<void> {
    await (how === 'stop' ? server.stop() : server.kill9());
    server = await TestServer.start({ dataDir });
  }

  async function getJson(urlPath: string): Promise<Manifest> {
    const res = await server.request('GET', urlPath);
    assert.equal(res.status, 200, `GET ${urlPath}: ${res.body}`);
    return res.json<Manifest>();
  }

  it('keeps objects created before a graceful stop, with the same uid, resourceVersion and content', async function () {
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-graceful-cm'));
    await kubectlCreate(server, fixtureNamed('pod.yaml', 'restart-graceful-pod'));
    await kubectlCreate(server, fixtureNamed('deployment.yaml', 'restart-graceful-deploy'));
    // Read them as the server stores them (kubectl's output hides managedFields).
    const configMap = await getJson('/api/v1/namespaces/default/configmaps/restart-graceful-cm');
    const pod = await getJson('/api/v1/namespaces/default/pods/restart-graceful-pod');
    const deployment = await getJson('/apis/apps/v1/namespaces/default/deployments/restart-graceful-deploy');

    await restart('stop');

    const cmAfter = await getJson('/api/v1/namespaces/default/configmaps/restart-graceful-cm');
    assert.deepEqual(cmAfter, configMap);
    const podAfter = await getJson('/api/v1/namespaces/default/pods/restart-graceful-pod');
    assert.deepEqual(podAfter, pod);
    const deployAfter = await getJson('/apis/apps/v1/namespaces/default/deployments/restart-graceful-deploy');
    assert.deepEqual(deployAfter, deployment);
    const viaKubectl = await server.kubectl.run(['get', 'configmap', 'restart-graceful-cm', '-o', 'jsonpath={.data.greeting}']);
    assert.equal(viaKubectl.stdout, 'hello');
  });

  it('keeps the system namespaces and does not create them twice after a restart', async function () {
    await restart('stop');
    const out = await server.kubectl.run(['get', 'namespaces', '-o', 'name']);
    const names = out.stdout.trim().split('\n').sort();
    for (const ns of ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']) {
      assert.equal(names.filter((n) => n === ns).length, 1, `${ns} once in ${names.join(' ')}`);
    }
  });

  it('issues resourceVersions after a restart that are greater than every one issued before it', async function () {
    const before = await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-rv-before'));
    const listBefore = (await server.request('GET', '/api/v1/namespaces/default/configmaps')).json<ListBody>();
    const highest = listBefore.metadata.resourceVersion ?? '';

    await restart('stop');

    const listAfter = (await server.request('GET', '/api/v1/namespaces/default/configmaps')).json<ListBody>();
    assert.ok(compareResourceVersions(listAfter.metadata.resourceVersion ?? '', highest) >= 0, `list RV ${listAfter.metadata.resourceVersion} went back from ${highest}`);

    const created = await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-rv-after'));
    assert.equal(compareResourceVersions(created.metadata.resourceVersion ?? '', highest), 1, `new object RV ${created.metadata.resourceVersion} must exceed ${highest}`);

    await server.kubectl.run(['label', 'configmap', 'restart-rv-before', 'restarted=yes']);
    // Read back: `kubectl label -o json` prints its local copy, not the server's answer.
    const labelled = await getJson('/api/v1/namespaces/default/configmaps/restart-rv-before');
    assert.equal(labelled.metadata.labels?.restarted, 'yes');
    assert.equal(compareResourceVersions(labelled.metadata.resourceVersion ?? '', created.metadata.resourceVersion ?? ''), 1);
    assert.equal(compareResourceVersions(labelled.metadata.resourceVersion ?? '', before.metadata.resourceVersion ?? ''), 1);
    assert.equal(labelled.metadata.uid, before.metadata.uid);
  });

  it('rejects an update carrying a resourceVersion from before the restart once the object changed', async function () {
    const original = await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-stale'));
    await server.kubectl.run(['label', 'configmap', 'restart-stale', 'step=one']);
    await restart('stop');
    const stale = { ...original, data: { greeting: 'stale' } };
    const res = await server.request('PUT', '/api/v1/namespaces/default/configmaps/restart-stale', { body: stale });
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json<{ reason: string }>().reason, 'Conflict');
  });

  it('keeps an object whose create was acknowledged when the server is killed with SIGKILL right after', async function () {
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-kill9-cm'));
    const created = await getJson('/api/v1/namespaces/default/configmaps/restart-kill9-cm');
    const res = await server.request('POST', '/api/v1/namespaces/default/pods', { body: fixtureNamed('pod.yaml', 'restart-kill9-pod') });
    assert.equal(res.status, 201, res.body);
    const pod = res.json<Manifest>();

    await restart('kill9');

    assert.deepEqual(await getJson('/api/v1/namespaces/default/configmaps/restart-kill9-cm'), created);
    assert.deepEqual(await getJson('/api/v1/namespaces/default/pods/restart-kill9-pod'), pod);
  });

  it('keeps an acknowledged update and delete across a SIGKILL', async function () {
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-kill9-updated'));
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-kill9-deleted'));
    await server.kubectl.run(['label', 'configmap', 'restart-kill9-updated', 'state=updated']);
    const updated = await getJson('/api/v1/namespaces/default/configmaps/restart-kill9-updated');
    const del = await server.request('DELETE', '/api/v1/namespaces/default/configmaps/restart-kill9-deleted');
    assert.equal(del.status, 200, del.body);

    await restart('kill9');

    const after = await getJson('/api/v1/namespaces/default/configmaps/restart-kill9-updated');
    assert.equal(after.metadata.labels?.state, 'updated');
    assert.equal(after.metadata.resourceVersion, updated.metadata.resourceVersion);
    const gone = await server.request('GET', '/api/v1/namespaces/default/configmaps/restart-kill9-deleted');
    assert.equal(gone.status, 404, gone.body);
  });

  it('resumes a watch from a pre-restart resourceVersion with every later event, or answers 410 Expired, never skipping silently', async function () {
    const listRV = (await server.request('GET', '/api/v1/namespaces/default/configmaps')).json<ListBody>().metadata.resourceVersion ?? '';
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-watch-before'));
    await restart('stop');
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-watch-after'));

    const stream = server.stream(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${listRV}`);
    try {
      const status = await stream.status;
      if (status === 410) return; // "too old resource version": the client relists, nothing is lost
      assert.equal(status, 200);
      const lines = stream.lines[Symbol.asyncIterator]();
      const first = await nextEvent(lines);
      if (first.type === 'ERROR') {
        const err = first.object as unknown as { code?: number; reason?: string };
        assert.deepEqual([err.code, err.reason], [410, 'Expired'], JSON.stringify(first));
        return;
      }
      const second = await nextEvent(lines);
      assert.deepEqual(
        [first, second].map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED restart-watch-before', 'ADDED restart-watch-after'],
      );
    } finally {
      stream.close();
    }
  });

  it('issues a greater resourceVersion after a SIGKILL than the last acknowledged write', async function () {
    const last = await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-kill9-rv-before'));
    await restart('kill9');
    const next = await kubectlCreate(server, fixtureNamed('configmap.yaml', 'restart-kill9-rv-after'));
    assert.equal(compareResourceVersions(next.metadata.resourceVersion ?? '', last.metadata.resourceVersion ?? ''), 1);
  });
});

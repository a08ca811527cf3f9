/**
 * The admission chain end to end: LimitRanger defaults and limits, ResourceQuota charged
 * atomically under concurrent creates with status.used maintained, ServiceAccount, and the
 * --enable/--disable-admission-plugins flags.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { createNamespace } from '../kubectl/support';
import { TestServer, type HttpResponse } from '../../support/server';
import { manifest, waitFor } from './support';

const NS = 'adm';

function podBody(name: string, requests?: Record<string, string>, limits?: Record<string, string>): object {
  const resources: Record<string, unknown> = {};
  if (requests) resources.requests = requests;
  if (limits) resources.limits = limits;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx', resources }] } };
}

describe('security: admission chain', function () {
  let server: TestServer;
  const kubectl = (args: string[], input?: string) => server.kubectl.run(['-n', NS, ...args], { input });
  const createPod = (ns: string, body: object): Promise<HttpResponse> => server.request('POST', `/api/v1/namespaces/${ns}/pods`, { body });
  const used = async (ns: string, name: string) => (await server.kubectl.json<{ status: { used?: Record<string, string>; hard?: Record<string, string> } }>(['-n', ns, 'get', 'resourcequota', name])).status;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespace(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('LimitRanger', function () {
    before(async function () {
      await kubectl(['apply', '-f', '-'], manifest({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'limits', namespace: NS },
        spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '10' } }] },
      }));
    });
    after(async function () {
      await kubectl(['delete', 'limitrange', 'limits']);
    });

    it('fills requests and limits from the defaults and annotates the pod', async function () {
      const pod = await server.kubectl.json<{ metadata: { annotations: Record<string, string> }; spec: { containers: { resources: unknown }[] } }>(['-n', NS, 'run', 'lr-defaults', '--image=nginx', '-o', 'json']);
      assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
      assert.equal(pod.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container lr-defaults; cpu, memory limit for container lr-defaults');
    });

    it('refuses a container over the maximum with 403 and the plugin’s message', async function () {
      const res = await createPod(NS, podBody('lr-big', { cpu: '100m' }, { cpu: '2' }));
      assert.equal(res.status, 403, res.body);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "lr-big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, cpu max limit to request ratio per Container is 10, but provided ratio is 20.000000]',
        reason: 'Forbidden',
        details: { name: 'lr-big', kind: 'pods' },
        code: 403,
      });
      const r = await server.kubectl.run(['-n', NS, 'apply', '-f', '-'], { input: JSON.stringify(podBody('lr-big', { cpu: '100m' }, { cpu: '2' })), allowFailure: true });
      assert.match(r.stderr, /Error from server \(Forbidden\): error when creating "STDIN": pods "lr-big" is forbidden: \[maximum cpu usage per Container is 1, but limit is 2/);
    });
  });

  describe('ResourceQuota', function () {
    const QNS = 'quota';
    before(async function () {
      await createNamespace(server, QNS);
    });

    it('fills status.hard and status.used as soon as the quota exists', async function () {
      await server.kubectl.run(['-n', QNS, 'create', 'configmap', 'pre-existing']);
      await server.kubectl.run(['-n', QNS, 'create', 'quota', 'objects', '--hard=pods=5,count/configmaps=4,services=1']);
      const status = await waitFor(async () => {
        const s = await used(QNS, 'objects');
        return s.used ? s : undefined;
      });
      // kube-root-ca.crt, which the publisher put in the namespace, counts too, as upstream.
      assert.deepEqual(status, { hard: { 'count/configmaps': '4', pods: '5', services: '1' }, used: { 'count/configmaps': '2', pods: '0', services: '0' } });
    });

    it('admits exactly the quota under concurrent creates and charges status.used', async function () {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => createPod(QNS, podBody(`racer-${i}`))));
      const created = results.filter((r) => r.status === 201);
      const refused = results.filter((r) => r.status === 403);
      assert.equal(created.length, 5, results.map((r) => `${r.status} ${r.body.slice(0, 120)}`).join('\n'));
      assert.equal(refused.length, 15);
      for (const r of refused) {
        assert.match(r.json<{ message: string }>().message, /^pods "racer-\d+" is forbidden: exceeded quota: objects, requested: pods=1, used: pods=5, limited: pods=5$/);
      }
      assert.equal((await used(QNS, 'objects')).used?.pods, '5');
      const listed = await server.kubectl.json<{ items: unknown[] }>(['-n', QNS, 'get', 'pods']);
      assert.equal(listed.items.length, 5);
    });

    it('gives the quota back when objects are deleted', async function () {
      await server.kubectl.run(['-n', QNS, 'delete', 'pod', 'racer-0', 'racer-1', 'racer-2', '--ignore-not-found', '--wait=true']);
      const remaining = (await server.kubectl.json<{ items: unknown[] }>(['-n', QNS, 'get', 'pods'])).items.length;
      await waitFor(async () => ((await used(QNS, 'objects')).used?.pods === String(remaining) ? true : undefined));
      const again = await Promise.all([1, 2, 3, 4].map((i) => createPod(QNS, podBody(`again-${i}`))));
      assert.equal(again.filter((r) => r.status === 201).length, 5 - remaining);
    });

    it('counts object kinds of any group and refuses the one too many with kubectl', async function () {
      await server.kubectl.run(['-n', QNS, 'create', 'configmap', 'c2']);
      await server.kubectl.run(['-n', QNS, 'create', 'configmap', 'c3']);
      const r = await server.kubectl.run(['-n', QNS, 'create', 'configmap', 'c4'], { allowFailure: true });
      assert.match(r.stderr, /error: failed to create configmap: configmaps "c4" is forbidden: exceeded quota: objects, requested: count\/configmaps=1, used: count\/configmaps=4, limited: count\/configmaps=4/);
    });

    it('charges compute requests atomically too, and requires them when quota tracks them', async function () {
      const CNS = 'compute';
      await createNamespace(server, CNS);
      await server.kubectl.run(['-n', CNS, 'create', 'quota', 'cpu', '--hard=requests.cpu=1,limits.memory=1Gi']);
      await waitFor(async () => ((await used(CNS, 'cpu')).used ? true : undefined));
      const missing = await createPod(CNS, podBody('bare'));
      assert.equal(missing.status, 403);
      assert.equal(missing.json<{ message: string }>().message, 'pods "bare" is forbidden: failed quota: cpu: must specify limits.memory for: c; requests.cpu for: c');
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => createPod(CNS, podBody(`w-${i}`, { cpu: '300m' }, { memory: '100Mi' }))));
      assert.equal(results.filter((r) => r.status === 201).length, 3, results.map((r) => r.body.slice(0, 150)).join('\n'));
      const refused = results.find((r) => r.status === 403)!;
      assert.match(refused.json<{ message: string }>().message, /exceeded quota: cpu, requested: requests.cpu=300m, used: requests.cpu=900m, limited: requests.cpu=1$/);
      assert.deepEqual((await used(CNS, 'cpu')).used, { 'limits.memory': '300Mi', 'requests.cpu': '900m' });
    });

    it('does not charge a dry run', async function () {
      const before = (await used(QNS, 'objects')).used;
      const r = await server.request('POST', `/api/v1/namespaces/${QNS}/services?dryRun=All`, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } } });
      assert.equal(r.status, 201, r.body);
      assert.deepEqual((await used(QNS, 'objects')).used, before);
    });
  });

  describe('selected by flags', function () {
    it('runs without the plugins --disable-admission-plugins names', async function () {
      const other = await TestServer.start({ args: ['--disable-admission-plugins=ServiceAccount,LimitRanger,NamespaceLifecycle', '--enable-admission-plugins=NodeRestriction'] });
      try {
        assert.match(other.output.stdout, /admission plugins not implemented by kapi have no effect: NodeRestriction/);
        const pod = await other.kubectl.json<{ spec: Record<string, unknown> }>(['run', 'plain', '--image=nginx', '-o', 'json']);
        assert.equal(pod.spec.volumes, undefined, 'no projected token volume without ServiceAccount');
        assert.equal(pod.spec.serviceAccountName, undefined);
        // Without NamespaceLifecycle nothing checks that the namespace exists, as upstream.
        assert.equal((await other.kubectl.run(['-n', 'nowhere', 'create', 'configmap', 'x'])).code, 0);
      } finally {
        await other.dispose();
      }
    });

    it('refuses an unknown plugin at start', async function () {
      await assert.rejects(TestServer.start({ args: ['--enable-admission-plugins=NoSuchPlugin'] }), /enable-admission-plugins plugin "NoSuchPlugin" is unknown/);
    });
  });
});

/**
 * Two kapi servers on one etcd, as the real binary runs them: what one writes the other reads
 * at once (consistent reads) and streams to its watchers; a name created on both at once is
 * taken by exactly one; each accepts the other's kubeconfig (same data-dir material); both are
 * in the kubernetes Endpoints, and one killed without warning leaves them when its lease
 * expires while the other's clients and watches carry on. The keys are where kube-apiserver
 * puts them.
 */
import * as assert from 'node:assert/strict';
import { EtcdCluster, etcdAvailable } from '../../support/etcd';
import {
  CONFIGMAPS,
  LEASE_DURATION_SECONDS,
  WatchReader,
  configMap,
  credentialsOf,
  disposeKapi,
  endpointsOf,
  eventually,
  expectStatus,
  portOf,
  requestAs,
  startKapi,
  type Kapi,
} from './support';
import { skipWithout } from '../../support/skip';

/** ROUNDS of write-on-one, read-on-the-other. */
const ROUNDS = 30;
/** RACES of two creates of one name, one per server. */
const RACES = 10;

describe('two kapi servers on one etcd', function () {
  let cluster: EtcdCluster | undefined;
  let a: Kapi | undefined;
  let b: Kapi | undefined;

  before(async function () {
    if (!etcdAvailable()) skipWithout(this, 'etcd');
    cluster = await EtcdCluster.start({ members: 1 });
    a = await startKapi(cluster);
    b = await startKapi(cluster, { pkiFrom: a });
  });

  after(async () => {
    await disposeKapi(b);
    await disposeKapi(a);
    await cluster?.destroy();
  });

  it('serves on one server, right away, what the other acknowledged: GET, LIST and PUT without resourceVersion', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const name = `consistent-${i}`;
      const created = await a!.server.request('POST', CONFIGMAPS(), { body: configMap(name, { i: String(i) }) });
      expectStatus(created, 201, `create ${name} on A`);
      const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
      const got = await b!.server.request('GET', `${CONFIGMAPS()}/${name}`);
      expectStatus(got, 200, `GET ${name} on B right after A acknowledged it`);
      assert.equal(got.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion, rv);
      const list = await b!.server.request('GET', CONFIGMAPS());
      expectStatus(list, 200, 'LIST on B');
      const listed = list.json<{ metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] }>();
      assert.ok(listed.items.some((x) => x.metadata.name === name), `LIST on B misses ${name}`);
      assert.ok(Number(listed.metadata.resourceVersion) >= Number(rv));
    }
    // An update on B of what A created a moment ago: B must not answer 404 from a stale cache.
    const fresh = await a!.server.request('POST', CONFIGMAPS(), { body: configMap('update-me') });
    expectStatus(fresh, 201, 'create update-me on A');
    const put = await b!.server.request('PUT', `${CONFIGMAPS()}/update-me`, { body: { ...configMap('update-me', { by: 'b' }), metadata: { name: 'update-me', resourceVersion: fresh.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion } } });
    expectStatus(put, 200, 'PUT on B of an object A just created');
  });

  it('streams to a watch on one server what the other writes, in order', async () => {
    const list = await b!.server.request('GET', CONFIGMAPS());
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const watch = new WatchReader(b!.server, `${CONFIGMAPS()}?watch=1&resourceVersion=${rv}`);
    try {
      assert.equal(await watch.status, 200);
      const names = Array.from({ length: 10 }, (_, i) => `watched-${i}`);
      for (const n of names) expectStatus(await a!.server.request('POST', CONFIGMAPS(), { body: configMap(n) }), 201, `create ${n} on A`);
      await eventually('the watch on B to see every create on A', () => watch.names().length >= names.length);
      assert.deepEqual(watch.names(), names);
      const rvs = watch.events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y));
    } finally {
      watch.close();
    }
  });

  it('lets exactly one of two servers create a name both create at once; the other answers 409 AlreadyExists', async () => {
    for (let i = 0; i < RACES; i++) {
      const name = `race-${i}`;
      const [ra, rb] = await Promise.all([
        a!.server.request('POST', CONFIGMAPS(), { body: configMap(name, { by: 'a' }) }),
        b!.server.request('POST', CONFIGMAPS(), { body: configMap(name, { by: 'b' }) }),
      ]);
      const codes = [ra.status, rb.status].sort();
      assert.deepEqual(codes, [201, 409], `race ${i}: ${ra.status} ${ra.body.slice(0, 200)} / ${rb.status} ${rb.body.slice(0, 200)}`);
      const loser = ra.status === 409 ? ra : rb;
      assert.equal(loser.json<{ reason: string }>().reason, 'AlreadyExists');
      const winner = ra.status === 201 ? 'a' : 'b';
      const stored = await a!.server.request('GET', `${CONFIGMAPS()}/${name}`);
      assert.equal(stored.json<{ data: { by: string } }>().data.by, winner);
    }
  });

  it("accepts the other server's kubeconfig: both were started from the same data-dir material", async () => {
    const asA = credentialsOf(a!);
    const res = await requestAs(b!.server.url, asA, 'GET', '/api/v1/namespaces/default');
    expectStatus(res, 200, "B with A's kubeconfig");
    const back = await requestAs(a!.server.url, credentialsOf(b!), 'GET', '/api/v1/namespaces/default');
    expectStatus(back, 200, "A with B's kubeconfig");
  });

  it("accepts a service account token the other server issued (same service-account key)", async () => {
    const issued = await a!.server.request('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    });
    expectStatus(issued, 201, 'TokenRequest on A');
    const token = issued.json<{ status: { token: string } }>().status.token;
    const review = await b!.server.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      cert: 'none',
      headers: { authorization: `Bearer ${token}` },
    });
    expectStatus(review, 201, "B's SelfSubjectReview with A's token");
    assert.equal(review.json<{ status: { userInfo: { username: string } } }>().status.userInfo.username, 'system:serviceaccount:default:default');
  });

  it('lists both servers in the kubernetes Endpoints, each holding an identity Lease in kube-system', async () => {
    const expected = [a!, b!].map((k) => `127.0.0.1:${portOf(k.server)}`).sort();
    await eventually('both servers in the Endpoints', async () => JSON.stringify(await endpointsOf(a!.server)) === JSON.stringify(expected));
    const leases = await a!.server.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases?labelSelector=apiserver.kubernetes.io%2Fidentity%3Dkube-apiserver');
    expectStatus(leases, 200, 'list identity leases');
    const items = leases.json<{ items: { metadata: { name: string }; spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string } }[] }>().items;
    assert.equal(items.length, 2);
    for (const l of items) {
      assert.match(l.metadata.name, /^apiserver-[a-z2-7]{26}$/);
      assert.ok(l.spec.holderIdentity.startsWith(`${l.metadata.name}_`));
      assert.equal(l.spec.leaseDurationSeconds, LEASE_DURATION_SECONDS);
      assert.match(l.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
  });

  it('keeps the keys where kube-apiserver puts them (etcdctl get /registry/ --prefix --keys-only)', () => {
    const keys = cluster!.etcdctl(['get', '/registry/', '--prefix', '--keys-only']).split('\n').filter((k) => k);
    for (const k of [
      '/registry/namespaces/default',
      '/registry/configmaps/default/consistent-0',
      '/registry/services/specs/default/kubernetes',
      '/registry/services/endpoints/default/kubernetes',
    ]) {
      assert.ok(keys.includes(k), `missing ${k}`);
    }
    assert.ok(keys.some((k) => /^\/registry\/leases\/kube-system\/apiserver-[a-z2-7]+$/.test(k)), 'no identity lease key');
    const value = cluster!.etcdctl(['get', '/registry/configmaps/default/consistent-0', '--print-value-only']);
    const stored = JSON.parse(value) as { kind: string; metadata: { resourceVersion?: string } };
    assert.equal(stored.kind, 'ConfigMap');
    assert.equal(stored.metadata.resourceVersion, undefined, 'etcd holds no resourceVersion: it is the mod_revision');
  });

  it('keeps clients and watches of one server going when the other is killed, and drops the dead one from the Endpoints once its lease expires', async () => {
    const list = await a!.server.request('GET', CONFIGMAPS());
    const rv = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const watch = new WatchReader(a!.server, `${CONFIGMAPS()}?watch=1&resourceVersion=${rv}`);
    try {
      assert.equal(await watch.status, 200);
      const bPort = portOf(b!.server);
      await b!.server.kill9();
      const killedAt = Date.now();
      for (let i = 0; i < 5; i++) expectStatus(await a!.server.request('POST', CONFIGMAPS(), { body: configMap(`after-kill-${i}`) }), 201, 'create on A after B died');
      await eventually('the watch on A to see the creates', () => watch.names().filter((n) => n.startsWith('after-kill-')).length === 5);
      assert.equal(watch.ended, false, 'the watch on A must survive B');
      await eventually('B to leave the Endpoints', async () => !(await endpointsOf(a!.server)).includes(`127.0.0.1:${bPort}`), (LEASE_DURATION_SECONDS + 10) * 1000);
      const gone = Date.now() - killedAt;
      assert.ok(gone >= (LEASE_DURATION_SECONDS - 1) * 1000, `B left after ${gone} ms, before its lease could expire`);
      assert.deepEqual(await endpointsOf(a!.server), [`127.0.0.1:${portOf(a!.server)}`]);
      await eventually('the expired lease to be collected', async () => {
        const leases = await a!.server.request('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
        return leases.json<{ items: unknown[] }>().items.length === 1;
      });
    } finally {
      watch.close();
    }
  });
});

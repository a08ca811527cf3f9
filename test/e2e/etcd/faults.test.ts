/**
 * kapi on a real three-member etcd cluster on 127.0.0.1 whose members are killed by PID: with
 * one member down it reads and writes; with the leader killed in the middle of a loop of writes
 * it loses, duplicates and corrupts no acknowledged write; with every member down it answers
 * 5xx within a bounded time, reports not ready, and serves again by itself once etcd is back.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EtcdCluster, etcdAvailable } from '../../support/etcd';
import type { HttpResponse } from '../../support/server';
import { CONFIGMAPS, WatchReader, configMap, disposeKapi, eventually, expectStatus, startKapi, type Kapi } from './support';
import { skipWithout } from '../../support/skip';

/** WRITERS is how many clients write at once in the leader-kill test. */
const WRITERS = 8;
/** WRITE_BEFORE_KILL_MS and WRITE_AFTER_KILL_MS frame the leader's death inside the loop. */
const WRITE_BEFORE_KILL_MS = 1_500;
const WRITE_AFTER_KILL_MS = 4_000;
/** ATTEMPTS is how often a client tries one write before giving up on it. */
const ATTEMPTS = 10;
/** BOUNDED_MS is how long a request may take to fail while etcd is down. */
const BOUNDED_MS = 12_000;

/** payload makes data whose integrity can be checked: a body and its digest. */
function payload(name: string): Record<string, string> {
  const body = `${name}:${'x'.repeat(200)}`;
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}

interface ListBody {
  metadata: { resourceVersion: string };
  items: { metadata: { name: string; resourceVersion: string }; data?: Record<string, string> }[];
}

describe('kapi on a three-member etcd cluster under faults', function () {
  let cluster: EtcdCluster | undefined;
  let kapi: Kapi | undefined;

  before(async function () {
    if (!etcdAvailable()) skipWithout(this, 'etcd');
    cluster = await EtcdCluster.start({ members: 3 });
    kapi = await startKapi(cluster);
  });

  after(async () => {
    await disposeKapi(kapi);
    await cluster?.destroy();
  });

  const server = () => kapi!.server;

  it('keeps reading and writing with one member killed, then takes it back', async () => {
    const leader = await cluster!.leader();
    for (const victim of [(leader + 1) % 3, leader]) {
      await cluster!.kill(victim);
      try {
        await writeAndRead(victim);
      } finally {
        await cluster!.restart(victim);
        await cluster!.waitHealthy();
      }
    }
  });

  /** writeAndRead creates, reads and lists through kapi while a member is down. */
  async function writeAndRead(victim: number): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const name = `one-down-${victim}-${i}`;
      let res: HttpResponse | undefined;
      let retried = false;
      // Killing the leader costs an election (~1 s here); a client retries a 5xx as client-go does.
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        res = await server().request('POST', CONFIGMAPS(), { body: configMap(name) });
        if (res.status < 500) break;
        retried = true;
        await new Promise((r) => setTimeout(r, 300));
      }
      // A 409 only after a 5xx: the failed-looking attempt was applied.
      assert.ok(res!.status === 201 || (res!.status === 409 && retried), `create ${name}: ${res!.status} ${res!.body.slice(0, 300)}`);
      expectStatus(await server().request('GET', `${CONFIGMAPS()}/${name}`), 200, `GET ${name}`);
    }
    expectStatus(await server().request('GET', CONFIGMAPS()), 200, 'LIST with a member down');
  }

  it('loses, duplicates and corrupts no acknowledged write when the leader is killed during a loop of writes', async function () {
    this.timeout(120_000);
    // Every member up, whatever an earlier test left behind.
    for (let i = 0; i < 3; i++) await cluster!.restart(i);
    await cluster!.waitHealthy();
    const ns = 'leader-kill';
    expectStatus(await server().request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } }), 201, 'create namespace');
    const acknowledged = new Map<string, Record<string, string>>();
    const attempted = new Set<string>();
    let ackedAfterKill = 0;
    let killedAt = 0;
    let failures = 0;
    const stopAt = { t: Infinity };

    const writer = async (w: number) => {
      for (let k = 0; Date.now() < stopAt.t; k++) {
        const name = `w${w}-${k}`;
        const data = payload(name);
        attempted.add(name);
        let failedBefore = false;
        for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
          let res: HttpResponse;
          try {
            res = await server().request('POST', CONFIGMAPS(ns), { body: configMap(name, data), timeoutMs: 20_000 });
          } catch {
            failedBefore = true;
            failures++;
            continue;
          }
          if (res.status === 201) {
            acknowledged.set(name, data);
            if (killedAt && Date.now() > killedAt) ackedAfterKill++;
            break;
          }
          if (res.status === 409 && failedBefore) {
            // An earlier attempt answered 5xx but was applied: it is ours if the content is.
            const got = await server().request('GET', `${CONFIGMAPS(ns)}/${name}`);
            assert.deepEqual(got.json<{ data: Record<string, string> }>().data, data, `${name} exists with other content`);
            acknowledged.set(name, data);
            break;
          }
          assert.ok(res.status >= 500, `unexpected ${res.status} for ${name}: ${res.body.slice(0, 300)}`);
          assert.equal(res.json<{ kind: string }>().kind, 'Status');
          failedBefore = true;
          failures++;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };

    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, WRITE_BEFORE_KILL_MS));
    const leader = await cluster!.leader();
    const before = acknowledged.size;
    await cluster!.kill(leader);
    killedAt = Date.now();
    stopAt.t = Date.now() + WRITE_AFTER_KILL_MS;
    await Promise.all(writers);
    await cluster!.restart(leader);
    await cluster!.waitHealthy();

    assert.ok(before > 0, 'nothing was written before the kill');
    assert.ok(ackedAfterKill > 0, 'no write was acknowledged after the leader died: service did not continue');

    // What the API serves, and what etcd holds, must be exactly the acknowledged writes (plus
    // writes whose outcome the client never learnt), each intact and stored once.
    const list = await server().request('GET', CONFIGMAPS(ns));
    expectStatus(list, 200, 'LIST after the kill');
    // Only the writers' objects: controllers add their own (kube-root-ca.crt).
    const items = list.json<ListBody>().items.filter((i) => /^w\d+-\d+$/.test(i.metadata.name));
    const byName = new Map(items.map((i) => [i.metadata.name, i]));
    assert.equal(byName.size, items.length, 'a name is listed twice');
    for (const [name, data] of acknowledged) {
      const item = byName.get(name);
      assert.ok(item, `acknowledged write ${name} was lost`);
      assert.deepEqual(item.data, data, `${name} is corrupted`);
    }
    for (const item of items) {
      assert.ok(attempted.has(item.metadata.name), `${item.metadata.name} was never written`);
      assert.deepEqual(item.data, payload(item.metadata.name), `${item.metadata.name} is corrupted`);
    }
    const revisions = new Set(items.map((i) => i.metadata.resourceVersion));
    assert.equal(revisions.size, items.length, 'two objects share a revision');
    const keys = cluster!.etcdctl(['get', `/registry/configmaps/${ns}/w`, '--prefix', '--keys-only']).split('\n').filter((k) => k);
    assert.deepEqual(keys.sort(), items.map((i) => `/registry/configmaps/${ns}/${i.metadata.name}`).sort());
    process.stdout.write(`      ${acknowledged.size} acknowledged writes (${ackedAfterKill} after the leader died), ${failures} failed attempts retried, ${items.length} stored\n`);
  });

  it('fails requests with a 5xx Status within a bounded time while every member is down, reports not ready, and resumes by itself', async function () {
    this.timeout(120_000);
    const list = await server().request('GET', CONFIGMAPS());
    const watch = new WatchReader(server(), `${CONFIGMAPS()}?watch=1&resourceVersion=${list.json<ListBody>().metadata.resourceVersion}`);
    try {
      assert.equal(await watch.status, 200);
      for (let i = 0; i < 3; i++) await cluster!.kill(i);
      const downAt = Date.now();
      const seen: string[] = [];
      for (const [method, path, body] of [
        ['POST', CONFIGMAPS(), configMap('while-down')],
        ['GET', `${CONFIGMAPS()}/one-down-0-0`, undefined],
        ['GET', CONFIGMAPS(), undefined],
        ['DELETE', `${CONFIGMAPS()}/one-down-0-1`, undefined],
      ] as const) {
        const started = Date.now();
        const res = await server().request(method, path, { body, timeoutMs: BOUNDED_MS + 5_000 });
        const took = Date.now() - started;
        assert.ok(res.status >= 500 && res.status < 600, `${method} ${path} while etcd is down: ${res.status} ${res.body.slice(0, 300)}`);
        const status = res.json<{ kind: string; status: string; code: number }>();
        assert.equal(status.kind, 'Status');
        assert.equal(status.status, 'Failure');
        assert.equal(status.code, res.status);
        assert.ok(took < BOUNDED_MS, `${method} ${path} took ${took} ms to fail`);
        seen.push(`${method} ${res.status} in ${took} ms`);
      }
      await eventually('/readyz to report not ready', async () => (await server().request('GET', '/readyz')).status === 500, 10_000);
      const notReadyAfter = Date.now() - downAt;
      const upAt = { t: 0 };
      assert.equal(watch.ended, false, 'watches stay open while etcd is down');

      for (let i = 0; i < 3; i++) await cluster!.restart(i);
      await cluster!.waitHealthy();
      upAt.t = Date.now();
      await eventually('/readyz to report ready again', async () => (await server().request('GET', '/readyz')).status === 200, 30_000);
      const readyAfter = Date.now() - upAt.t;
      await eventually('writes to succeed again', async () => (await server().request('POST', CONFIGMAPS(), { body: configMap('after-outage') })).status === 201, 30_000);
      await eventually('the watch opened before the outage to see the write after it', () => watch.names().includes('after-outage'), 15_000);
      expectStatus(await server().request('GET', `${CONFIGMAPS()}/after-outage`), 200, 'consistent GET after the outage');
      process.stdout.write(`      etcd down: ${seen.join(', ')}; /readyz not ready ${notReadyAfter} ms after the kill; ready ${readyAfter} ms after etcd was healthy, writes and the old watch ${Date.now() - upAt.t} ms after\n`);
    } finally {
      watch.close();
    }
  });
});

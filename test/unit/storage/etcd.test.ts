/**
 * EtcdStorage: the storage conformance suite, unchanged, on a real single-member etcd; then what
 * only the etcd backend promises — kube-apiserver's key and value layout, one shared watch that
 * catch-up subscribers join, progress for writes outside the prefix, consistent reads across
 * servers, writes whose acknowledgement was lost, and a watch cache that relists when its watch
 * was compacted. Network faults come from a TCP proxy between the storage and etcd.
 */

import * as assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';

import type { KubeObject } from '../../../src/meta/object';
import { withStoredRevision } from '../../../src/storage/etcd/codec';
import { EtcdStorage } from '../../../src/storage/etcd/store';
import type { StorageEvent } from '../../../src/storage/interface';
import { WatchCache } from '../../../src/watch/cache';
import type { CacheEvent } from '../../../src/watch/window';
import type { ObjectAttrs } from '../../../src/watch/predicate';
import { EtcdCluster, etcdAvailable } from '../../support/etcd';
import { TcpProxy, hostPort } from '../../support/tcpproxy';
import { cmKey, configMap, parse, record, storageConformance, until } from './conformance';
import { skipWithout } from '../../support/skip';

const CONFIGMAPS = '/registry/configmaps/';

function attrs(obj: KubeObject): ObjectAttrs {
  return { labels: obj.metadata.labels, fields: { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' } };
}

const everything = { empty: true, matches: () => true };

describe('EtcdStorage on a real etcd', function () {
  let cluster: EtcdCluster | undefined;
  let admin: Etcd3;
  const open: EtcdStorage[] = [];

  before(async function () {
    if (!etcdAvailable()) skipWithout(this, 'etcd');
    this.timeout(60_000);
    cluster = await EtcdCluster.start({ members: 1 });
    admin = new Etcd3({ hosts: cluster.endpoints });
  });

  after(async () => {
    admin?.close();
    await cluster?.destroy();
  });

  /** fresh empties the key space: the conformance suite wants a new, empty backend per test. */
  async function wipe(): Promise<void> {
    await admin.delete().prefix('/registry/');
    await admin.delete().key('compact_rev_key');
  }

  const newStorage = (servers = cluster!.endpoints): EtcdStorage => {
    const s = new EtcdStorage({ servers });
    open.push(s);
    return s;
  };

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  storageConformance('EtcdStorage', async () => {
    await wipe();
    const storage = new EtcdStorage({ servers: cluster!.endpoints });
    return { storage, cleanup: () => storage.close() };
  });

  describe('layout', () => {
    beforeEach(wipe);

    it('stores JSON without resourceVersion under the kube-apiserver key, and reads it back with the mod_revision', async () => {
      const s = newStorage();
      const kv = await s.create(cmKey('a'), configMap('a', { k: 'v' }));
      const raw = await admin.get(cmKey('a')).exec();
      const stored = raw.kvs[0].value.toString();
      assert.equal(JSON.parse(stored).metadata.resourceVersion, undefined, 'etcd must not hold the resourceVersion');
      assert.ok(stored.startsWith('{"apiVersion":"v1","kind":"ConfigMap","metadata":{'), stored);
      assert.equal(raw.kvs[0].mod_revision, String(kv.rev));
      assert.equal(parse(kv).metadata.resourceVersion, String(kv.rev));
    });

    it('reads a value another program wrote in another field order, with its resourceVersion set', async () => {
      const foreign = JSON.stringify({ data: { x: '1' }, spec: { template: { metadata: { name: 'inner' } } }, metadata: { name: 'f', namespace: 'default' }, kind: 'ConfigMap', apiVersion: 'v1' });
      const put = await admin.put(cmKey('f')).value(foreign).exec();
      const s = newStorage();
      const kv = (await s.get(cmKey('f')))!;
      const obj = parse(kv) as KubeObject & { spec: { template: { metadata: Record<string, unknown> } } };
      assert.equal(obj.metadata.resourceVersion, put.header.revision);
      assert.equal(obj.spec.template.metadata.resourceVersion, undefined, 'only the top-level metadata gets the resourceVersion');
      assert.equal(withStoredRevision('{"metadata":{}}', 7), '{"metadata":{"resourceVersion":"7"}}');
    });
  });

  describe('watch', () => {
    beforeEach(wipe);

    it('lets a subscriber from an older revision catch up, then join the shared watch without losing or repeating an event', async () => {
      const s = newStorage();
      const start = await s.currentRevision();
      const live = record(s, CONFIGMAPS, start);
      const early: number[] = [];
      for (let i = 0; i < 5; i++) early.push((await s.create(cmKey(`e-${i}`), configMap(`e-${i}`))).rev);
      await until('the shared watch to see the writes', () => live.events.length === 5);
      // This one starts behind the shared watch: it needs a catch-up watch of its own.
      const late = record(s, CONFIGMAPS, early[1]);
      const writes = [];
      for (let i = 0; i < 5; i++) writes.push(s.create(cmKey(`l-${i}`), configMap(`l-${i}`)));
      const later = (await Promise.all(writes)).map((kv) => kv.rev);
      await until('every event', () => late.events.length >= 8);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(late.events.map((e) => e.rev), [...early.slice(2), ...later].sort((a, b) => a - b));
      assert.deepEqual(live.events.map((e) => e.rev), [...early, ...later].sort((a, b) => a - b));
      live.handle.stop();
      late.handle.stop();
    });

    it('reports progress for a write outside the prefix once asked (etcd RequestProgress)', async () => {
      const s = newStorage();
      const w = record(s, CONFIGMAPS, await s.currentRevision());
      const outside = await admin.put('compact_rev_key').value('x').exec();
      const rev = Number(outside.header.revision);
      s.requestProgress(rev);
      await until('progress to the outside write', () => w.progress.some((p) => p >= rev));
      assert.deepEqual(w.events, []);
      w.handle.stop();
    });

    it('resumes after a lost connection from the revision after the last event, neither losing nor repeating one', async () => {
      const proxy = await TcpProxy.start(hostPort(cluster!.endpoints[0]));
      try {
        const viaProxy = newStorage([proxy.url]);
        const direct = newStorage();
        const w = record(viaProxy, CONFIGMAPS, await direct.currentRevision());
        const first = await direct.create(cmKey('a'), configMap('a'));
        await until('the first event', () => w.events.length === 1);
        proxy.mode = 'refuse';
        proxy.cut();
        const during: number[] = [];
        for (let i = 0; i < 5; i++) during.push((await direct.create(cmKey(`d-${i}`), configMap(`d-${i}`))).rev);
        proxy.mode = 'forward';
        await until('the events written while disconnected', () => w.events.length === 6, 10_000);
        const after = await direct.create(cmKey('z'), configMap('z'));
        await until('the live event after the reconnect', () => w.events.length === 7);
        assert.deepEqual(w.events.map((e) => e.rev), [first.rev, ...during, after.rev]);
        assert.deepEqual(w.errors, []);
        w.handle.stop();
      } finally {
        await proxy.close();
      }
    });
  });

  describe('writes whose answer was lost', () => {
    beforeEach(wipe);

    /** lose sends a write through the proxy while it swallows answers, then cuts the connection. */
    async function lose<T>(proxy: TcpProxy, write: () => Promise<T>): Promise<T> {
      proxy.mode = 'swallow-responses';
      const pending = write();
      // etcd applies the write; its answer goes nowhere; then the connection dies.
      await new Promise((r) => setTimeout(r, 300));
      proxy.mode = 'forward';
      proxy.cut();
      return pending;
    }

    it('acknowledges a create that etcd applied instead of reporting that the key exists', async () => {
      const proxy = await TcpProxy.start(hostPort(cluster!.endpoints[0]));
      try {
        const s = newStorage([proxy.url]);
        await s.currentRevision(); // connected
        const before = Number((await admin.get('x').exec()).header.revision);
        const kv = await lose(proxy, () => s.create(cmKey('a'), configMap('a', { v: '1' })));
        const raw = await admin.get(cmKey('a')).exec();
        assert.equal(raw.kvs[0].mod_revision, String(kv.rev));
        assert.equal(kv.rev, before + 1, 'the create must have been applied exactly once');
      } finally {
        await proxy.close();
      }
    });

    it('does not apply an update twice when its answer was lost', async () => {
      const proxy = await TcpProxy.start(hostPort(cluster!.endpoints[0]));
      try {
        const s = newStorage([proxy.url]);
        const created = await s.create(cmKey('n'), configMap('n', { count: '0' }));
        // Starting from the cached copy, the transaction is the first thing sent.
        const kv = await lose(proxy, () =>
          s.guaranteedUpdate(cmKey('n'), (cur) => ({ ...parse(cur), data: { count: String(Number(parse(cur).data?.count) + 1) } }), { cachedExisting: created }),
        );
        assert.equal(parse(kv).data?.count, '1');
        const raw = await admin.get(cmKey('n')).exec();
        assert.equal(JSON.parse(raw.kvs[0].value.toString()).data.count, '1', 'the increment was applied twice');
        assert.equal(raw.kvs[0].version, '2');
      } finally {
        await proxy.close();
      }
    });

    it('fails with Unavailable, quickly, when no member answers', async () => {
      const proxy = await TcpProxy.start(hostPort(cluster!.endpoints[0]));
      try {
        const s = newStorage([proxy.url]);
        await s.currentRevision();
        proxy.mode = 'refuse';
        proxy.cut();
        const started = Date.now();
        await assert.rejects(s.create(cmKey('a'), configMap('a')), (e: Error & { code?: string }) => e.code === 'Unavailable');
        await assert.rejects(s.currentRevision(), (e: Error & { code?: string }) => e.code === 'Unavailable');
        assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('several servers on one etcd', () => {
    beforeEach(wipe);

    it('serves a consistent read on one server right after a write acknowledged by another', async () => {
      const a = newStorage();
      const b = newStorage();
      const cache = new WatchCache({ storage: b, prefix: CONFIGMAPS, attrs });
      await cache.start();
      try {
        for (let i = 0; i < 20; i++) {
          const kv = await a.create(cmKey(`c-${i}`), configMap(`c-${i}`));
          await cache.waitUntilFresh(3_000);
          assert.deepEqual(cache.get(kv.key), kv, `write ${i} not visible after the freshness wait`);
        }
        // The newest write is elsewhere in etcd: only a progress report brings the cache there.
        await admin.put('compact_rev_key').value('y').exec();
        await cache.waitUntilFresh(3_000);
      } finally {
        cache.stop();
      }
    });

    it('relists a watch cache whose watch was compacted, ends its watchers and tells subscribers what changed', async () => {
      const proxy = await TcpProxy.start(hostPort(cluster!.endpoints[0]));
      const direct = newStorage();
      const viaProxy = newStorage([proxy.url]);
      const cache = new WatchCache({ storage: viaProxy, prefix: CONFIGMAPS, attrs });
      try {
        await direct.create(cmKey('a'), configMap('a', { v: '1' }));
        await direct.create(cmKey('b'), configMap('b'));
        await cache.start();
        const changes: CacheEvent[] = [];
        cache.subscribe((e) => void changes.push(e));
        let closed = false;
        cache.watch({ predicate: everything, encoder: { key: 'test', event: () => '', bookmark: () => '' }, sink: { write: () => undefined, buffered: () => 0, close: () => void (closed = true) }, timeoutMs: 60_000 });

        proxy.mode = 'refuse';
        proxy.cut();
        await direct.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        await direct.delete(cmKey('b'));
        const c = await direct.create(cmKey('c'), configMap('c'));
        await direct.compact(c.rev);
        proxy.mode = 'forward';

        const relisted = () => {
          try {
            return cache.get(cmKey('c')) !== undefined && !cache.get(cmKey('b'));
          } catch {
            return false; // 503 while it relists
          }
        };
        await until('the relist', relisted, 15_000);
        assert.equal(closed, true, 'watchers of the old window must be ended');
        assert.deepEqual(parse(cache.get(cmKey('a'))!).data, { v: '2' });
        assert.deepEqual(changes.map((e) => `${e.type} ${e.key}`).sort(), [`ADDED ${cmKey('c')}`, `DELETED ${cmKey('b')}`, `MODIFIED ${cmKey('a')}`]);
        // And it follows the storage again.
        const d = await direct.create(cmKey('d'), configMap('d'));
        await cache.waitUntilFresh(3_000);
        assert.deepEqual(cache.get(cmKey('d')), d);
      } finally {
        cache.stop();
        await proxy.close();
      }
    });

    it('coordinates compaction between servers through compact_rev_key, compacting once per round', async () => {
      const a = newStorage();
      const b = newStorage();
      await a.create(cmKey('a'), configMap('a'));
      // Round 1 on both: only one wins the key, nobody compacts (start-up).
      let ra = await a.compactOnce(0, 0);
      let rb = await b.compactOnce(0, 0);
      assert.equal(ra.compactTime, 1);
      assert.equal(rb.compactTime, 1, 'the loser follows the winner\'s clock');
      const seen = ra.rev;
      await a.create(cmKey('b'), configMap('b'));
      // Round 2: a wins and compacts to what it saw one round ago.
      ra = await a.compactOnce(ra.compactTime, ra.rev);
      rb = await b.compactOnce(rb.compactTime, rb.rev);
      assert.equal(a.compactedRevision(), seen);
      assert.equal(b.compactedRevision(), 0, 'b lost the round and must not compact again');
      assert.equal(rb.compactTime, 2);
      const events: StorageEvent[] = [];
      const err = await new Promise<Error>((resolve) => {
        b.watch(CONFIGMAPS, seen - 2, { event: (e) => void events.push(e), error: resolve });
      });
      assert.match(err.message, /compacted/);
    });
  });
});

/**
 * WatchCache over a real SqliteStorage: what it serves from memory (get, list), how it replays
 * and streams to watchers (resume, initial events, bookmarks on an injected clock, selector
 * transitions), how it protects the many from the slow one, and that it encodes each event once
 * per format however many watchers there are.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { INITIAL_EVENTS_END_ANNOTATION, jsonWatchEncoder } from '../../../src/endpoints/watch';
import type { KubeObject } from '../../../src/meta/object';
import { parseLabelSelector } from '../../../src/selectors/labels';
import { isStorageError } from '../../../src/storage/errors';
import { SqliteStorage } from '../../../src/storage/sqlite/store';
import { WatchCache, type CacheWatchOptions } from '../../../src/watch/cache';
import { everything, type ObjectAttrs, type Predicate } from '../../../src/watch/predicate';
import { MAX_BUFFERED, type WatchEncoder, type WatchSink } from '../../../src/watch/watcher';

const PODS = '/registry/pods/';
/** WATCH_TIMEOUT_MS is long enough that no test watch reaches its deadline by accident. */
const WATCH_TIMEOUT_MS = 30 * 60_000;
/** BOOKMARK_INTERVAL_MS is the interval the bookmark tests configure (upstream's minute). */
const BOOKMARK_INTERVAL_MS = 60_000;
/** T0 is the injected clock's start; any fixed instant would do. */
const T0 = Date.UTC(2024, 5, 1, 12, 0, 0);
/** WATCHERS is the fan-out of the encode-once test. */
const WATCHERS = 100;

const podKey = (name: string, namespace = 'default') => `${PODS}${namespace}/${name}`;

function pod(name: string, labels: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
}

function attrs(obj: KubeObject): ObjectAttrs {
  return { labels: obj.metadata.labels, fields: { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' } };
}

function labelPredicate(selector: string): Predicate {
  const sel = parseLabelSelector(selector);
  return { empty: false, matches: (a) => sel.matches(a.labels) };
}

/** Frame is a parsed watch event as a client sees it. */
interface Frame {
  type: string;
  object: KubeObject;
}

/** MemorySink is a client that reads everything, or, with `backlog`, one that reads nothing. */
class MemorySink implements WatchSink {
  readonly chunks: string[] = [];
  closed = false;
  constructor(private readonly backlog = 0) {}
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
  buffered(): number {
    return this.backlog;
  }
  close(): void {
    this.closed = true;
  }
  get frames(): Frame[] {
    return this.chunks.map((c) => JSON.parse(c) as Frame);
  }
  /** summary renders frames as `TYPE name@rv`. */
  get summary(): string[] {
    return this.frames.map((f) => `${f.type} ${f.object.metadata.name ?? ''}@${f.object.metadata.resourceVersion ?? ''}`);
  }
}

/** countingEncoder is the real JSON encoder with its event renderings counted. */
function countingEncoder(counter: { events: number }, versionKey = 'v1'): WatchEncoder {
  const real = jsonWatchEncoder(versionKey, 'v1', 'Pod', (v) => v);
  return {
    key: real.key,
    event: (type, value) => {
      counter.events++;
      return real.event(type, value);
    },
    bookmark: (rev, end) => real.bookmark(rev, end),
  };
}

describe('WatchCache', () => {
  let dir: string;
  let storage: SqliteStorage;
  let cache: WatchCache;
  let clock: number;

  const newCache = async (opts: { windowSize?: number } = {}): Promise<WatchCache> => {
    cache = new WatchCache({ storage, prefix: PODS, attrs, now: () => clock, bookmarkIntervalMs: BOOKMARK_INTERVAL_MS, ...opts });
    await cache.start();
    return cache;
  };

  /** startWatch opens a watcher with defaults a test can override. */
  const startWatch = (opts: Partial<CacheWatchOptions> = {}) => {
    const sink = (opts.sink as MemorySink | undefined) ?? new MemorySink();
    const watcher = cache.watch({
      predicate: everything,
      encoder: countingEncoder({ events: 0 }),
      timeoutMs: WATCH_TIMEOUT_MS,
      ...opts,
      sink,
    });
    return { sink, watcher };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-cache-'));
    storage = new SqliteStorage({ file: path.join(dir, 'state.db'), durable: false });
    clock = T0;
  });

  afterEach(async () => {
    cache?.stop();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('start', () => {
    it('fills from the objects already stored and catches up with the store revision', async () => {
      const a = await storage.create(podKey('a'), pod('a'));
      const b = await storage.create(podKey('b', 'other'), pod('b', {}, 'other'));
      await storage.create('/registry/services/default/s', pod('s'));
      await newCache();
      assert.equal(cache.size, 2);
      assert.deepEqual(cache.get(podKey('a')), a);
      assert.deepEqual(cache.get(podKey('b', 'other')), b);
      assert.equal(cache.get('/registry/services/default/s'), undefined, 'another resource does not leak in');
      assert.equal(cache.currentRevision, await storage.currentRevision());
    });
  });

  describe('get and list', () => {
    it('serves reads from memory: they keep working after the storage is gone', async () => {
      await newCache();
      const a = await cache.create(podKey('a'), pod('a'));
      await cache.waitForRevision(a.rev, 1_000);
      await storage.close();
      assert.deepEqual(cache.get(podKey('a')), a);
      assert.deepEqual(cache.list({ predicate: everything }).items, [a]);
    });

    it('follows updates and deletes', async () => {
      await newCache();
      await cache.create(podKey('a'), pod('a', { v: '1' }));
      await cache.create(podKey('b'), pod('b'));
      const a2 = await cache.guaranteedUpdate(podKey('a'), (cur) => {
        const o = JSON.parse(cur.value) as KubeObject;
        o.metadata.labels = { v: '2' };
        return o;
      });
      const del = await cache.delete(podKey('b'));
      await cache.waitForRevision(del.rev, 1_000);
      assert.deepEqual(cache.get(podKey('a')), a2);
      assert.equal(cache.get(podKey('b')), undefined);
      assert.deepEqual(cache.list({ predicate: everything }).items.map((kv) => kv.key), [podKey('a')]);
      assert.equal(cache.currentRevision, del.rev);
    });

    it('lists in key order whatever order the writes came in', async () => {
      await newCache();
      for (const [n, ns] of [['m', 'default'], ['c', 'kube-system'], ['a', 'default'], ['z', 'apps'], ['b', 'default']]) {
        await cache.create(podKey(n, ns), pod(n, {}, ns));
      }
      const keys = cache.list({ predicate: everything }).items.map((kv) => kv.key);
      assert.deepEqual(keys, [podKey('z', 'apps'), podKey('a'), podKey('b'), podKey('m'), podKey('c', 'kube-system')]);
      // A later create that sorts first must not break the order.
      await cache.create(podKey('0', 'apps'), pod('0', {}, 'apps'));
      assert.equal(cache.list({ predicate: everything }).items[0].key, podKey('0', 'apps'));
    });

    it('narrows to a namespace by prefix without picking up a namespace that merely starts the same', async () => {
      await newCache();
      await cache.create(podKey('a'), pod('a'));
      await cache.create(podKey('b', 'default-2'), pod('b', {}, 'default-2'));
      await cache.create(podKey('c', 'defaul'), pod('c', {}, 'defaul'));
      const r = cache.list({ prefix: `${PODS}default/`, predicate: everything });
      assert.deepEqual(r.items.map((kv) => kv.key), [podKey('a')]);
    });

    it('filters by the predicate before applying the limit, and counts what the limit left out', async () => {
      await newCache();
      for (let i = 0; i < 10; i++) await cache.create(podKey(`p${i}`), pod(`p${i}`, { tier: i % 2 ? 'web' : 'db' }));
      const web = labelPredicate('tier=web');
      const page = cache.list({ predicate: web, limit: 2 });
      assert.deepEqual(page.items.map((kv) => kv.key), [podKey('p1'), podKey('p3')]);
      assert.equal(page.more, true);
      assert.equal(page.remaining, 3, 'p5, p7 and p9 match but were left out');
      const rest = cache.list({ predicate: web, after: podKey('p3') });
      assert.deepEqual(rest.items.map((kv) => kv.key), [podKey('p5'), podKey('p7'), podKey('p9')]);
      assert.equal(rest.more, false);
      assert.equal(rest.remaining, 0);
      assert.equal(page.revision, cache.currentRevision);
    });
  });

  describe('watch', () => {
    it('replays the events after a revision exactly once and in order, then streams live', async () => {
      await newCache();
      const a = await cache.create(podKey('a'), pod('a'));
      const b = await cache.create(podKey('b'), pod('b'));
      const a2 = await cache.guaranteedUpdate(podKey('a'), (cur) => ({ ...JSON.parse(cur.value), spec: { containers: [] } }));
      const bDel = await cache.delete(podKey('b'));
      const { sink } = startWatch({ from: a.rev });
      const c = await cache.create(podKey('c'), pod('c'));
      assert.deepEqual(sink.summary, [`ADDED b@${b.rev}`, `MODIFIED a@${a2.rev}`, `DELETED b@${bDel.rev}`, `ADDED c@${c.rev}`]);
    });

    it('refuses to resume from a revision that has left the window with Compacted, instead of skipping events', async () => {
      await newCache({ windowSize: 3 });
      const revs: number[] = [];
      for (let i = 0; i < 5; i++) revs.push((await cache.create(podKey(`p${i}`), pod(`p${i}`))).rev);
      // The window holds the last three events; the one before them is where a resume may start.
      assert.equal(cache.oldestResumable, revs[1]);
      assert.throws(
        () => startWatch({ from: revs[0] }),
        (e) => isStorageError(e, 'Compacted'),
      );
      const { sink } = startWatch({ from: revs[1] });
      assert.deepEqual(sink.summary, [`ADDED p2@${revs[2]}`, `ADDED p3@${revs[3]}`, `ADDED p4@${revs[4]}`]);
    });

    it('never sends an event at or before the revision a watch resumes from, even one the cache had not reached', async () => {
      await newCache();
      const from = cache.currentRevision + 2;
      const { sink } = startWatch({ from });
      await cache.create(podKey('a'), pod('a'));
      await cache.create(podKey('b'), pod('b'));
      const c = await cache.create(podKey('c'), pod('c'));
      assert.equal(c.rev, from + 1);
      assert.deepEqual(sink.summary, [`ADDED c@${c.rev}`], 'the client said it had seen everything up to its resourceVersion');
    });

    it('starts a watch without a revision with ADDED for every existing object, then live events', async () => {
      await storage.create(podKey('b'), pod('b'));
      await storage.create(podKey('a'), pod('a'));
      await newCache();
      const c0 = await cache.create(podKey('c', 'other'), pod('c', {}, 'other'));
      const { sink } = startWatch({ prefix: `${PODS}default/` });
      assert.deepEqual(sink.summary.map((s) => s.split('@')[0]), ['ADDED a', 'ADDED b']);
      const d = await cache.create(podKey('d'), pod('d'));
      const aDel = await cache.delete(podKey('a'));
      assert.deepEqual(sink.summary.slice(2), [`ADDED d@${d.rev}`, `DELETED a@${aDel.rev}`]);
      assert.ok(c0.rev > 0);
    });

    it('ends the initial events of a streaming list with a bookmark annotated initial-events-end at the current revision', async () => {
      await storage.create(podKey('a'), pod('a'));
      await newCache();
      await storage.create('/registry/services/default/s', pod('s')); // moves the revision, not the pods
      const { sink } = startWatch({ initialEventsEnd: true, bookmarks: true });
      const frames = sink.frames;
      assert.equal(frames.length, 2);
      assert.equal(frames[0].type, 'ADDED');
      assert.equal(frames[1].type, 'BOOKMARK');
      assert.equal(frames[1].object.metadata.resourceVersion, String(cache.currentRevision));
      assert.deepEqual(frames[1].object.metadata.annotations, { [INITIAL_EVENTS_END_ANNOTATION]: 'true' });
    });

    it('sends bookmarks on schedule by the injected clock, and only to watchers that asked', async () => {
      await newCache();
      const asked = startWatch({ from: cache.currentRevision, bookmarks: true });
      const silent = startWatch({ from: cache.currentRevision });
      const bookmarks = () => asked.sink.frames.filter((f) => f.type === 'BOOKMARK');

      clock = T0 + BOOKMARK_INTERVAL_MS - 1;
      cache.sendBookmarks();
      assert.equal(bookmarks().length, 0, 'no bookmark before the interval');

      clock = T0 + BOOKMARK_INTERVAL_MS;
      cache.sendBookmarks();
      assert.equal(bookmarks().length, 1);
      assert.equal(bookmarks()[0].object.metadata.resourceVersion, String(cache.currentRevision));
      assert.equal(bookmarks()[0].object.metadata.annotations, undefined, 'a periodic bookmark does not end initial events');

      const moved = await storage.create('/registry/services/default/s', pod('s'));
      clock = T0 + 2 * BOOKMARK_INTERVAL_MS - 1;
      cache.sendBookmarks();
      assert.equal(bookmarks().length, 1);
      clock = T0 + 2 * BOOKMARK_INTERVAL_MS;
      cache.sendBookmarks();
      assert.equal(bookmarks().length, 2);
      assert.equal(bookmarks()[1].object.metadata.resourceVersion, String(moved.rev), 'a bookmark carries the newest revision');
      assert.deepEqual(silent.sink.chunks, []);
    });

    it('sends a bookmark shortly before the watch deadline when that comes before the interval', async () => {
      await newCache();
      const timeoutMs = 30_000;
      const { sink } = startWatch({ from: cache.currentRevision, bookmarks: true, timeoutMs });
      clock = T0 + timeoutMs - 2_001;
      cache.sendBookmarks();
      assert.equal(sink.chunks.length, 0);
      clock = T0 + timeoutMs - 2_000;
      cache.sendBookmarks();
      assert.deepEqual(sink.frames.map((f) => f.type), ['BOOKMARK']);
    });

    it('drops a watcher whose client stopped reading, instead of buffering for it or slowing the others', async () => {
      await newCache();
      const slow = startWatch({ from: cache.currentRevision, sink: new MemorySink(MAX_BUFFERED + 1) });
      const fast = startWatch({ from: cache.currentRevision });
      assert.equal(cache.watcherCount, 2);
      await cache.create(podKey('a'), pod('a'));
      assert.equal(slow.sink.closed, true, 'the slow client must be disconnected so it relists');
      assert.equal(slow.watcher.active, false);
      assert.equal(cache.watcherCount, 1);
      await cache.create(podKey('b'), pod('b'));
      assert.equal(slow.sink.chunks.length, 1, 'nothing more is queued for a dropped watcher');
      assert.deepEqual(fast.sink.summary.map((s) => s.split('@')[0]), ['ADDED a', 'ADDED b']);
      assert.equal(fast.sink.closed, false);
    });

    it('turns selector transitions into ADDED and DELETED for that watcher', async () => {
      await newCache();
      const { sink } = startWatch({ from: cache.currentRevision, predicate: labelPredicate('app=web') });
      const relabel = (name: string, app: string) =>
        cache.guaranteedUpdate(podKey(name), (cur) => {
          const o = JSON.parse(cur.value) as KubeObject;
          o.metadata.labels = { app };
          return o;
        });
      await cache.create(podKey('p'), pod('p', { app: 'api' })); // not matching: nothing
      const joins = await relabel('p', 'web'); // starts matching: ADDED
      const stays = await cache.guaranteedUpdate(podKey('p'), (cur) => ({ ...JSON.parse(cur.value), spec: { containers: [] } })); // MODIFIED
      const leaves = await relabel('p', 'api'); // stops matching: DELETED
      await cache.delete(podKey('p')); // was not matching: nothing
      const q = await cache.create(podKey('q'), pod('q', { app: 'web' }));
      const qDel = await cache.delete(podKey('q'));
      assert.deepEqual(sink.summary, [
        `ADDED p@${joins.rev}`,
        `MODIFIED p@${stays.rev}`,
        `DELETED p@${leaves.rev}`,
        `ADDED q@${q.rev}`,
        `DELETED q@${qDel.rev}`,
      ]);
      // As upstream's cacheWatcher: the DELETED of a transition carries the last state the
      // watcher was entitled to see (the one that matched), at the revision of the change.
      assert.deepEqual(sink.frames[2].object.metadata.labels, { app: 'web' }, 'a selector watcher must not receive an object outside its selector');
      assert.equal(sink.frames[2].object.metadata.resourceVersion, String(leaves.rev));
    });

    it('sends only matching objects as initial events', async () => {
      await storage.create(podKey('a'), pod('a', { app: 'web' }));
      await storage.create(podKey('b'), pod('b', { app: 'api' }));
      await newCache();
      const { sink } = startWatch({ predicate: labelPredicate('app=web') });
      assert.deepEqual(sink.summary.map((s) => s.split('@')[0]), ['ADDED a']);
    });

    it(`encodes each event once per encoder key and event type, even with ${WATCHERS} watchers`, async () => {
      await newCache();
      const json = { events: 0 };
      const other = { events: 0 };
      const web = labelPredicate('app=web');
      const sinks: MemorySink[] = [];
      for (let i = 0; i < WATCHERS; i++) {
        // Every watcher has its own encoder object; the key is what they share.
        const encoder = i % 4 === 3 ? countingEncoder(other, 'v2') : countingEncoder(json);
        sinks.push(startWatch({ from: cache.currentRevision, encoder, predicate: i % 2 ? web : everything }).sink);
      }
      await cache.create(podKey('p'), pod('p', { app: 'api' }));
      assert.equal(json.events, 1, 'one ADDED rendering for the v1 watchers that see it');
      assert.equal(other.events, 0, 'the v2 watchers all filter it out');
      // Matching for half the watchers: ADDED for them, MODIFIED for the unfiltered ones.
      await cache.guaranteedUpdate(podKey('p'), (cur) => {
        const o = JSON.parse(cur.value) as KubeObject;
        o.metadata.labels = { app: 'web' };
        return o;
      });
      assert.equal(json.events, 1 + 2, 'one ADDED and one MODIFIED rendering');
      assert.equal(other.events, 1, 'the v2 watchers share one ADDED rendering');
      const frames = sinks.map((s) => s.chunks.join(''));
      assert.equal(new Set(frames.filter((_, i) => i % 4 === 0)).size, 1, 'watchers of one key and predicate got identical bytes');
    });

    it('stops watching on stop() and forgets the watcher', async () => {
      await newCache();
      const { sink, watcher } = startWatch({ from: cache.currentRevision });
      watcher.stop();
      assert.equal(sink.closed, true);
      assert.equal(cache.watcherCount, 0);
      await cache.create(podKey('a'), pod('a'));
      assert.deepEqual(sink.chunks, []);
    });
  });

  describe('waitForRevision', () => {
    it('resolves at once when the cache is caught up', async () => {
      await newCache();
      const a = await cache.create(podKey('a'), pod('a'));
      await cache.waitForRevision(a.rev, 1);
    });

    it('resolves when a later write arrives, even one to another resource', async () => {
      await newCache();
      const target = cache.currentRevision + 1;
      const waiting = cache.waitForRevision(target, 5_000);
      await storage.create('/registry/services/default/s', pod('s'));
      await waiting;
      assert.equal(cache.currentRevision, target);
    });

    it('rejects with TooLargeResourceVersion after its timeout for a revision that never comes', async () => {
      await newCache();
      const started = Date.now();
      await assert.rejects(cache.waitForRevision(cache.currentRevision + 100, 50), (e) => isStorageError(e, 'TooLargeResourceVersion'));
      const waited = Date.now() - started;
      assert.ok(waited >= 45 && waited < 2_000, `waited ${waited} ms for a 50 ms timeout`);
    });
  });
});

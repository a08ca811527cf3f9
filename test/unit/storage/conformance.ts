/**
 * storageConformance is the contract every Storage backend must pass unchanged: SQLite today,
 * etcd and the watch cache later. It only talks to the Storage interface and never assumes that
 * events arrive synchronously, so a backend whose watch is fed over the network passes as well
 * as one that publishes inside its commit.
 *
 * Each test names the failure it prevents; the keys live under /registry/<resource>/ as the
 * registry lays them out.
 */

import * as assert from 'node:assert/strict';

import type { KubeObject } from '../../../src/meta/object';
import { StorageError, isStorageError, type StorageErrorCode } from '../../../src/storage/errors';
import type { KeyValue, Storage, StorageEvent, WatchHandle } from '../../../src/storage/interface';

/** StorageUnderTest is one fresh, empty backend and how to dispose of it. */
export interface StorageUnderTest {
  storage: Storage;
  cleanup(): Promise<void>;
}

/** EVENT_WAIT_MS bounds how long a test waits for an asynchronous watch event before failing. */
const EVENT_WAIT_MS = 5_000;
/** CONCURRENT_UPDATERS is how many writers race on one counter in the lost-update test. */
const CONCURRENT_UPDATERS = 20;

const CONFIGMAPS = '/registry/configmaps/';
const SECRETS = '/registry/secrets/';

/** cmKey is the key of a configmap in a namespace. */
export function cmKey(name: string, namespace = 'default'): string {
  return `${CONFIGMAPS}${namespace}/${name}`;
}

/** configMap is a minimal object with a data payload. */
export function configMap(name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** parse reads a stored value. */
export function parse(kv: { value: string }): KubeObject & { data?: Record<string, string> } {
  return JSON.parse(kv.value) as KubeObject & { data?: Record<string, string> };
}

/** until polls a condition; backends may deliver watch events after the write resolves. */
export async function until(what: string, cond: () => boolean, timeoutMs = EVENT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** rejectsWith asserts a promise fails with a StorageError of that code and returns it. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isStorageError(e), `expected a StorageError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected a StorageError ${code}, but the call succeeded`);
}

/** Recorder collects what a watch delivers. */
export interface Recorder {
  events: StorageEvent[];
  progress: number[];
  errors: Error[];
  handle: WatchHandle;
}

/** record starts a watch that remembers everything it is told. */
export function record(storage: Storage, prefix: string, from: number): Recorder {
  const r = { events: [] as StorageEvent[], progress: [] as number[], errors: [] as Error[] } as Recorder;
  r.handle = storage.watch(prefix, from, {
    event: (e) => void r.events.push(e),
    progress: (rev) => void r.progress.push(rev),
    error: (err) => void r.errors.push(err),
  });
  return r;
}

/**
 * watchFailure returns the error a watch ends with: thrown at once (SQLite) or reported through
 * the error callback (a remote backend learns of compaction from its server).
 */
async function watchFailure(storage: Storage, prefix: string, from: number): Promise<unknown> {
  let r: Recorder;
  try {
    r = record(storage, prefix, from);
  } catch (e) {
    return e;
  }
  try {
    await until('the watch to fail', () => r.errors.length > 0);
  } finally {
    r.handle.stop();
  }
  assert.equal(r.events.length, 0, 'a watch from a compacted revision must not deliver events');
  return r.errors[0];
}

/** summary renders events as `TYPE key@rev` for readable assertion failures. */
function summary(events: readonly StorageEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.key}@${e.rev}`);
}

/** increment is a tryUpdate that adds one to data.count. */
function increment(cur: KeyValue): KubeObject {
  const o = parse(cur);
  o.data = { ...o.data, count: String(Number(o.data?.count ?? '0') + 1) };
  return o;
}

export function storageConformance(name: string, make: () => Promise<StorageUnderTest>): void {
  describe(`storage conformance: ${name}`, () => {
    let sut: StorageUnderTest;
    let storage: Storage;
    const recorders: Recorder[] = [];

    beforeEach(async () => {
      sut = await make();
      storage = sut.storage;
    });

    afterEach(async () => {
      for (const r of recorders.splice(0)) r.handle.stop();
      await sut.cleanup();
    });

    const watch = (prefix: string, from: number): Recorder => {
      const r = record(storage, prefix, from);
      recorders.push(r);
      return r;
    };

    describe('create', () => {
      it('stamps metadata.resourceVersion with the revision it returns, so reads never disagree with the write', async () => {
        const kv = await storage.create(cmKey('a'), configMap('a', { k: 'v' }));
        assert.equal(kv.key, cmKey('a'));
        assert.ok(Number.isInteger(kv.rev) && kv.rev > 0, `revision ${kv.rev} must be a positive integer`);
        const stored = parse(kv);
        assert.equal(stored.metadata.resourceVersion, String(kv.rev));
        assert.deepEqual(stored.data, { k: 'v' });
        const got = await storage.get(cmKey('a'));
        assert.deepEqual(got, kv);
      });

      it('refuses an existing key with KeyExists instead of overwriting it', async () => {
        const first = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        await rejectsWith(storage.create(cmKey('a'), configMap('a', { v: '2' })), 'KeyExists');
        assert.deepEqual(await storage.get(cmKey('a')), first);
        assert.equal(await storage.currentRevision(), first.rev, 'a refused create must not consume a revision');
      });

      it('accepts a key again once it was deleted', async () => {
        await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const del = await storage.delete(cmKey('a'));
        const again = await storage.create(cmKey('a'), configMap('a', { v: '2' }));
        assert.ok(again.rev > del.rev);
        assert.deepEqual(parse((await storage.get(cmKey('a')))!).data, { v: '2' });
      });
    });

    describe('get', () => {
      it('returns undefined for a key that was never written', async () => {
        assert.equal(await storage.get(cmKey('nothing')), undefined);
      });

      it('returns the newest value, not an older one', async () => {
        await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const updated = await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        assert.deepEqual(await storage.get(cmKey('a')), updated);
      });

      it('returns undefined for a deleted key instead of its tombstone', async () => {
        await storage.create(cmKey('a'), configMap('a'));
        await storage.delete(cmKey('a'));
        assert.equal(await storage.get(cmKey('a')), undefined);
      });
    });

    describe('list', () => {
      it('returns the keys under the prefix in key order, not in write order', async () => {
        for (const n of ['c', 'a', 'd', 'b']) await storage.create(cmKey(n), configMap(n));
        // Neighbours that share a string prefix but are outside the listed folder.
        await storage.create(cmKey('z', 'default-other'), configMap('z', {}, 'default-other'));
        await storage.create(`${SECRETS}default/a`, configMap('a'));
        const r = await storage.list(`${CONFIGMAPS}default/`);
        assert.deepEqual(r.items.map((kv) => kv.key), ['a', 'b', 'c', 'd'].map((n) => cmKey(n)));
        assert.equal(r.more, false);
        assert.equal(r.revision, await storage.currentRevision());
        for (const kv of r.items) assert.equal(parse(kv).metadata.resourceVersion, String(kv.rev));
      });

      it('pages with limit and after without skipping or repeating a key', async () => {
        const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
        for (const n of names) await storage.create(cmKey(n), configMap(n));
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        for (;;) {
          const r = await storage.list(CONFIGMAPS, { limit: 3, after });
          pages++;
          seen.push(...r.items.map((kv) => kv.key));
          if (!r.more) break;
          assert.equal(r.items.length, 3, 'a page that says more must be full');
          after = r.items[r.items.length - 1].key;
        }
        assert.equal(pages, 3);
        assert.deepEqual(seen, names.map((n) => cmKey(n)));
      });

      it('says more only when items were really left out', async () => {
        for (const n of ['a', 'b', 'c']) await storage.create(cmKey(n), configMap(n));
        const exact = await storage.list(CONFIGMAPS, { limit: 3 });
        assert.equal(exact.items.length, 3);
        assert.equal(exact.more, false, 'a limit equal to the number of items leaves nothing out');
      });

      it('applies the filter before the limit, so a filtered page is never short', async () => {
        for (let i = 0; i < 10; i++) await storage.create(cmKey(`cm-${i}`), configMap(`cm-${i}`, { parity: i % 2 ? 'odd' : 'even' }));
        const filter = (kv: KeyValue) => parse(kv).data?.parity === 'odd';
        const r = await storage.list(CONFIGMAPS, { limit: 2, filter });
        assert.deepEqual(r.items.map((kv) => kv.key), [cmKey('cm-1'), cmKey('cm-3')]);
        assert.equal(r.more, true);
        const rest = await storage.list(CONFIGMAPS, { after: cmKey('cm-3'), filter });
        assert.deepEqual(rest.items.map((kv) => kv.key), [cmKey('cm-5'), cmKey('cm-7'), cmKey('cm-9')]);
        assert.equal(rest.more, false);
      });

      it('lists the state as of an older revision, including keys deleted since and excluding keys created since', async () => {
        const a1 = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const b1 = await storage.create(cmKey('b'), configMap('b', { v: '1' }));
        const then = b1.rev;
        await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        await storage.delete(cmKey('b'));
        await storage.create(cmKey('c'), configMap('c'));

        const old = await storage.list(CONFIGMAPS, { revision: then });
        assert.equal(old.revision, then);
        assert.deepEqual(old.items, [a1, b1], 'the old list must show a as it was and b, deleted since');

        const now = await storage.list(CONFIGMAPS);
        assert.deepEqual(now.items.map((kv) => [kv.key, parse(kv).data]), [
          [cmKey('a'), { v: '2' }],
          [cmKey('c'), {}],
        ]);
      });

      it('pages through an older revision with after and limit, as continue tokens do', async () => {
        for (const n of ['a', 'b', 'c', 'd']) await storage.create(cmKey(n), configMap(n));
        const then = await storage.currentRevision();
        await storage.delete(cmKey('b'));
        await storage.delete(cmKey('c'));
        await storage.create(cmKey('bb'), configMap('bb'));
        const first = await storage.list(CONFIGMAPS, { revision: then, limit: 2 });
        assert.deepEqual(first.items.map((kv) => kv.key), [cmKey('a'), cmKey('b')]);
        assert.equal(first.more, true);
        const second = await storage.list(CONFIGMAPS, { revision: then, limit: 2, after: cmKey('b') });
        assert.deepEqual(second.items.map((kv) => kv.key), [cmKey('c'), cmKey('d')]);
        assert.equal(second.more, false);
      });

      it('refuses a revision newer than the store instead of answering with the current state', async () => {
        await storage.create(cmKey('a'), configMap('a'));
        const current = await storage.currentRevision();
        await rejectsWith(storage.list(CONFIGMAPS, { revision: current + 10 }), 'TooLargeResourceVersion');
      });
    });

    describe('guaranteedUpdate', () => {
      it('stores what tryUpdate returns at a new revision and hands tryUpdate the current value', async () => {
        const created = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const seen: KeyValue[] = [];
        const kv = await storage.guaranteedUpdate(cmKey('a'), (cur) => {
          seen.push(cur);
          return { ...parse(cur), data: { v: '2' } };
        });
        assert.deepEqual(seen, [created]);
        assert.ok(kv.rev > created.rev);
        assert.equal(parse(kv).metadata.resourceVersion, String(kv.rev));
        assert.deepEqual(parse(kv).data, { v: '2' });
      });

      it('re-runs tryUpdate on the fresh state when a concurrent writer wins, keeping both changes', async () => {
        await storage.create(cmKey('a'), configMap('a', {}));
        let attempts = 0;
        const seenRevs: number[] = [];
        const kv = await storage.guaranteedUpdate(cmKey('a'), async (cur) => {
          attempts++;
          seenRevs.push(cur.rev);
          if (attempts === 1) {
            // Another updater commits while this one is still computing from the old state.
            await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { ...parse(c).data, other: 'yes' } }));
          }
          return { ...parse(cur), data: { ...parse(cur).data, mine: 'yes' } };
        });
        assert.equal(attempts, 2, 'tryUpdate must run again after losing the race');
        assert.ok(seenRevs[1] > seenRevs[0], 'the retry must start from the winner\'s revision');
        assert.deepEqual(parse(kv).data, { other: 'yes', mine: 'yes' });
        assert.deepEqual(await storage.get(cmKey('a')), kv);
      });

      it(`never loses an update: ${CONCURRENT_UPDATERS} concurrent increments end at ${CONCURRENT_UPDATERS}`, async () => {
        await storage.create(cmKey('counter'), configMap('counter', { count: '0' }));
        const results = await Promise.all(
          Array.from({ length: CONCURRENT_UPDATERS }, () => storage.guaranteedUpdate(cmKey('counter'), increment)),
        );
        const final = await storage.get(cmKey('counter'));
        assert.equal(parse(final!).data?.count, String(CONCURRENT_UPDATERS));
        const counts = results.map((kv) => Number(parse(kv).data?.count)).sort((x, y) => x - y);
        assert.deepEqual(counts, Array.from({ length: CONCURRENT_UPDATERS }, (_, i) => i + 1), 'each updater must see its own increment');
        assert.equal(new Set(results.map((kv) => kv.rev)).size, CONCURRENT_UPDATERS, 'each update has its own revision');
      });

      it('writes nothing when tryUpdate returns undefined', async () => {
        const created = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const before = await storage.currentRevision();
        const w = watch(CONFIGMAPS, before);
        const kv = await storage.guaranteedUpdate(cmKey('a'), () => undefined);
        assert.deepEqual(kv, created);
        assert.equal(await storage.currentRevision(), before, 'a no-op update must not consume a revision');
        // A later real write proves the watch is live; the no-op must not have produced an event before it.
        const real = await storage.create(cmKey('b'), configMap('b'));
        await until('the later event', () => w.events.length >= 1);
        assert.deepEqual(summary(w.events), [`ADDED ${cmKey('b')}@${real.rev}`]);
      });

      it('starts from cachedExisting but notices that it is stale and retries on the stored value', async () => {
        const stale = await storage.create(cmKey('a'), configMap('a', { count: '0' }));
        await storage.guaranteedUpdate(cmKey('a'), increment);
        const kv = await storage.guaranteedUpdate(cmKey('a'), increment, { cachedExisting: stale });
        assert.equal(parse(kv).data?.count, '2', 'an update computed from a stale cache must not overwrite the newer value');
      });

      it('re-reads instead of failing when tryUpdate refuses a stale cachedExisting', async () => {
        // The watch cache hands its copy in as cachedExisting; a precondition checked against a
        // copy that is behind must not turn into a spurious error for the client.
        const stale = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const fresh = await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        const seen: number[] = [];
        const kv = await storage.guaranteedUpdate(
          cmKey('a'),
          (cur) => {
            seen.push(cur.rev);
            if (parse(cur).data?.v !== '2') throw new Error(`precondition failed on v=${parse(cur).data?.v}`);
            return { ...parse(cur), data: { v: '3' } };
          },
          { cachedExisting: stale },
        );
        assert.deepEqual(parse(kv).data, { v: '3' });
        assert.equal(seen[seen.length - 1], fresh.rev, 'the last attempt must see the stored value');
      });

      it('does not take a no-op on a stale cachedExisting for the answer: it re-reads and re-runs tryUpdate', async () => {
        const stale = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        // "Make v be 1": nothing to do on the stale copy, something to do on the stored value.
        const ensureOne = (cur: KeyValue) => (parse(cur).data?.v === '1' ? undefined : { ...parse(cur), data: { v: '1' } });
        const kv = await storage.guaranteedUpdate(cmKey('a'), ensureOne, { cachedExisting: stale });
        assert.deepEqual(parse((await storage.get(cmKey('a')))!).data, { v: '1' }, 'the update was lost');
        assert.deepEqual(await storage.get(cmKey('a')), kv);
      });

      it('fails with KeyNotFound for a missing key without calling tryUpdate', async () => {
        let called = false;
        await rejectsWith(
          storage.guaranteedUpdate(cmKey('missing'), (cur) => {
            called = true;
            return parse(cur);
          }),
          'KeyNotFound',
        );
        assert.equal(called, false);
      });

      it('passes an error thrown by tryUpdate through, writing nothing', async () => {
        const created = await storage.create(cmKey('a'), configMap('a'));
        const boom = new Error('refused by validation');
        await assert.rejects(
          storage.guaranteedUpdate(cmKey('a'), () => {
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.deepEqual(await storage.get(cmKey('a')), created);
      });
    });

    describe('delete', () => {
      it('returns the last value stamped with the deletion revision', async () => {
        await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const last = await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        const del = await storage.delete(cmKey('a'));
        assert.equal(del.key, cmKey('a'));
        assert.ok(del.rev > last.rev, 'the deletion has a revision of its own');
        const obj = parse(del);
        assert.equal(obj.metadata.resourceVersion, String(del.rev));
        assert.deepEqual({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } }, {
          ...parse(last),
          metadata: { ...parse(last).metadata, resourceVersion: undefined },
        });
        assert.equal(await storage.currentRevision(), del.rev);
      });

      it('reports KeyNotFound for a key already deleted and for one never written', async () => {
        await storage.create(cmKey('a'), configMap('a'));
        await storage.delete(cmKey('a'));
        await rejectsWith(storage.delete(cmKey('a')), 'KeyNotFound');
        await rejectsWith(storage.delete(cmKey('never')), 'KeyNotFound');
      });

      it('keeps the key when validate refuses the delete', async () => {
        const created = await storage.create(cmKey('a'), configMap('a'));
        const refusal = new Error('precondition failed');
        await assert.rejects(
          storage.delete(cmKey('a'), {
            validate: () => {
              throw refusal;
            },
          }),
          (e) => e === refusal,
        );
        assert.deepEqual(await storage.get(cmKey('a')), created);
      });

      it('re-reads instead of refusing when validate fails on a stale cachedExisting', async () => {
        const stale = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        // A precondition on the version the client saw: it holds for the stored value only.
        const del = await storage.delete(cmKey('a'), {
          cachedExisting: stale,
          validate: (cur) => {
            if (parse(cur).data?.v !== '2') throw new Error(`precondition failed on v=${parse(cur).data?.v}`);
          },
        });
        assert.deepEqual(parse(del).data, { v: '2' });
        assert.equal(await storage.get(cmKey('a')), undefined);
      });

      it('validates against the stored value when cachedExisting is stale', async () => {
        const stale = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const fresh = await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '2' } }));
        const validated: number[] = [];
        const del = await storage.delete(cmKey('a'), { cachedExisting: stale, validate: (cur) => void validated.push(cur.rev) });
        assert.equal(validated[validated.length - 1], fresh.rev, 'the last validation must see the value actually deleted');
        assert.deepEqual(parse(del).data, { v: '2' }, 'the deleted value is the stored one, not the stale copy');
      });
    });

    describe('revisions', () => {
      it('strictly increase across keys and resources, and currentRevision is the newest', async () => {
        const revs: number[] = [];
        revs.push((await storage.create(cmKey('a'), configMap('a'))).rev);
        revs.push((await storage.create(`${SECRETS}default/s`, configMap('s'))).rev);
        revs.push((await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { x: '1' } }))).rev);
        revs.push((await storage.create(cmKey('b', 'kube-system'), configMap('b', {}, 'kube-system'))).rev);
        revs.push((await storage.delete(`${SECRETS}default/s`)).rev);
        revs.push((await storage.create(`${SECRETS}default/t`, configMap('t'))).rev);
        for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `revisions must increase: ${revs.join(', ')}`);
        assert.equal(await storage.currentRevision(), revs[revs.length - 1]);
      });

      it('gives concurrent writes to different keys distinct revisions', async () => {
        const kvs = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            i % 2 ? storage.create(cmKey(`cm-${i}`), configMap(`cm-${i}`)) : storage.create(`${SECRETS}default/s-${i}`, configMap(`s-${i}`)),
          ),
        );
        assert.equal(new Set(kvs.map((kv) => kv.rev)).size, kvs.length);
        assert.equal(await storage.currentRevision(), Math.max(...kvs.map((kv) => kv.rev)));
      });
    });

    describe('watch', () => {
      it('replays every event after the revision exactly once and in order, then continues live', async () => {
        const a = await storage.create(cmKey('a'), configMap('a'));
        const b = await storage.create(cmKey('b'), configMap('b'));
        const a2 = await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '2' } }));
        const bDel = await storage.delete(cmKey('b'));

        const w = watch(CONFIGMAPS, a.rev);
        await until('the replay', () => w.events.length >= 3);
        const c = await storage.create(cmKey('c'), configMap('c'));
        const a3 = await storage.guaranteedUpdate(cmKey('a'), (cur) => ({ ...parse(cur), data: { v: '3' } }));
        await until('the live events', () => w.events.length >= 5);
        // Give a duplicating backend the chance to show it.
        await new Promise((r) => setTimeout(r, 50));

        assert.deepEqual(summary(w.events), [
          `ADDED ${cmKey('b')}@${b.rev}`,
          `MODIFIED ${cmKey('a')}@${a2.rev}`,
          `DELETED ${cmKey('b')}@${bDel.rev}`,
          `ADDED ${cmKey('c')}@${c.rev}`,
          `MODIFIED ${cmKey('a')}@${a3.rev}`,
        ]);
        for (const e of w.events) assert.equal(JSON.parse(e.value).metadata.resourceVersion, String(e.rev), `${e.type} ${e.key}`);
        assert.equal(w.events[2].value, bDel.value, 'DELETED carries the last state at the deletion revision');
        assert.deepEqual(w.errors, []);
      });

      it('neither loses nor repeats writes that were in flight when the watch started', async () => {
        const pending = Array.from({ length: 20 }, (_, i) => storage.create(cmKey(`cm-${String(i).padStart(2, '0')}`), configMap(`cm-${i}`)));
        const firstHalf = await Promise.all(pending.slice(0, 10));
        const from = firstHalf[4].rev;
        const w = watch(CONFIGMAPS, from);
        const all = await Promise.all(pending);
        const more = await storage.create(cmKey('late'), configMap('late'));
        const expected = [...all.filter((kv) => kv.rev > from), more].sort((x, y) => x.rev - y.rev).map((kv) => `ADDED ${kv.key}@${kv.rev}`);
        await until('every event', () => w.events.length >= expected.length);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(summary(w.events), expected);
      });

      it('delivers only keys under its prefix', async () => {
        const from = await storage.currentRevision();
        const w = watch(`${CONFIGMAPS}default/`, from);
        await storage.create(cmKey('x', 'default-other'), configMap('x', {}, 'default-other'));
        await storage.create(`${SECRETS}default/x`, configMap('x'));
        const mine = await storage.create(cmKey('x'), configMap('x'));
        await until('the event under the prefix', () => w.events.length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(summary(w.events), [`ADDED ${cmKey('x')}@${mine.rev}`]);
      });

      it('streams live from the current revision without replaying older events', async () => {
        await storage.create(cmKey('old'), configMap('old'));
        const w = watch(CONFIGMAPS, await storage.currentRevision());
        const fresh = await storage.create(cmKey('new'), configMap('new'));
        await until('the live event', () => w.events.length >= 1);
        assert.deepEqual(summary(w.events), [`ADDED ${cmKey('new')}@${fresh.rev}`]);
      });

      it('never delivers an event at or before its start revision, even one written after the watch began', async () => {
        // A client resuming from a resourceVersion has seen everything up to it; etcd starts such
        // a watch at from+1 however far ahead that is.
        const from = (await storage.currentRevision()) + 2;
        const w = watch(CONFIGMAPS, from);
        await storage.create(cmKey('a'), configMap('a'));
        await storage.create(cmKey('b'), configMap('b'));
        const c = await storage.create(cmKey('c'), configMap('c'));
        assert.equal(c.rev, from + 1);
        await until('the event after the start revision', () => w.events.some((e) => e.rev === c.rev));
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(summary(w.events), [`ADDED ${cmKey('c')}@${c.rev}`]);
      });

      it('reports progress up to the newest revision so quiet watchers can advance', async () => {
        const w = watch(CONFIGMAPS, await storage.currentRevision());
        const other = await storage.create(`${SECRETS}default/s`, configMap('s'));
        await until('progress past the other resource\'s write', () => w.progress.some((rev) => rev >= other.rev));
        assert.deepEqual(w.events, []);
      });

      it('stops delivering after stop()', async () => {
        const w = watch(CONFIGMAPS, await storage.currentRevision());
        await storage.create(cmKey('a'), configMap('a'));
        await until('the first event', () => w.events.length >= 1);
        w.handle.stop();
        await storage.create(cmKey('b'), configMap('b'));
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(w.events.length, 1);
      });
    });

    describe('compaction', () => {
      /** history writes a, b, c with updates and a deletion; returns revisions worth naming. */
      async function history() {
        const a1 = await storage.create(cmKey('a'), configMap('a', { v: '1' }));
        const b1 = await storage.create(cmKey('b'), configMap('b', { v: '1' }));
        const a2 = await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '2' } }));
        const bDel = await storage.delete(cmKey('b'));
        const a3 = await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '3' } }));
        const c1 = await storage.create(cmKey('c'), configMap('c', { v: '1' }));
        const a4 = await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '4' } }));
        return { a1, b1, a2, bDel, a3, c1, a4 };
      }

      it('refuses lists and watches from before the compacted revision with Compacted', async () => {
        const h = await history();
        await storage.compact(h.a3.rev);
        assert.equal(storage.compactedRevision(), h.a3.rev);
        for (const rev of [h.a1.rev, h.b1.rev, h.a2.rev, h.bDel.rev]) {
          await rejectsWith(storage.list(CONFIGMAPS, { revision: rev }), 'Compacted');
          const err = await watchFailure(storage, CONFIGMAPS, rev);
          assert.ok(isStorageError(err, 'Compacted'), `watch from ${rev}: expected Compacted, got ${String(err)}`);
        }
      });

      it('keeps the current state and the state at the compacted revision intact', async () => {
        const h = await history();
        const atTarget = await storage.list(CONFIGMAPS, { revision: h.a3.rev });
        const atC1 = await storage.list(CONFIGMAPS, { revision: h.c1.rev });
        const current = await storage.list(CONFIGMAPS);
        await storage.compact(h.a3.rev);
        assert.deepEqual(await storage.list(CONFIGMAPS, { revision: h.a3.rev }), atTarget);
        assert.deepEqual(await storage.list(CONFIGMAPS, { revision: h.c1.rev }), atC1);
        assert.deepEqual(await storage.list(CONFIGMAPS), current);
        assert.deepEqual(await storage.get(cmKey('a')), h.a4);
        assert.equal(await storage.get(cmKey('b')), undefined);
        assert.deepEqual(await storage.get(cmKey('c')), h.c1);
      });

      it('forgets superseded values: every revision before the compaction becomes unreadable, every later one stays', async () => {
        const h = await history();
        const before = new Map<number, string[]>();
        const last = await storage.currentRevision();
        for (let rev = h.a1.rev; rev <= last; rev++) {
          before.set(rev, (await storage.list(CONFIGMAPS, { revision: rev })).items.map((kv) => kv.value));
        }
        await storage.compact(h.a3.rev);
        let readable = 0;
        for (let rev = h.a1.rev; rev <= last; rev++) {
          if (rev < h.a3.rev) {
            await rejectsWith(storage.list(CONFIGMAPS, { revision: rev }), 'Compacted');
          } else {
            const values = (await storage.list(CONFIGMAPS, { revision: rev })).items.map((kv) => kv.value);
            assert.deepEqual(values, before.get(rev), `state at ${rev} changed by compaction`);
            readable++;
          }
        }
        assert.equal(readable, last - h.a3.rev + 1);
      });

      it('lets a watch resume from the compacted revision itself and replays everything after it', async () => {
        const h = await history();
        await storage.compact(h.a3.rev);
        const w = watch(CONFIGMAPS, h.a3.rev);
        await until('the replay', () => w.events.length >= 2);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(summary(w.events), [`ADDED ${cmKey('c')}@${h.c1.rev}`, `MODIFIED ${cmKey('a')}@${h.a4.rev}`]);
      });

      it('keeps accepting writes after compaction, including updates of compacted keys', async () => {
        const h = await history();
        await storage.compact(await storage.currentRevision());
        const a5 = await storage.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '5' } }));
        assert.ok(a5.rev > h.a4.rev);
        const b = await storage.create(cmKey('b'), configMap('b', { v: 'again' }));
        assert.ok(b.rev > a5.rev);
        await storage.delete(cmKey('c'));
        assert.deepEqual((await storage.list(CONFIGMAPS)).items.map((kv) => kv.key), [cmKey('a'), cmKey('b')]);
      });

      it('treats compacting to an older revision than before as a no-op', async () => {
        const h = await history();
        await storage.compact(h.a3.rev);
        await storage.compact(h.a2.rev);
        assert.equal(storage.compactedRevision(), h.a3.rev);
        await rejectsWith(storage.list(CONFIGMAPS, { revision: h.a2.rev }), 'Compacted');
      });
    });

    describe('after close', () => {
      it('refuses create, update and delete instead of losing them silently', async () => {
        await storage.create(cmKey('a'), configMap('a'));
        await storage.close();
        await rejectsWith(storage.create(cmKey('b'), configMap('b')), 'Unavailable');
        await rejectsWith(storage.guaranteedUpdate(cmKey('a'), increment), 'Unavailable');
        await rejectsWith(storage.delete(cmKey('a')), 'Unavailable');
      });

      it('answers writes queued before close instead of leaving their callers hanging', async () => {
        const pending = [storage.create(cmKey('a'), configMap('a')), storage.create(cmKey('b'), configMap('b'))];
        await storage.close();
        const settled = await Promise.race([
          Promise.allSettled(pending),
          new Promise<'hung'>((r) => setTimeout(() => r('hung'), 2_000)),
        ]);
        assert.notEqual(settled, 'hung', 'writes queued before close never settled');
      });
    });
  });
}

/**
 * SqliteStorage: the storage conformance suite, then what only the SQLite backend promises —
 * one owner per file, durability across restarts, group commit, and writes refused inside
 * a batch. Every test runs on a real database file in its own temporary directory.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';

import { isStorageError } from '../../../src/storage/errors';
import type { StorageEvent } from '../../../src/storage/interface';
import { SqliteStorage } from '../../../src/storage/sqlite/store';
import { cmKey, configMap, parse, rejectsWith, storageConformance } from './conformance';

/** BURST is how many writes one tick queues; below the store's batch bound, so one commit. */
const BURST = 200;
/** REFUSAL_MS bounds how long a refused second owner may take to find out (no lock waiting). */
const REFUSAL_MS = 1_000;

/** tempFile returns a database path in a fresh directory and a function that removes it. */
function tempFile(): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-sqlite-'));
  return { file: path.join(dir, 'state.db'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

storageConformance('SqliteStorage', async () => {
  const tmp = tempFile();
  const storage = new SqliteStorage({ file: tmp.file, durable: false });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      tmp.remove();
    },
  };
});

describe('SqliteStorage', () => {
  let tmp: ReturnType<typeof tempFile>;
  const open: SqliteStorage[] = [];

  const openStorage = (durable = false): SqliteStorage => {
    const s = new SqliteStorage({ file: tmp.file, durable });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    tmp = tempFile();
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    tmp.remove();
  });

  describe('one owner per file', () => {
    it('refuses a second SqliteStorage on the same file at once, with a StorageError naming another process', async () => {
      const first = openStorage();
      await first.create(cmKey('a'), configMap('a'));
      let err: unknown;
      const started = Date.now();
      try {
        openStorage();
      } catch (e) {
        err = e;
      }
      const elapsed = Date.now() - started;
      assert.ok(isStorageError(err), `expected a StorageError, got ${String(err)}`);
      assert.equal(err.code, 'Unavailable');
      assert.match(err.message, /another process/);
      // The owner is not disturbed by the refused newcomer.
      const b = await first.create(cmKey('b'), configMap('b'));
      assert.equal(b.rev, 2);
      // The store sets busy_timeout = 0 so a competitor fails at start; it must not first sit
      // out the driver's default busy wait.
      assert.ok(elapsed < REFUSAL_MS, `the refusal took ${elapsed} ms`);
    });

    it('lets the next owner in once the first has closed', async () => {
      const first = openStorage();
      await first.create(cmKey('a'), configMap('a'));
      await first.close();
      const second = openStorage();
      assert.ok(await second.get(cmKey('a')));
    });
  });

  describe('restarts', () => {
    it('keeps every acknowledged write across close and reopen and continues revisions after the last one', async () => {
      const first = openStorage(true);
      await first.create(cmKey('a'), configMap('a', { v: '1' }));
      await first.create(cmKey('b'), configMap('b'));
      await first.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '2' } }));
      const del = await first.delete(cmKey('b'));
      const listed = await first.list('/registry/');
      await first.close();

      const second = openStorage(true);
      assert.equal(await second.currentRevision(), del.rev);
      assert.deepEqual(await second.list('/registry/'), listed);
      const next = await second.create(cmKey('c'), configMap('c'));
      assert.equal(next.rev, del.rev + 1);
    });

    it('does not reuse revisions whose rows compaction removed, so resuming watchers never see a revision twice', async () => {
      const first = openStorage();
      await first.create(cmKey('a'), configMap('a'));
      const del = await first.delete(cmKey('a'));
      // Compacting at the deletion removes both rows: the log is empty.
      await first.compact(del.rev);
      await first.close();

      const second = openStorage();
      assert.equal(await second.currentRevision(), del.rev);
      const next = await second.create(cmKey('b'), configMap('b'));
      assert.equal(next.rev, del.rev + 1);
    });

    it('remembers the compacted revision across a restart', async () => {
      const first = openStorage();
      const a = await first.create(cmKey('a'), configMap('a', { v: '1' }));
      const a2 = await first.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '2' } }));
      await first.compact(a2.rev);
      await first.close();

      const second = openStorage();
      assert.equal(second.compactedRevision(), a2.rev);
      await rejectsWith(second.list('/registry/', { revision: a.rev }), 'Compacted');
      assert.throws(() => second.watch('/registry/', a.rev, { event: () => undefined }), (e) => isStorageError(e, 'Compacted'));
    });
  });

  describe('compaction', () => {
    it('deletes superseded rows and deletion markers from the file, keeping the newest row of each live key', async () => {
      const s = openStorage();
      await s.create(cmKey('a'), configMap('a', { v: '1' }));
      await s.create(cmKey('b'), configMap('b'));
      await s.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '2' } }));
      await s.guaranteedUpdate(cmKey('a'), (c) => ({ ...parse(c), data: { v: '3' } }));
      const bDel = await s.delete(cmKey('b'));
      const c = await s.create(cmKey('c'), configMap('c'));
      const cNew = await s.guaranteedUpdate(cmKey('c'), (cur) => ({ ...parse(cur), data: { v: '2' } })); // after the target: kept
      await s.compact(bDel.rev);
      await s.close();

      const db = new Database(tmp.file, { readonly: true });
      try {
        const rows = db.prepare('SELECT id, name, deleted FROM log ORDER BY id').all() as { id: number; name: string; deleted: number }[];
        assert.deepEqual(
          rows.map((r) => `${r.name}@${r.id}${r.deleted ? ' deleted' : ''}`),
          [`${cmKey('a')}@4`, `${cmKey('c')}@${c.rev}`, `${cmKey('c')}@${cNew.rev}`],
        );
      } finally {
        db.close();
      }
    });
  });

  describe('group commit', () => {
    it('commits a burst of concurrent creates in one transaction, yet answers each with its own revision', async () => {
      const s = openStorage();
      const start = await s.currentRevision();
      const log: string[] = [];
      const handle = s.watch('/registry/', start, {
        event: (e: StorageEvent) => void log.push(`event ${e.rev}`),
        progress: (rev) => void log.push(`progress ${rev}`),
      });
      log.length = 0; // the subscription's own progress report
      const writes = Array.from({ length: BURST }, (_, i) => s.create(cmKey(`cm-${i}`), configMap(`cm-${i}`, { i: String(i) })));
      const kvs = await Promise.all(writes);
      handle.stop();

      // Revisions are handed out in call order, one each, with none skipped.
      assert.deepEqual(kvs.map((kv) => kv.rev), Array.from({ length: BURST }, (_, i) => start + 1 + i));
      kvs.forEach((kv, i) => {
        assert.equal(parse(kv).metadata.resourceVersion, String(kv.rev));
        assert.equal(parse(kv).data?.i, String(i));
      });
      // One commit publishes all its events and then reports progress once.
      const progress = log.filter((l) => l.startsWith('progress'));
      assert.deepEqual(progress, [`progress ${start + BURST}`], 'the burst must be committed as one group');
      assert.equal(log[log.length - 1], `progress ${start + BURST}`);
      assert.equal(log.length, BURST + 1);
    });

    it('does not let a write refused inside a batch undo the other writes of the batch', async () => {
      const s = openStorage();
      const existing = await s.create(cmKey('taken'), configMap('taken', { owner: 'first' }));
      const events: StorageEvent[] = [];
      const handle = s.watch('/registry/', existing.rev, { event: (e) => void events.push(e) });

      const results = await Promise.allSettled([
        s.create(cmKey('a'), configMap('a')),
        s.create(cmKey('taken'), configMap('taken', { owner: 'second' })),
        s.create(cmKey('b'), configMap('b')),
        s.delete(cmKey('never-existed')),
        s.create(cmKey('c'), configMap('c')),
      ]);
      handle.stop();

      const [a, taken, b, missing, c] = results;
      assert.equal(a.status, 'fulfilled');
      assert.equal(b.status, 'fulfilled');
      assert.equal(c.status, 'fulfilled');
      assert.ok(taken.status === 'rejected' && isStorageError(taken.reason, 'KeyExists'), 'the duplicate create must fail with KeyExists');
      assert.ok(missing.status === 'rejected' && isStorageError(missing.reason, 'KeyNotFound'), 'the delete must fail with KeyNotFound');
      // The refused writes leave no gap: revisions stay dense.
      const revs = [a, b, c].map((r) => (r as PromiseFulfilledResult<{ rev: number }>).value.rev);
      assert.deepEqual(revs, [existing.rev + 1, existing.rev + 2, existing.rev + 3]);
      assert.deepEqual(events.map((e) => `${e.type} ${e.key}@${e.rev}`), [
        `ADDED ${cmKey('a')}@${revs[0]}`,
        `ADDED ${cmKey('b')}@${revs[1]}`,
        `ADDED ${cmKey('c')}@${revs[2]}`,
      ]);
      assert.deepEqual(parse((await s.get(cmKey('taken')))!).data, { owner: 'first' });

      // And the batch really is on disk.
      await s.close();
      const reopened = openStorage();
      assert.deepEqual((await reopened.list('/registry/')).items.map((kv) => kv.key), [cmKey('a'), cmKey('b'), cmKey('c'), cmKey('taken')]);
    });

    it('lets one of two creates of the same key in one batch win, and refuses the other with KeyExists', async () => {
      const s = openStorage();
      const [first, second] = await Promise.allSettled([
        s.create(cmKey('x'), configMap('x', { by: 'first' })),
        s.create(cmKey('x'), configMap('x', { by: 'second' })),
      ]);
      assert.equal(first.status, 'fulfilled');
      assert.ok(second.status === 'rejected' && isStorageError(second.reason, 'KeyExists'));
      assert.deepEqual(parse((await s.get(cmKey('x')))!).data, { by: 'first' });
    });
  });

  describe('faults', () => {
    /** capDisk makes the file unable to grow past `spare` more pages: a real SQLITE_FULL, no mock. */
    function capDisk(s: SqliteStorage, spare: number): { lift(): void } {
      const db = (s as unknown as { db: Database.Database }).db;
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + spare}`);
      return { lift: () => void db.pragma('max_page_count = 1073741823') };
    }
    const HUGE = { blob: 'x'.repeat(1 << 20) };

    it('reports a full disk as Unavailable, without advancing the revision or publishing events', async () => {
      const s = openStorage();
      const before = await s.create(cmKey('small'), configMap('small'));
      const events: StorageEvent[] = [];
      const handle = s.watch('/registry/', before.rev, { event: (e) => void events.push(e) });
      const disk = capDisk(s, 0);
      const results = await Promise.allSettled([
        s.create(cmKey('huge-1'), configMap('huge-1', HUGE)),
        s.create(cmKey('huge-2'), configMap('huge-2', HUGE)),
      ]);
      disk.lift();
      handle.stop();
      for (const r of results) {
        assert.ok(
          r.status === 'rejected' && isStorageError(r.reason, 'Unavailable'),
          `expected Unavailable, got ${r.status === 'rejected' ? String(r.reason) : 'success'}`,
        );
      }
      assert.equal(await s.currentRevision(), before.rev);
      assert.deepEqual(events, []);
      assert.equal(await s.get(cmKey('huge-1')), undefined);
    });

    it('never commits a write it reported as failed, nor hands out a revision twice, when the disk fills mid-batch', async () => {
      const s = openStorage();
      for (let i = 0; i < 5; i++) await s.create(cmKey(`pre-${i}`), configMap(`pre-${i}`));
      const start = await s.currentRevision();
      const events: StorageEvent[] = [];
      const handle = s.watch('/registry/', start, { event: (e) => void events.push(e) });
      // Room for small writes, not for a megabyte: the middle write of the batch hits SQLITE_FULL.
      const disk = capDisk(s, 3);
      const batch = await Promise.allSettled([
        s.create(cmKey('a'), configMap('a')),
        s.create(cmKey('huge'), configMap('huge', HUGE)),
        s.create(cmKey('b'), configMap('b')),
      ]);
      disk.lift();

      // What the callers were told must be what the database holds.
      const names = ['a', 'huge', 'b'];
      for (let i = 0; i < batch.length; i++) {
        const stored = await s.get(cmKey(names[i]));
        if (batch[i].status === 'fulfilled') assert.ok(stored, `${names[i]} was acknowledged but is not stored`);
        else assert.equal(stored, undefined, `${names[i]} was reported failed (${String((batch[i] as PromiseRejectedResult).reason)}) but is stored`);
      }
      // The store keeps working: new writes get fresh revisions above everything on disk, and
      // watchers hear of every stored change.
      const c = await s.create(cmKey('c'), configMap('c'));
      const d = await s.create(cmKey('d'), configMap('d'));
      handle.stop();
      const all = await s.list('/registry/');
      const maxStored = Math.max(...all.items.filter((kv) => kv.key !== cmKey('c') && kv.key !== cmKey('d')).map((kv) => kv.rev));
      assert.ok(c.rev > maxStored, `revision ${c.rev} handed out again (a row at ${maxStored} exists)`);
      assert.ok(d.rev > c.rev);
      const storedSinceStart = all.items.filter((kv) => kv.rev > start).map((kv) => `${kv.key}@${kv.rev}`).sort();
      const heard = events.map((e) => `${e.key}@${e.rev}`).sort();
      assert.deepEqual(heard, storedSinceStart, 'every stored write must reach watchers');
    });
  });
});

import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../meta/object';
import { encodeWithRevision, withRevision } from '../codec';
import { StorageError, compacted, conflict, isStorageError, keyExists, keyNotFound, unavailable } from '../errors';
import type {
  DeleteOptions,
  KeyValue,
  Storage,
  StorageEvent,
  StorageListOptions,
  StorageListResult,
  TryUpdate,
  UpdateOptions,
  WatchCallbacks,
  WatchHandle,
} from '../interface';
import { deleteWithRetry, guaranteedUpdate, type CasBackend, type Commit } from '../retry';
import { SCHEMA_STATEMENTS, type LogRow } from './schema';

/** MAX_BATCH bounds one group commit so a burst never holds the write lock for long. */
const MAX_BATCH = 512;
/** COMPACTED_KEY is where the compaction revision survives restarts. */
const COMPACTED_KEY = 'compacted';

export interface SqliteOptions {
  /** file is the database path; its directory must exist. */
  file: string;
  /** durable chooses synchronous=FULL (an acknowledged write survives power loss). */
  durable?: boolean;
}

type Write =
  | { kind: 'create'; key: string; obj: KubeObject }
  | { kind: 'update'; key: string; obj: KubeObject; expected: number }
  | { kind: 'delete'; key: string; expected: number };

interface Pending {
  write: Write;
  resolve(kv: KeyValue): void;
  reject(e: unknown): void;
  result?: { kv: KeyValue; event: StorageEvent };
  error?: unknown;
}

interface Subscriber {
  prefix: string;
  cb: WatchCallbacks;
  after: number;
}

function prefixEnd(prefix: string): string {
  // keys under prefix sort in [prefix, prefix with its last character incremented)
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * SqliteStorage implements Storage on one SQLite file. Writes queue up and commit together in
 * one transaction per turn of the event loop (group commit): with synchronous=FULL every
 * acknowledged write is on disk, and concurrent writers share one fsync instead of paying one
 * each. Watch events go out synchronously after the commit, before any writer is answered, so a
 * client that sees its write acknowledged finds it in the watch cache.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private revision: number;
  private compactedAt: number;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;
  private readonly stmts: {
    latest: Database.Statement<[string], LogRow>;
    insert: Database.Statement<[number, string, number, number, number, number, string]>;
    since: Database.Statement<[number, string, string], LogRow>;
    setMeta: Database.Statement<[string, number]>;
  };

  constructor(opts: SqliteOptions) {
    try {
      fs.mkdirSync(path.dirname(opts.file), { recursive: true });
      // No busy wait: a second process on the same file must be refused at once, not in 5 s.
      this.db = new Database(opts.file, { timeout: 0 });
      this.db.pragma('journal_mode = WAL');
      // One process owns the file: a second server on the same data dir gets SQLITE_BUSY
      // at its first write instead of interleaving its revisions with ours.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma(`synchronous = ${opts.durable === false ? 'NORMAL' : 'FULL'}`);
      this.db.pragma('busy_timeout = 0');
      for (const s of SCHEMA_STATEMENTS) this.db.exec(s);
      // Taking the write lock now makes a competing process fail at start, not mid-request.
      this.db.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (e) {
      throw translate(e, opts.file);
    }
    this.stmts = {
      latest: this.db.prepare('SELECT * FROM log WHERE name = ? ORDER BY id DESC LIMIT 1'),
      insert: this.db.prepare(
        'INSERT INTO log (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      since: this.db.prepare('SELECT * FROM log WHERE id > ? AND name >= ? AND name < ? ORDER BY id'),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    };
    const seq = this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'log'`).get() as { seq: number } | undefined;
    const max = this.db.prepare('SELECT MAX(id) AS id FROM log').get() as { id: number | null };
    this.revision = Math.max(seq?.seq ?? 0, max.id ?? 0);
    const c = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(COMPACTED_KEY) as { value: number } | undefined;
    this.compactedAt = c?.value ?? 0;
  }

  async create(key: string, obj: KubeObject): Promise<KeyValue> {
    return this.enqueue({ kind: 'create', key, obj });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen(key);
    const row = this.stmts.latest.get(key);
    if (!row || row.deleted) return undefined;
    return { key, value: row.value, rev: row.id };
  }

  async list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    this.checkOpen(prefix);
    const revision = opts.revision || this.revision;
    if (revision < this.compactedAt) throw compacted(prefix, revision, this.compactedAt);
    if (revision > this.revision) {
      throw new StorageError('TooLargeResourceVersion', prefix, `revision ${revision} is newer than current ${this.revision}`, this.revision);
    }
    const from = opts.after !== undefined && opts.after >= prefix ? opts.after + '\0' : prefix;
    const rows = this.db
      .prepare(
        `SELECT l.* FROM log l JOIN (
           SELECT MAX(id) AS id FROM log WHERE name >= ? AND name < ? AND id <= ? GROUP BY name
         ) m ON l.id = m.id WHERE l.deleted = 0 ORDER BY l.name`,
      )
      .iterate(from, prefixEnd(prefix), revision) as IterableIterator<LogRow>;
    const items: KeyValue[] = [];
    const limit = opts.limit ?? 0;
    let more = false;
    for (const row of rows) {
      const kv = { key: row.name, value: row.value, rev: row.id };
      if (opts.filter && !opts.filter(kv)) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(kv);
    }
    return { items, revision, more };
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KeyValue> {
    return guaranteedUpdate(this.cas, key, tryUpdate, opts);
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KeyValue> {
    return deleteWithRetry(this.cas, key, opts);
  }

  /** cas is the compare-and-swap the retry loops run on: a queued write, conflicts re-read. */
  private readonly cas: CasBackend = {
    get: (key) => this.get(key),
    commit: async (key, expected, next): Promise<Commit> => {
      try {
        const write: Write = next ? { kind: 'update', key, obj: next, expected } : { kind: 'delete', key, expected };
        return { kv: await this.enqueue(write) };
      } catch (e) {
        if (!isStorageError(e, 'Conflict')) throw e;
        return { current: await this.get(key) };
      }
    },
  };

  watch(prefix: string, from: number, cb: WatchCallbacks): WatchHandle {
    this.checkOpen(prefix);
    if (from < this.compactedAt) throw compacted(prefix, from, this.compactedAt);
    // Replay and subscription happen in one synchronous step: no commit can fall between them.
    for (const row of this.stmts.since.iterate(from, prefix, prefixEnd(prefix))) cb.event(this.eventOf(row));
    // A watch from a revision not reached yet must not see the events up to it.
    const sub: Subscriber = { prefix, cb, after: from };
    this.subscribers.add(sub);
    cb.progress?.(this.revision);
    return { stop: () => this.subscribers.delete(sub) };
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compactedAt;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen('');
    if (revision <= this.compactedAt) return;
    const target = Math.min(revision, this.revision);
    this.db.transaction(() => {
      // A row is superseded when a later row for the same key, at or before the target, names it
      // as its predecessor; a deletion marker at or before the target has nothing left to say.
      this.db.prepare('DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id <= ? AND prev_revision > 0)').run(target);
      this.db.prepare('DELETE FROM log WHERE deleted = 1 AND id <= ?').run(target);
      this.stmts.setMeta.run(COMPACTED_KEY, target);
    })();
    this.compactedAt = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length) this.flush();
    this.closed = true;
    this.subscribers.clear();
    this.db.close();
  }

  private checkOpen(key: string): void {
    if (this.closed) throw unavailable(key, 'storage is closed');
  }

  private eventOf(row: LogRow): StorageEvent {
    const type = row.deleted ? 'DELETED' : row.created ? 'ADDED' : 'MODIFIED';
    return { type, key: row.name, value: row.value, rev: row.id };
  }

  private enqueue(write: Write): Promise<KeyValue> {
    this.checkOpen(write.key);
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** flush commits queued writes in one transaction, then publishes and answers them in order. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    const startRevision = this.revision;
    try {
      this.db.transaction(() => {
        for (const p of batch) {
          const before = this.revision;
          try {
            // One refused write does not undo the others, without a savepoint each: apply
            // refuses before it writes, and a failing INSERT is undone by SQLite alone.
            p.result = this.apply(p.write);
          } catch (e) {
            this.revision = before;
            // A refusal (exists, conflict, constraint) concerns this write alone. Any other
            // database error may have rolled back the whole transaction (SQLITE_FULL does):
            // then nothing of the batch may commit, so the batch fails as one.
            const refused = isStorageError(e) || (e as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT');
            if (!refused || !this.db.inTransaction) throw e;
            p.error = isStorageError(e) ? e : translate(e, p.write.key);
          }
        }
      })();
    } catch (e) {
      this.revision = startRevision;
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const err = translate(e, '');
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) if (p.result) this.publish(p.result.event);
    if (this.revision !== startRevision) for (const s of this.subscribers) s.cb.progress?.(this.revision);
    for (const p of batch) {
      if (p.result) p.resolve(p.result.kv);
      else p.reject(p.error);
    }
  }

  private apply(w: Write): { kv: KeyValue; event: StorageEvent } {
    const latest = this.stmts.latest.get(w.key);
    const live = latest && !latest.deleted ? latest : undefined;
    const rev = this.revision + 1;
    let value: string;
    let event: StorageEvent;
    if (w.kind === 'create') {
      if (live) throw keyExists(w.key);
      value = encodeWithRevision(w.obj, rev);
      this.stmts.insert.run(rev, w.key, 1, 0, rev, latest?.id ?? 0, value);
      event = { type: 'ADDED', key: w.key, value, rev, object: w.obj };
    } else if (w.kind === 'update') {
      if (!live) throw keyNotFound(w.key);
      if (live.id !== w.expected) throw conflict(w.key);
      value = encodeWithRevision(w.obj, rev);
      this.stmts.insert.run(rev, w.key, 0, 0, live.create_revision, live.id, value);
      event = { type: 'MODIFIED', key: w.key, value, rev, prevValue: live.value, object: w.obj };
    } else {
      if (!live) throw keyNotFound(w.key);
      if (live.id !== w.expected) throw conflict(w.key);
      value = withRevision(live.value, rev);
      this.stmts.insert.run(rev, w.key, 0, 1, live.create_revision, live.id, value);
      event = { type: 'DELETED', key: w.key, value, rev, prevValue: live.value };
    }
    this.revision = rev;
    return { kv: { key: w.key, value, rev }, event };
  }

  private publish(e: StorageEvent): void {
    for (const s of this.subscribers) {
      if (e.rev > s.after && e.key.startsWith(s.prefix)) s.cb.event(e);
    }
  }
}

/** translate turns a driver error into a StorageError once, here, for every caller. */
function translate(e: unknown, key: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return conflict(key);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return unavailable(key, `the database is locked by another process (is another kapi running on this data dir?): ${err.message}`);
  }
  if (code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return unavailable(key, `storage failure: ${err.message}`);
  }
  return new StorageError('Internal', key, `storage failure: ${err.message ?? String(e)}`);
}

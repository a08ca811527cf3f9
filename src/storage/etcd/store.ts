import type { Etcd3, IKeyValue, IRangeRequest } from 'etcd3';
import type { KubeObject } from '../../meta/object';
import { compacted, isStorageError, keyExists, unavailable } from '../errors';
import type {
  DeleteOptions,
  KeyValue,
  Storage,
  StorageListOptions,
  StorageListResult,
  TryUpdate,
  UpdateOptions,
  WatchCallbacks,
  WatchHandle,
} from '../interface';
import { deleteWithRetry, guaranteedUpdate, type CasBackend, type Commit } from '../retry';
import { newEtcdClient, type EtcdConnection } from './client';
import { encodeForEtcd, keyAfter, prefixEnd, withStoredRevision } from './codec';
import { isCompactedError, translateEtcdError, wasNotSent } from './errors';
import { WatchHub } from './watch';

/** MAX_SEND_ATTEMPTS bounds how often one write is sent again after a failure that did not apply it. */
const MAX_SEND_ATTEMPTS = 8;
/** READ_ATTEMPTS: a read is safe to repeat, so one that fails (a dead member, a dropped connection) is tried again. */
const READ_ATTEMPTS = 6;
/** SEND_RETRY_MS is the pause before sending a request again (another member may answer). */
const SEND_RETRY_MS = 100;
/** IMMEDIATE_RETRIES: the first retries of a request that reached no member go out at once, to another member. */
const IMMEDIATE_RETRIES = 3;
/** LIST_PAGE is how many keys one range returns while a list pages through etcd. */
const LIST_PAGE = 1_000;
/** MAX_REVISION_READS bounds the consistent-read revision lookups in flight at once (see currentRevision). */
const MAX_REVISION_READS = 4;
/** HEALTH_TIMEOUT_MS is kube-apiserver's --etcd-healthcheck-timeout default. */
const HEALTH_TIMEOUT_MS = 2_000;
/**
 * VISIBILITY_WAIT_MS bounds how long a write waits for this server's watch to deliver it before
 * it is acknowledged anyway (the watch is re-establishing itself after a lost member).
 */
const VISIBILITY_WAIT_MS = 3_000;
/** OPEN_WAIT_MS is how long a starting server waits for etcd: kube-apiserver's etcd dial timeout (20 s). */
export const OPEN_WAIT_MS = 20_000;
/** COMPACT_REV_KEY is where kube-apiserver's compactors agree on who compacts (outside the prefix, as upstream). */
export const COMPACT_REV_KEY = 'compact_rev_key';

export interface EtcdStorageOptions extends EtcdConnection {
  /** prefix is where kapi's keys live in etcd (--etcd-prefix, default /registry). */
  prefix?: string;
  /** keyRoot is how callers spell that root in keys (the registry's `/registry`); it is replaced by prefix. */
  keyRoot?: string;
}

/** RawKv is what etcd holds for a key: the bytes as stored (no resourceVersion) and its revision. */
interface RawKv {
  stored: string;
  rev: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type CallOptions = Parameters<Etcd3['kv']['range']>[1];

/** retryDelay is the pause before attempt `attempt + 1` after a failure. */
function retryDelay(e: unknown, attempt: number): number {
  return wasNotSent(e) && attempt <= IMMEDIATE_RETRIES ? 0 : SEND_RETRY_MS;
}

/**
 * EtcdStorage implements Storage on etcd v3, as kube-apiserver's etcd3 store does: keys in its
 * layout under the prefix, JSON values without resourceVersion (it is the mod_revision), create
 * as a transaction on mod_revision == 0, updates and deletes as transactions on the mod_revision
 * read, lists at one revision paged through ranges, and watches from one shared etcd watch with
 * prev_kv (watch.ts). Several kapi servers may share the etcd cluster, so its watch caches must
 * check freshness before a consistent read (requiresFreshnessCheck).
 *
 * A write that fails without reaching etcd is sent again; one whose outcome is unknown (the
 * connection dropped, the leader changed, a deadline passed) is resolved by reading the key:
 * our exact bytes there mean it was applied, the revision we compared against still there means
 * it was not, and only then is it sent again. So an acknowledged write is never lost and a
 * write is never applied twice by a retry.
 *
 * A write is acknowledged once this server's watch has delivered it to the watch caches (or
 * after VISIBILITY_WAIT_MS), so code that reads the cache right after its own write finds it, as
 * it does with SQLite, which publishes before it answers.
 */
export class EtcdStorage implements Storage {
  readonly requiresFreshnessCheck = true;
  readonly prefix: string;
  private readonly keyRoot: string;
  private readonly client: Etcd3;
  private readonly hub: WatchHub;
  private compactedAt = 0;
  private closed = false;
  private healthy = true;
  private healthTimer?: NodeJS.Timeout;
  private compactTimer?: NodeJS.Timeout;
  private revisionQueue: { resolve(rev: number): void; reject(e: unknown): void }[] = [];
  /** ownWrites are objects this server wrote, by key, until its watch has delivered them. */
  private readonly ownWrites = new Map<string, { rev: number; obj: KubeObject }>();
  private revisionsInFlight = 0;
  private revisionTick = false;

  constructor(readonly opts: EtcdStorageOptions) {
    this.prefix = normalizePrefix(opts.prefix ?? '/registry');
    this.keyRoot = normalizePrefix(opts.keyRoot ?? '/registry');
    this.client = newEtcdClient(opts);
    this.hub = new WatchHub({
      client: this.client,
      prefix: `${this.prefix}/`,
      keyPrefix: `${this.keyRoot}/`,
      keyOf: (k) => this.keyOf(k),
      objectOf: (key, rev) => {
        const w = this.ownWrites.get(key);
        return w?.rev === rev ? w.obj : undefined;
      },
      onCompacted: (rev) => this.noteCompacted(rev),
    });
  }

  /** open connects and checks that etcd answers, retrying until waitMs has passed. */
  static async open(opts: EtcdStorageOptions, waitMs = OPEN_WAIT_MS): Promise<EtcdStorage> {
    const s = new EtcdStorage(opts);
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await s.currentRevision();
        return s;
      } catch (e) {
        if (Date.now() >= deadline) {
          await s.close();
          throw new Error(`cannot reach etcd at ${opts.servers.join(',')}: ${(e as Error).message}`);
        }
        await sleep(500);
      }
    }
  }

  async create(key: string, obj: KubeObject): Promise<KeyValue> {
    this.checkOpen(key);
    const stored = encodeForEtcd(obj);
    const k = this.etcdKey(key);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: 0 }],
          success: [{ request_put: { key: k, value: Buffer.from(stored) } }],
        });
        if (!res.succeeded) throw keyExists(key);
        return this.written(obj, key, stored, Number(res.header.revision));
      } catch (e) {
        if (isStorageError(e)) throw e;
        const now = await this.afterFailure(e, key, attempt);
        if (now === 'resend') continue;
        if (now && now.stored === stored) return this.written(obj, key, stored, now.rev);
        if (now) throw keyExists(key);
        // Not there: the create did not happen (or was undone since); sending it again is safe.
      }
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen(key);
    const raw = await this.range({ key: this.etcdKey(key) }, key);
    return raw.kvs.length ? this.toKeyValue(raw.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: StorageListOptions = {}): Promise<StorageListResult> {
    this.checkOpen(prefix);
    let revision = opts.revision || 0;
    if (revision > 0 && revision < this.compactedAt) throw compacted(prefix, revision, this.compactedAt);
    let from = opts.after !== undefined && opts.after >= prefix ? keyAfter(this.etcdKey(opts.after)) : this.etcdKey(prefix);
    const end = prefixEnd(this.etcdKey(prefix));
    const limit = opts.limit ?? 0;
    const items: KeyValue[] = [];
    let more = false;
    for (;;) {
      // Without a filter one key beyond the limit tells whether there is more.
      const page = opts.filter || limit === 0 ? LIST_PAGE : Math.min(LIST_PAGE, limit - items.length + 1);
      const res = await this.range({ key: from, range_end: end, limit: page, revision: revision || undefined }, prefix, opts.revision);
      if (!revision) revision = Number(res.header.revision);
      for (const raw of res.kvs) {
        const kv = this.toKeyValue(raw);
        if (opts.filter && !opts.filter(kv)) continue;
        if (limit > 0 && items.length === limit) {
          more = true;
          break;
        }
        items.push(kv);
      }
      if (more || !res.more || res.kvs.length === 0) break;
      from = keyAfter(res.kvs[res.kvs.length - 1].key);
    }
    return { items, revision, more };
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KeyValue> {
    this.checkOpen(key);
    return guaranteedUpdate(this.cas, key, tryUpdate, opts);
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KeyValue> {
    this.checkOpen(key);
    return deleteWithRetry(this.cas, key, opts);
  }

  /** cas is the compare-and-swap the retry loops run on: one etcd transaction. */
  private readonly cas: CasBackend = {
    get: (key) => this.get(key),
    commit: (key, expected, next) => (next ? this.commitUpdate(key, expected, next) : this.commitDelete(key, expected)),
  };

  watch(prefix: string, from: number, cb: WatchCallbacks): WatchHandle {
    this.checkOpen(prefix);
    if (from < this.compactedAt) throw compacted(prefix, from, this.compactedAt);
    return this.hub.subscribe(prefix, from, cb);
  }

  /**
   * currentRevision is etcd's current revision from a linearizable read. The callers of one turn
   * of the event loop share one read, sent after they all asked, so each sees every write
   * acknowledged before it called; at most MAX_REVISION_READS reads are in flight, and callers
   * beyond that wait for the next one.
   */
  currentRevision(): Promise<number> {
    if (this.closed) return Promise.reject(unavailable('', 'storage is closed'));
    return new Promise<number>((resolve, reject) => {
      this.revisionQueue.push({ resolve, reject });
      if (!this.revisionTick) {
        this.revisionTick = true;
        setImmediate(() => {
          this.revisionTick = false;
          if (this.revisionsInFlight < MAX_REVISION_READS) this.fetchRevision();
        });
      }
    });
  }

  /** requestProgress makes the watch report revision `rev` soon even when nothing under the prefix changes. */
  requestProgress(rev: number): void {
    this.hub.requestProgress(rev);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen('');
    if (revision <= this.compactedAt) return;
    try {
      await this.client.kv.compact({ revision });
    } catch (e) {
      // Someone (another server's compactor) compacted further already.
      if (!isCompactedError(e)) throw translateEtcdError(e, '', revision);
    }
    this.noteCompacted(revision);
  }

  compactedRevision(): number {
    return this.compactedAt;
  }

  /** isHealthy is the outcome of the last health probe (for /readyz). */
  isHealthy(): boolean {
    return this.healthy && !this.closed;
  }

  /** startHealthProbe reads from etcd every interval; /readyz reports the outcome, as kube's etcd check does. */
  startHealthProbe(intervalMs: number): void {
    const probe = () => {
      const done = (ok: boolean) => {
        this.healthy = ok;
        if (!this.closed) {
          this.healthTimer = setTimeout(probe, intervalMs);
          this.healthTimer.unref();
        }
      };
      this.range({ key: Buffer.from(`${this.prefix}/`), count_only: true }, '', 0, { deadline: Date.now() + HEALTH_TIMEOUT_MS }).then(
        () => done(true),
        () => done(false),
      );
    };
    probe();
  }

  /**
   * startCompactor compacts every interval to the revision seen one interval earlier, and only
   * once per interval across all servers sharing the etcd cluster: kube-apiserver's compactor,
   * which agrees through a transaction on the version of COMPACT_REV_KEY.
   */
  startCompactor(intervalMs: number, onError: (e: unknown) => void): void {
    if (intervalMs <= 0) return;
    let compactTime = 0;
    let rev = 0;
    const tick = () => {
      void this.compactOnce(compactTime, rev).then(
        (r) => {
          compactTime = r.compactTime;
          rev = r.rev;
        },
        onError,
      ).finally(() => {
        if (this.closed) return;
        this.compactTimer = setTimeout(tick, intervalMs);
        this.compactTimer.unref();
      });
    };
    this.compactTimer = setTimeout(tick, intervalMs);
    this.compactTimer.unref();
  }

  /** compactOnce is one round of the compactor; it returns the agreed time and the revision to compact next round. */
  async compactOnce(compactTime: number, rev: number): Promise<{ compactTime: number; rev: number }> {
    const k = Buffer.from(COMPACT_REV_KEY);
    const res = await this.client.kv.txn({
      compare: [{ key: k, target: 'Version', result: 'Equal', version: compactTime }],
      success: [{ request_put: { key: k, value: Buffer.from(String(rev)) } }],
      failure: [{ request_range: { key: k } }],
    });
    const current = Number(res.header.revision);
    if (!res.succeeded) {
      // Another server compacted this round; follow its clock.
      const kv = res.responses[0]?.response_range?.kvs[0];
      return { compactTime: kv ? Number(kv.version) : 0, rev: current };
    }
    // The first round only records the revision: nothing is compacted at start-up.
    if (rev > 0) await this.compact(rev);
    return { compactTime: compactTime + 1, rev: current };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    if (this.compactTimer) clearTimeout(this.compactTimer);
    this.hub.close();
    const waiting = this.revisionQueue.splice(0);
    for (const w of waiting) w.reject(unavailable('', 'storage is closed'));
    this.client.close();
  }

  // ---- internals ----

  private checkOpen(key: string): void {
    if (this.closed) throw unavailable(key, 'storage is closed');
  }

  /** etcdKey is where a key lives in etcd: the registry's root replaced by --etcd-prefix. */
  private etcdKey(key: string): Buffer {
    if (this.prefix === this.keyRoot || !key.startsWith(this.keyRoot)) return Buffer.from(key);
    return Buffer.from(this.prefix + key.slice(this.keyRoot.length));
  }

  /** keyOf is the inverse of etcdKey. */
  private keyOf(etcdKey: string): string {
    if (this.prefix === this.keyRoot || !etcdKey.startsWith(this.prefix)) return etcdKey;
    return this.keyRoot + etcdKey.slice(this.prefix.length);
  }

  /** toKeyValue reads an etcd key-value as clients see it. */
  private toKeyValue(kv: IKeyValue): KeyValue {
    const rev = Number(kv.mod_revision);
    return { key: this.keyOf(kv.key.toString()), value: withStoredRevision(kv.value.toString(), rev), rev };
  }

  private noteCompacted(rev: number): void {
    if (rev > this.compactedAt) this.compactedAt = rev;
  }

  private async written(obj: KubeObject, key: string, stored: string, rev: number): Promise<KeyValue> {
    obj.metadata.resourceVersion = String(rev);
    // The watch event of this write carries the object along: the caches need not parse it.
    const own = { rev, obj };
    this.ownWrites.set(key, own);
    try {
      await this.visible(rev);
    } finally {
      if (this.ownWrites.get(key) === own) this.ownWrites.delete(key);
    }
    return { key, value: withStoredRevision(stored, rev), rev };
  }

  /**
   * visible waits until this server's watch caches hold revision `rev`: code that reads the
   * cache right after its own write (admission, controllers, the client's next request) finds
   * it, as with SQLite, which publishes before it answers.
   */
  private visible(rev: number): Promise<void> {
    return this.hub.waitDelivered(rev, VISIBILITY_WAIT_MS);
  }

  private async range(req: IRangeRequest, key: string, revision = 0, options?: CallOptions) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.kv.range(req, options);
      } catch (e) {
        const err = translateEtcdError(e, key, revision);
        if (err.code === 'Compacted') throw compacted(key, revision, this.compactedAt);
        if (err.code !== 'Unavailable' || attempt >= READ_ATTEMPTS || this.closed) throw err;
        const delay = retryDelay(e, attempt);
        if (delay) await sleep(delay);
      }
    }
  }

  /** readRaw reads a key's stored bytes and revision. */
  private async readRaw(key: string): Promise<RawKv | undefined> {
    const res = await this.range({ key: this.etcdKey(key) }, key);
    const kv = res.kvs[0];
    return kv ? { stored: kv.value.toString(), rev: Number(kv.mod_revision) } : undefined;
  }

  /**
   * afterFailure decides what to do after a write failed: 'resend' when it surely did not reach
   * etcd (and attempts are left); otherwise the key as it is now, from which the caller tells
   * whether its write was applied. Throws Unavailable when etcd cannot be asked.
   */
  private async afterFailure(e: unknown, key: string, attempt: number): Promise<RawKv | undefined | 'resend'> {
    if (this.closed || attempt >= MAX_SEND_ATTEMPTS) throw translateEtcdError(e, key);
    if (wasNotSent(e)) {
      const delay = retryDelay(e, attempt);
      if (delay) await sleep(delay);
      return 'resend';
    }
    try {
      return await this.readRaw(key);
    } catch (readErr) {
      throw unavailable(key, `etcd did not confirm the write of ${key} (${(e as Error).message}) and cannot be asked now: ${(readErr as Error).message}`);
    }
  }

  private async commitUpdate(key: string, expected: number, next: KubeObject): Promise<Commit> {
    const stored = encodeForEtcd(next);
    const k = this.etcdKey(key);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }],
          success: [{ request_put: { key: k, value: Buffer.from(stored) } }],
          failure: [{ request_range: { key: k } }],
        });
        if (res.succeeded) return { kv: await this.written(next, key, stored, Number(res.header.revision)) };
        const kv = res.responses[0]?.response_range?.kvs[0];
        return { current: kv ? this.toKeyValue(kv) : undefined };
      } catch (e) {
        const now = await this.afterFailure(e, key, attempt);
        if (now === 'resend' || now?.rev === expected) continue;
        if (now && now.stored === stored) return { kv: await this.written(next, key, stored, now.rev) };
        return { current: now ? { key, value: withStoredRevision(now.stored, now.rev), rev: now.rev } : undefined };
      }
    }
  }

  private async commitDelete(key: string, expected: number): Promise<Commit> {
    const k = this.etcdKey(key);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.client.kv.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expected }],
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        });
        if (res.succeeded) {
          const rev = Number(res.header.revision);
          const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
          if (!prev) return { current: undefined };
          await this.visible(rev);
          return { kv: { key, value: withStoredRevision(prev.value.toString(), rev), rev } };
        }
        const kv = res.responses[0]?.response_range?.kvs[0];
        return { current: kv ? this.toKeyValue(kv) : undefined };
      } catch (e) {
        const now = await this.afterFailure(e, key, attempt);
        if (now === 'resend' || now?.rev === expected) continue;
        if (!now) {
          // Gone, by our delete or someone else's: the deletion revision is unknown.
          throw unavailable(key, `etcd did not confirm the delete of ${key} (${(e as Error).message}); the key is gone now`);
        }
        return { current: { key, value: withStoredRevision(now.stored, now.rev), rev: now.rev } };
      }
    }
  }

  private fetchRevision(): void {
    const batch = this.revisionQueue.splice(0);
    if (batch.length === 0 || this.closed) return;
    this.revisionsInFlight++;
    this.range({ key: Buffer.from(`${this.prefix}/`), count_only: true }, '')
      .then(
        (res) => {
          const rev = Number(res.header.revision);
          for (const w of batch) w.resolve(rev);
        },
        (e: unknown) => {
          const err = translateEtcdError(e, '');
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        this.revisionsInFlight--;
        if (!this.revisionTick) this.fetchRevision();
      });
  }
}

/** normalizePrefix makes --etcd-prefix an absolute path without a trailing slash. */
export function normalizePrefix(p: string): string {
  let s = p.trim().replace(/\/+$/, '');
  if (!s.startsWith('/')) s = `/${s}`;
  return s === '/' ? '' : s;
}


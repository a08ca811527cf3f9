/**
 * Watching etcd. kapi keeps ONE etcd watch on its whole key prefix and fans its events out to
 * the watch caches, the way SQLite publishes its commits: a single watch delivers every change
 * under the prefix in revision order, so an event of any resource proves to every cache that it
 * has seen everything up to that revision. That is what makes quiet resources advance (and a
 * consistent read find its revision) without one progress notification per resource.
 *
 * A cache that subscribes from a revision the shared watch has already passed first follows a
 * catch-up watch of its own, from its revision, until that one has reached the shared watch;
 * then it joins the shared watch and the catch-up ends.
 *
 * Each etcd watch runs on its own gRPC stream (the etcd3 client's watch manager is bypassed: it
 * resumes from the response header's revision, which may skip events after a reconnect, and it
 * cannot take progress requests). A dropped stream is re-established from the revision after the
 * last one delivered, on whichever member answers; only compaction ends a watch.
 */
import type { Etcd3, IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import type { KubeObject } from '../../meta/object';
import { compacted } from '../errors';
import type { StorageEvent, WatchCallbacks, WatchHandle } from '../interface';
import { prefixEnd, withStoredRevision } from './codec';

/** RECONNECT_MIN_MS and RECONNECT_MAX_MS bound the back-off between attempts to re-establish a watch stream. */
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 2_000;
/** PROGRESS_DELAY_MS: a waiter usually gets its revision from an event within a millisecond; only then ask etcd. */
const PROGRESS_DELAY_MS = 10;
/** PROGRESS_INTERVAL_MS paces further progress requests while a waiter is still short of its revision. */
const PROGRESS_INTERVAL_MS = 5;
/**
 * SYNC_SETTLE_MS is how long after a watch starts (or resumes) from a past revision its requested
 * progress answers are not trusted. etcd before 3.4.31 answers a progress request at once with
 * the current revision even while the watcher is still catching up on the events since its start
 * revision (its sync loop runs every 100 ms), so an early answer can claim revisions whose events
 * are still to come.
 */
const SYNC_SETTLE_MS = 250;

/** StreamWatchOptions configure one etcd watch on its own stream. */
interface StreamWatchOptions {
  client: Etcd3;
  prefix: string;
  /** startRevision is the first revision to deliver. */
  startRevision: number;
  onEvents(events: IEvent[]): void;
  /** onProgress: `requested` is an answer to a progress request (watch_id -1), otherwise a timed notification. */
  onProgress(rev: number, requested: boolean): void;
  onCompacted(compactRevision: number): void;
  /** onReconnect tells that a new stream replaced a failed one (pending progress requests are lost). */
  onReconnect?(): void;
}

/** StreamWatch is one etcd watch on its own gRPC stream that survives lost connections. */
class StreamWatch {
  private stream?: IDuplexStream<IWatchRequest, IWatchResponse>;
  private watching = false;
  /** createdAt is when etcd confirmed the current stream's watch (performance.now()). */
  private createdAt = 0;
  private next: number;
  private closed = false;
  private backoff = RECONNECT_MIN_MS;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: StreamWatchOptions) {
    this.next = o.startRevision;
    this.connect();
  }

  /** settledIn is how long until requested progress answers on this stream can be trusted (0: now). */
  settledIn(): number {
    if (!this.watching) return SYNC_SETTLE_MS;
    return Math.max(0, this.createdAt + SYNC_SETTLE_MS - performance.now());
  }

  /** nextRevision is where a re-established stream resumes. */
  get nextRevision(): number {
    return this.next;
  }

  /** confirm records that everything up to rev has been delivered, so a reconnect resumes after it. */
  confirm(rev: number): void {
    if (rev + 1 > this.next) this.next = rev + 1;
  }

  /** requestProgress asks etcd for a progress notification; false when there is no live stream. */
  requestProgress(): boolean {
    if (!this.stream || !this.watching) return false;
    this.stream.write({ progress_request: {} });
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.drop();
  }

  private connect(): void {
    if (this.closed) return;
    openWatchStream(this.o.client).then(
      (stream) => {
        if (this.closed) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        this.watching = false;
        stream.on('data', (res) => {
          if (this.stream === stream) this.handle(res);
        });
        const lost = () => {
          if (this.stream !== stream) return;
          this.drop();
          this.reconnectLater();
        };
        stream.on('error', lost);
        stream.on('end', lost);
        stream.write({
          create_request: {
            key: Buffer.from(this.o.prefix),
            range_end: prefixEnd(this.o.prefix),
            start_revision: this.next,
            prev_kv: true,
            progress_notify: true,
          },
        });
      },
      () => this.reconnectLater(),
    );
  }

  private drop(): void {
    const s = this.stream;
    this.stream = undefined;
    this.watching = false;
    if (s) {
      try {
        s.cancel();
      } catch {
        // already gone
      }
    }
  }

  private reconnectLater(): void {
    if (this.closed || this.timer) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.o.onReconnect?.();
      this.connect();
    }, delay);
    this.timer.unref();
  }

  private handle(res: IWatchResponse): void {
    if (res.canceled) {
      const compactRevision = Number(res.compact_revision);
      if (compactRevision > 0) {
        this.close();
        this.o.onCompacted(compactRevision);
        return;
      }
      // Canceled for another reason (no leader, permissions): try again from where we are.
      this.drop();
      this.reconnectLater();
      return;
    }
    if (res.created) {
      // The header of a creation answer is the current revision, not progress: events may follow.
      this.watching = true;
      this.createdAt = performance.now();
      this.backoff = RECONNECT_MIN_MS;
      return;
    }
    if (res.events.length > 0) {
      this.next = Number(res.events[res.events.length - 1].kv.mod_revision) + 1;
      this.o.onEvents(res.events);
      return;
    }
    // No events: a progress notification. Timed ones carry our watch id and reach only synced
    // watchers; requested ones carry -1.
    this.o.onProgress(Number(res.header.revision), res.watch_id === '-1');
  }
}

/** ConnectionPool is the part of the etcd3 client's (internal) pool a watch stream needs. */
interface ConnectionPool {
  withConnection<T>(service: 'Watch', fn: (args: { resource: unknown; client: { watch(md: unknown, opts: object): T }; metadata: { set(k: string, v: string): void } }) => T): Promise<T>;
  markFailed(resource: unknown, error: Error): void;
}

/**
 * openWatchStream opens a watch stream that requires a leader, as kube-apiserver's watches do
 * (gRPC metadata hasleader=true): a member cut off from the quorum cancels the watch instead of
 * leaving it silent, and the stream moves to another member. It is the client's own watch call
 * plus that one header; without access to the client's pool it falls back to the plain call.
 */
function openWatchStream(client: Etcd3): Promise<IDuplexStream<IWatchRequest, IWatchResponse>> {
  const pool = (client as unknown as { pool?: ConnectionPool }).pool;
  if (!pool || typeof pool.withConnection !== 'function') return client.watchClient.watch();
  return pool.withConnection('Watch', ({ resource, client: service, metadata }) => {
    metadata.set('hasleader', 'true');
    const stream = service.watch(metadata, {}) as IDuplexStream<IWatchRequest, IWatchResponse> & { writable?: boolean };
    stream.on('error', (err: Error) => {
      if (stream.writable) pool.markFailed(resource, err);
    });
    return stream;
  });
}

/**
 * toStorageEvent turns an etcd event into kapi's, resourceVersion spliced in; keyOf maps the
 * etcd key to kapi's, and objectOf hands over the object when this server wrote it (the cache
 * then need not parse the value).
 */
export function toStorageEvent(
  ev: IEvent,
  keyOf: (etcdKey: string) => string = (k) => k,
  objectOf: (key: string, rev: number) => KubeObject | undefined = () => undefined,
): StorageEvent {
  const key = keyOf(ev.kv.key.toString());
  const rev = Number(ev.kv.mod_revision);
  const prev = ev.prev_kv ? withStoredRevision(ev.prev_kv.value.toString(), ev.prev_kv.mod_revision) : undefined;
  if (ev.type === 'Delete') {
    // Without prev_kv (it was compacted away) only the key is known.
    const value = ev.prev_kv ? withStoredRevision(ev.prev_kv.value.toString(), rev) : tombstone(key, rev);
    return { type: 'DELETED', key, value, rev, prevValue: prev };
  }
  const type = ev.kv.create_revision === ev.kv.mod_revision ? 'ADDED' : 'MODIFIED';
  return { type, key, value: withStoredRevision(ev.kv.value.toString(), rev), rev, prevValue: prev, object: objectOf(key, rev) };
}

function tombstone(key: string, rev: number): string {
  const parts = key.split('/');
  return JSON.stringify({ metadata: { name: parts[parts.length - 1], resourceVersion: String(rev) } });
}

interface Subscriber {
  prefix: string;
  cb: WatchCallbacks;
  /** after: nothing at or before this revision is delivered. */
  after: number;
  active: boolean;
  catchup?: StreamWatch;
  /** caughtUpTo is what the catch-up watch has delivered. */
  caughtUpTo: number;
}

export interface WatchHubOptions {
  client: Etcd3;
  /** prefix is the etcd key prefix the shared watch covers, ending with '/'. */
  prefix: string;
  /** keyPrefix is the same prefix as callers spell keys (they differ with --etcd-prefix), ending with '/'. */
  keyPrefix: string;
  /** keyOf maps an etcd key to the caller's key. */
  keyOf(etcdKey: string): string;
  /** objectOf returns the object this server wrote at (key, rev), if it still has it. */
  objectOf?(key: string, rev: number): KubeObject | undefined;
  /** onCompacted tells the storage a compaction revision learnt from etcd. */
  onCompacted?(rev: number): void;
}

/** WatchHub serves storage watches from one shared etcd watch (see the file comment). */
export class WatchHub {
  private main?: StreamWatch;
  /** mainEventRev is the revision of the last event the shared watch delivered (its start - 1 before any). */
  private mainEventRev = 0;
  /** mainDelivered is the revision up to which everything has been delivered: events and trusted progress. */
  private mainDelivered = 0;
  private readonly joined = new Set<Subscriber>();
  private readonly catching = new Set<Subscriber>();
  private progressTarget = 0;
  private progressTimer?: NodeJS.Timeout;
  private progressInFlight = false;
  /** candidate is the last requested progress answer, trusted once a later answer arrives (see onMainProgress). */
  private candidate?: number;
  private closed = false;
  private deliveryWaiters: { rev: number; done: () => void }[] = [];

  constructor(private readonly o: WatchHubOptions) {}

  /** delivered is the revision the shared watch has delivered everything up to. */
  get delivered(): number {
    return this.mainDelivered;
  }

  subscribe(prefix: string, from: number, cb: WatchCallbacks): WatchHandle {
    if (!prefix.startsWith(this.o.keyPrefix)) throw new Error(`watch prefix ${prefix} is outside the storage prefix ${this.o.keyPrefix}`);
    const sub: Subscriber = { prefix, cb, after: from, active: true, caughtUpTo: from };
    if (!this.main) {
      this.startMain(from);
      this.joined.add(sub);
    } else if (from >= this.mainEventRev) {
      this.joined.add(sub);
      if (this.mainDelivered > from) cb.progress?.(this.mainDelivered);
    } else {
      this.startCatchup(sub, from);
    }
    return { stop: () => this.unsubscribe(sub) };
  }

  /**
   * waitDelivered resolves once the shared watch has delivered revision `rev` to every joined
   * subscriber, at once when there is no shared watch, and after timeoutMs in any case: the
   * storage acknowledges a write only when this server's watch caches hold it, as SQLite does.
   */
  waitDelivered(rev: number, timeoutMs: number): Promise<void> {
    if (!this.main || this.closed || rev <= this.mainDelivered) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.deliveryWaiters = this.deliveryWaiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      timer.unref();
      const waiter = {
        rev,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.deliveryWaiters.push(waiter);
    });
  }

  /** releaseWaiters lets every waiter whose revision is delivered (all of them when `all`) go on. */
  private releaseWaiters(all = false): void {
    if (this.deliveryWaiters.length === 0) return;
    const ready = all ? this.deliveryWaiters : this.deliveryWaiters.filter((w) => w.rev <= this.mainDelivered);
    if (ready.length === 0) return;
    this.deliveryWaiters = all ? [] : this.deliveryWaiters.filter((w) => w.rev > this.mainDelivered);
    for (const w of ready) w.done();
  }

  /**
   * requestProgress makes sure the subscribers hear of revision `rev` soon even when nothing
   * under the prefix changes (the newest write was elsewhere in etcd, e.g. the compactor's key).
   */
  requestProgress(rev: number): void {
    if (this.closed || rev <= this.mainDelivered) return;
    this.progressTarget = Math.max(this.progressTarget, rev);
    if (!this.progressTimer && !this.progressInFlight) this.scheduleProgress(PROGRESS_DELAY_MS);
  }

  close(): void {
    this.closed = true;
    if (this.progressTimer) clearTimeout(this.progressTimer);
    this.main?.close();
    this.main = undefined;
    for (const s of [...this.joined, ...this.catching]) {
      s.active = false;
      s.catchup?.close();
    }
    this.joined.clear();
    this.catching.clear();
    this.releaseWaiters(true);
  }

  private startMain(from: number): void {
    this.mainEventRev = from;
    this.mainDelivered = from;
    this.candidate = undefined;
    this.progressInFlight = false;
    this.main = new StreamWatch({
      client: this.o.client,
      prefix: this.o.prefix,
      startRevision: from + 1,
      onEvents: (events) => this.onMainEvents(events),
      onProgress: (rev, requested) => this.onMainProgress(rev, requested),
      onCompacted: (rev) => this.onMainCompacted(rev),
      onReconnect: () => {
        // An answer still owed by the old stream will never come.
        this.candidate = undefined;
        this.progressInFlight = false;
        if (this.progressTarget > this.mainDelivered && !this.progressTimer) this.scheduleProgress(PROGRESS_DELAY_MS);
      },
    });
  }

  private startCatchup(sub: Subscriber, from: number): void {
    this.catching.add(sub);
    sub.catchup = new StreamWatch({
      client: this.o.client,
      prefix: this.o.prefix,
      startRevision: from + 1,
      onEvents: (events) => {
        if (!sub.active) return;
        let last = sub.caughtUpTo;
        for (const ev of events) {
          const e = toStorageEvent(ev, this.o.keyOf, this.o.objectOf);
          last = e.rev;
          if (e.rev > sub.after && e.key.startsWith(sub.prefix)) sub.cb.event(e);
          if (!sub.active) return;
        }
        sub.caughtUpTo = last;
        sub.after = Math.max(sub.after, last);
        sub.cb.progress?.(last);
        this.maybeJoin(sub);
      },
      onProgress: (rev, requested) => {
        // A catch-up watch sees every event under the prefix, so a timed notification counts.
        if (requested || !sub.active || rev <= sub.caughtUpTo) return;
        sub.caughtUpTo = rev;
        sub.after = Math.max(sub.after, rev);
        sub.cb.progress?.(rev);
        this.maybeJoin(sub);
      },
      onCompacted: (rev) => {
        this.o.onCompacted?.(rev);
        this.catching.delete(sub);
        if (!sub.active) return;
        sub.active = false;
        sub.cb.error?.(compacted(sub.prefix, sub.after, rev));
      },
    });
  }

  /** maybeJoin moves a catching-up subscriber onto the shared watch once it has caught up with it. */
  private maybeJoin(sub: Subscriber): void {
    if (!this.main) {
      // Everyone else left: this subscriber's position becomes the shared watch's start.
      sub.catchup?.close();
      sub.catchup = undefined;
      this.catching.delete(sub);
      this.startMain(sub.caughtUpTo);
      this.joined.add(sub);
      return;
    }
    if (sub.caughtUpTo < this.mainEventRev) return;
    // Every later event reaches the shared watch after mainEventRev; those up to caughtUpTo were
    // delivered already and `after` keeps them out.
    sub.catchup?.close();
    sub.catchup = undefined;
    this.catching.delete(sub);
    this.joined.add(sub);
  }

  private unsubscribe(sub: Subscriber): void {
    if (!sub.active) return;
    sub.active = false;
    sub.catchup?.close();
    this.joined.delete(sub);
    this.catching.delete(sub);
    if (this.joined.size === 0 && this.catching.size === 0 && this.main) {
      this.main.close();
      this.main = undefined;
      this.releaseWaiters(true);
    }
  }

  private onMainEvents(events: IEvent[]): void {
    const subs = [...this.joined];
    for (const ev of events) {
      const e = toStorageEvent(ev, this.o.keyOf, this.o.objectOf);
      for (const s of subs) {
        if (s.active && e.rev > s.after && e.key.startsWith(s.prefix)) s.cb.event(e);
      }
      this.mainEventRev = e.rev;
    }
    this.advance(this.mainEventRev);
  }

  /** advance reports that everything up to rev has been delivered. */
  private advance(rev: number): void {
    if (rev <= this.mainDelivered) return;
    this.mainDelivered = rev;
    this.main?.confirm(rev);
    for (const s of [...this.joined]) if (s.active) s.cb.progress?.(rev);
    this.releaseWaiters();
  }

  /**
   * onMainProgress handles a progress notification. etcd before 3.4.31 sends a requested one on
   * a control path that can overtake events still queued for the stream (etcd issue 15220), so
   * an answer is trusted only once the answer to a later request has arrived: by then the
   * server has sent what it had queued. Timed notifications travel with the events and count
   * at once.
   */
  private onMainProgress(rev: number, requested: boolean): void {
    if (!requested) {
      this.advance(rev);
      return;
    }
    this.progressInFlight = false;
    const settle = this.main?.settledIn() ?? 0;
    if (settle > 0) {
      // The stream is new: neither this answer nor an earlier one proves the events are through.
      this.candidate = undefined;
      if (this.progressTarget > this.mainDelivered) {
        if (this.progressTimer) clearTimeout(this.progressTimer);
        this.progressTimer = undefined;
        this.scheduleProgress(settle);
      }
      return;
    }
    if (this.candidate !== undefined) this.advance(this.candidate);
    this.candidate = rev;
    if (this.progressTarget > this.mainDelivered) this.scheduleProgress(PROGRESS_INTERVAL_MS);
    else this.candidate = undefined;
  }

  private scheduleProgress(delay: number): void {
    if (this.progressTimer || this.closed) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      if (this.progressTarget <= this.mainDelivered) {
        this.candidate = undefined;
        return;
      }
      if (!this.main) return; // nobody to report to; a new shared watch starts where its subscriber is
      if (this.main.requestProgress()) this.progressInFlight = true;
      else this.scheduleProgress(PROGRESS_DELAY_MS); // the stream is reconnecting
    }, delay);
    this.progressTimer.unref();
  }

  private onMainCompacted(rev: number): void {
    this.o.onCompacted?.(rev);
    this.main = undefined;
    this.releaseWaiters(true);
    const subs = [...this.joined];
    this.joined.clear();
    for (const s of subs) {
      if (!s.active) continue;
      s.active = false;
      s.cb.error?.(compacted(s.prefix, s.after, rev));
    }
  }
}

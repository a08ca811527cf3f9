import type { KubeObject } from '../meta/object';
import { decode, withRevision } from '../storage/codec';
import { StorageError } from '../storage/errors';
import type { DeleteOptions, KeyValue, Storage, StorageEvent, StorageListOptions, StorageListResult, TryUpdate, UpdateOptions, WatchHandle } from '../storage/interface';
import type { ObjectAttrs, Predicate } from './predicate';
import { CacheWatcher, type WatchEncoder, type WatchSink } from './watcher';
import { EventWindow, type CacheEvent } from './window';

/** WINDOW_SIZE is how many recent events a resource keeps for watchers that resume; older ones get 410. */
export const WINDOW_SIZE = 10_000;
/** BOOKMARK_INTERVAL_MS is how often a watcher that asked for bookmarks gets one (kube-apiserver: about a minute). */
export const BOOKMARK_INTERVAL_MS = 60_000;
/** DEADLINE_BOOKMARK_LEAD_MS sends the last bookmark this long before a watch's timeout, as upstream does. */
const DEADLINE_BOOKMARK_LEAD_MS = 2_000;
/** BOOKMARK_TICK_MS is the resolution of the bookmark timer. */
const BOOKMARK_TICK_MS = 250;
/** RELIST_RETRY_MIN_MS and RELIST_RETRY_MAX_MS bound the back-off of a relist that failed (storage down). */
const RELIST_RETRY_MIN_MS = 100;
const RELIST_RETRY_MAX_MS = 5_000;

interface CachedItem {
  kv: KeyValue;
  attrs: ObjectAttrs;
}

export interface WatchCacheOptions {
  storage: Storage;
  /** prefix is the resource's key prefix, ending with '/'. */
  prefix: string;
  attrs: (obj: KubeObject) => ObjectAttrs;
  windowSize?: number;
  now?: () => number;
  bookmarkIntervalMs?: number;
}

export interface CacheListOptions {
  /** prefix narrows to a namespace (`/registry/pods/default/`); defaults to the whole resource. */
  prefix?: string;
  predicate: Predicate;
  limit?: number;
  /** after continues a list after this key. */
  after?: string;
}

export interface CacheListResult {
  items: KeyValue[];
  revision: number;
  more: boolean;
  /** remaining counts the matching items left out because of the limit. */
  remaining: number;
}

export interface CacheWatchOptions {
  prefix?: string;
  predicate: Predicate;
  encoder: WatchEncoder;
  sink: WatchSink;
  /** from resumes after this revision; undefined starts from the current state with synthetic ADDED events. */
  from?: number;
  /** initialEventsEnd sends the BOOKMARK that ends the initial events (streaming lists). */
  initialEventsEnd?: boolean;
  bookmarks?: boolean;
  /** timeoutMs ends the watch after this long. */
  timeoutMs: number;
}

/**
 * WatchCache keeps the current objects of one resource and a window of recent events, fed by
 * the storage's watch. It answers GET, LIST and WATCH from memory and passes writes through to
 * the storage it decorates. Objects are held as their stored JSON: responses reuse the bytes
 * instead of re-serializing, and memory stays close to the JSON size.
 */
export class WatchCache {
  readonly prefix: string;
  private readonly storage: Storage;
  private readonly attrsOf: (obj: KubeObject) => ObjectAttrs;
  private readonly items = new Map<string, CachedItem>();
  private sortedKeys: string[] = [];
  private sorted = true;
  private window!: EventWindow;
  private revision = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private readonly subscribers = new Set<Subscriber>();
  private handle?: WatchHandle;
  private bookmarkTimer?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly bookmarkInterval: number;
  private readonly windowSize: number;
  private waiters: { rev: number; resolve: () => void }[] = [];
  private failure?: Error;
  /** watchGeneration tells callbacks of a storage watch that has been replaced from the current one. */
  private watchGeneration = 0;
  private stopped = false;

  constructor(opts: WatchCacheOptions) {
    this.storage = opts.storage;
    this.prefix = opts.prefix;
    this.attrsOf = opts.attrs;
    this.now = opts.now ?? Date.now;
    this.bookmarkInterval = opts.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS;
    this.windowSize = opts.windowSize ?? WINDOW_SIZE;
  }

  /** start fills the cache from a list and follows the storage's watch from that revision. */
  async start(): Promise<void> {
    const listed = await this.storage.list(this.prefix);
    for (const kv of listed.items) this.items.set(kv.key, { kv, attrs: this.attrsOf(decode(kv.value)) });
    this.sortedKeys = [...this.items.keys()];
    this.sorted = false;
    this.revision = listed.revision;
    this.window = new EventWindow(this.windowSize, listed.revision);
    this.follow(listed.revision);
  }

  /** follow starts the storage watch after revision `from`; its callbacks die with its generation. */
  private follow(from: number): void {
    const generation = ++this.watchGeneration;
    const current = () => generation === this.watchGeneration;
    const handle = this.storage.watch(this.prefix, from, {
      event: (e) => {
        if (current()) this.apply(e);
      },
      progress: (rev) => {
        if (current()) this.advance(rev);
      },
      error: (err) => {
        if (current()) this.fail(err);
      },
    });
    if (current()) this.handle = handle;
    else handle.stop();
  }

  stop(): void {
    this.stopped = true;
    this.watchGeneration++;
    this.handle?.stop();
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    for (const w of [...this.watchers]) w.stop();
  }

  /** currentRevision is the revision the cache has caught up with. */
  get currentRevision(): number {
    return this.revision;
  }

  /** oldestResumable is the oldest revision a watch can resume from. */
  get oldestResumable(): number {
    return this.window.oldest;
  }

  get size(): number {
    return this.items.size;
  }

  /**
   * requiresFreshnessCheck tells that other servers write to the storage too (etcd): the cache
   * may be behind, and a consistent read must call waitUntilFresh first.
   */
  get requiresFreshnessCheck(): boolean {
    return this.storage.requiresFreshnessCheck === true;
  }

  /**
   * waitUntilFresh learns the storage's current revision and waits until the cache has seen it,
   * as kube-apiserver's consistent reads from cache do; TooLargeResourceVersion after timeoutMs.
   */
  async waitUntilFresh(timeoutMs: number): Promise<void> {
    await this.waitForRevision(await this.storage.currentRevision(), timeoutMs);
  }

  /** waitForRevision resolves once the cache has seen `rev`, or rejects after timeoutMs. */
  waitForRevision(rev: number, timeoutMs: number): Promise<void> {
    if (this.revision >= rev) return Promise.resolve();
    // The revision may belong to a write outside this cache's prefix, or outside kapi's keys:
    // then only a progress report brings the cache there.
    this.storage.requestProgress?.(rev);
    return new Promise<void>((resolve, reject) => {
      const waiter = { rev, resolve: () => { clearTimeout(timer); resolve(); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new StorageError('TooLargeResourceVersion', this.prefix, `Too large resource version: ${rev}, current: ${this.revision}`, this.revision));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get(key: string): KeyValue | undefined {
    this.checkHealthy();
    return this.items.get(key)?.kv;
  }

  list(opts: CacheListOptions): CacheListResult {
    this.checkHealthy();
    const prefix = opts.prefix ?? this.prefix;
    const keys = this.keysInOrder();
    let i = lowerBound(keys, opts.after !== undefined && opts.after >= prefix ? opts.after + '\0' : prefix);
    const items: KeyValue[] = [];
    const limit = opts.limit ?? 0;
    let remaining = 0;
    for (; i < keys.length; i++) {
      const key = keys[i];
      if (!key.startsWith(prefix)) break;
      const item = this.items.get(key)!;
      if (!opts.predicate.empty && !opts.predicate.matches(item.attrs)) continue;
      if (limit > 0 && items.length >= limit) remaining++;
      else items.push(item.kv);
    }
    return { items, revision: this.revision, more: remaining > 0, remaining };
  }

  /** watch starts a watcher; Compacted (410) when `from` has left the window. */
  watch(opts: CacheWatchOptions): CacheWatcher {
    this.checkHealthy();
    const prefix = opts.prefix ?? this.prefix;
    if (opts.from !== undefined && opts.from < this.window.oldest) {
      throw new StorageError('Compacted', prefix, `too old resource version: ${opts.from} (${this.window.oldest})`, this.window.oldest);
    }
    const deadline = this.now() + opts.timeoutMs;
    const w = new CacheWatcher(prefix, opts.predicate, opts.encoder, opts.sink, deadline, (x) => this.watchers.delete(x), opts.from ?? 0);
    // Everything below runs in one synchronous step, so no event can slip between the state
    // sent and the watcher joining the live stream.
    if (opts.from === undefined) {
      for (const key of this.keysInOrder()) {
        if (!key.startsWith(prefix)) continue;
        const item = this.items.get(key)!;
        if (opts.predicate.empty || opts.predicate.matches(item.attrs)) w.initial(item.kv.value);
      }
    } else {
      for (const e of this.window.since(opts.from)) w.deliver(e);
    }
    if (opts.initialEventsEnd) w.bookmark(this.revision, true);
    if (!w.active) return w;
    this.watchers.add(w);
    if (opts.bookmarks) {
      w.nextBookmark = this.nextBookmarkTime(w);
      this.ensureBookmarkTimer();
    }
    return w;
  }

  /** watcherCount is for tests and metrics. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** listFromStorage reads an older snapshot the cache no longer holds (continued pages, Exact lists). */
  listFromStorage(prefix: string, opts: StorageListOptions): Promise<StorageListResult> {
    return this.storage.list(prefix, opts);
  }

  // Writes pass through to the storage; the cache learns of them from the watch.
  create(key: string, obj: KubeObject): Promise<KeyValue> {
    return this.storage.create(key, obj);
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KeyValue> {
    return this.storage.guaranteedUpdate(key, tryUpdate, { cachedExisting: opts.cachedExisting ?? this.items.get(key)?.kv });
  }

  delete(key: string, opts: DeleteOptions = {}): Promise<KeyValue> {
    return this.storage.delete(key, { ...opts, cachedExisting: opts.cachedExisting ?? this.items.get(key)?.kv });
  }

  private apply(e: StorageEvent): void {
    const prev = this.items.get(e.key);
    let attrs: ObjectAttrs;
    if (e.type === 'DELETED') {
      // The deleted value is the last state with a new revision: its attributes are unchanged.
      attrs = prev ? prev.attrs : this.attrsOf(decode(e.value));
      this.items.delete(e.key);
      this.sorted = false;
    } else {
      attrs = this.attrsOf(e.object ?? decode(e.value));
      if (!prev) {
        this.sortedKeys.push(e.key);
        if (this.sortedKeys.length > 1 && this.sortedKeys[this.sortedKeys.length - 2] > e.key) this.sorted = false;
      }
      this.items.set(e.key, { kv: { key: e.key, value: e.value, rev: e.rev }, attrs });
    }
    const ce: CacheEvent = { type: e.type, key: e.key, value: e.value, rev: e.rev, attrs, prevAttrs: prev?.attrs, prevValue: e.type === 'MODIFIED' ? prev?.kv.value : undefined };
    this.window.push(ce);
    this.advance(e.rev);
    for (const w of this.watchers) w.deliver(ce);
    if (this.subscribers.size) {
      const object = lazyObject(e.object, e.value);
      for (const sub of this.subscribers) sub(ce, object);
    }
  }

  /**
   * subscribe tells an in-process controller of every change after this moment, in order,
   * synchronously after the cache applied it. Returns the unsubscribe function.
   */
  subscribe(cb: Subscriber): () => void {
    this.subscribers.add(cb);
    return () => this.subscribers.delete(cb);
  }

  private advance(rev: number): void {
    if (rev <= this.revision) return;
    this.revision = rev;
    if (this.waiters.length) {
      const ready = this.waiters.filter((w) => w.rev <= rev);
      this.waiters = this.waiters.filter((w) => w.rev > rev);
      for (const w of ready) w.resolve();
    }
  }

  /**
   * fail handles the end of the storage watch (its revision was compacted, or it broke): as
   * kube-apiserver's cacher does, it ends every watcher (clients re-watch, and get 410 Gone if
   * their resourceVersion has left the new window), relists, and follows the storage again.
   * Until the relist succeeds the cache answers 503 instead of serving a state it cannot vouch for.
   */
  private fail(err: Error): void {
    if (this.stopped) return;
    this.watchGeneration++;
    this.handle?.stop();
    this.handle = undefined;
    this.failure = err;
    for (const w of [...this.watchers]) w.stop();
    void this.relist();
  }

  private async relist(): Promise<void> {
    let delay = RELIST_RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        const listed = await this.storage.list(this.prefix);
        if (this.stopped) return;
        this.replace(listed);
        this.failure = undefined;
        this.follow(listed.revision);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, RELIST_RETRY_MAX_MS);
      }
    }
  }

  /**
   * replace installs a fresh list. In-process subscribers (controllers) are told what changed
   * while the watch was down, as an informer's relist does; watchers were all ended by fail().
   */
  private replace(listed: StorageListResult): void {
    const previous = new Map(this.items);
    this.items.clear();
    for (const kv of listed.items) this.items.set(kv.key, { kv, attrs: this.attrsOf(decode(kv.value)) });
    this.sorted = false;
    this.window = new EventWindow(this.windowSize, listed.revision);
    if (this.subscribers.size) {
      const changes: CacheEvent[] = [];
      for (const [key, item] of this.items) {
        const prev = previous.get(key);
        if (!prev) changes.push({ type: 'ADDED', key, value: item.kv.value, rev: item.kv.rev, attrs: item.attrs, prevAttrs: undefined });
        else if (prev.kv.rev !== item.kv.rev) changes.push({ type: 'MODIFIED', key, value: item.kv.value, rev: item.kv.rev, attrs: item.attrs, prevAttrs: prev.attrs, prevValue: prev.kv.value });
      }
      for (const [key, prev] of previous) {
        if (!this.items.has(key)) changes.push({ type: 'DELETED', key, value: withRevision(prev.kv.value, listed.revision), rev: listed.revision, attrs: prev.attrs, prevAttrs: prev.attrs });
      }
      for (const ce of changes) {
        const object = lazyObject(undefined, ce.value);
        for (const sub of this.subscribers) sub(ce, object);
      }
    }
    if (listed.revision > this.revision) this.advance(listed.revision);
  }

  private checkHealthy(): void {
    if (this.failure) throw new StorageError('Unavailable', this.prefix, `watch cache for ${this.prefix} is not serving: ${this.failure.message}`);
  }

  private keysInOrder(): string[] {
    if (!this.sorted) {
      this.sortedKeys = [...this.items.keys()].sort();
      this.sorted = true;
    }
    return this.sortedKeys;
  }

  private nextBookmarkTime(w: CacheWatcher): number {
    const now = this.now();
    const periodic = now + this.bookmarkInterval;
    const beforeDeadline = w.deadline - DEADLINE_BOOKMARK_LEAD_MS;
    return beforeDeadline > now ? Math.min(periodic, beforeDeadline) : periodic;
  }

  private ensureBookmarkTimer(): void {
    if (this.bookmarkTimer) return;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), BOOKMARK_TICK_MS);
    this.bookmarkTimer.unref();
  }

  /** sendBookmarks is exported through the timer; tests drive it with an injected clock. */
  sendBookmarks(): void {
    const now = this.now();
    let any = false;
    for (const w of this.watchers) {
      if (!w.nextBookmark) continue;
      any = true;
      if (w.nextBookmark <= now) {
        w.bookmark(this.revision);
        w.nextBookmark = now + this.bookmarkInterval;
      }
    }
    if (!any && this.bookmarkTimer) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = undefined;
    }
  }
}

/** lowerBound is the first index whose key is >= target. */
function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Subscriber is an in-process consumer of a cache's events. `object` parses the event's value
 * once for all subscribers (or hands over the object the write already had): the result is
 * shared, so subscribers read it and copy what they keep.
 */
export type Subscriber = (e: CacheEvent, object: () => Readonly<KubeObject>) => void;

function lazyObject(known: KubeObject | undefined, value: string): () => KubeObject {
  let obj = known;
  return () => (obj ??= decode(value));
}

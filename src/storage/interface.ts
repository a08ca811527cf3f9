import type { KubeObject } from '../meta/object';

/** KeyValue is one stored object: its key, its JSON (resourceVersion included) and revisions. */
export interface KeyValue {
  key: string;
  /** value is the object's JSON with metadata.resourceVersion equal to `rev`. */
  value: string;
  /** rev is the revision of the write that produced this value (etcd's mod_revision). */
  rev: number;
}

/** Preconditions guard a write, as metav1.Preconditions. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** ListOptions selects what a list returns. */
export interface StorageListOptions {
  /** revision lists the state as of that revision; 0 or absent means the current state. */
  revision?: number;
  /** after returns only keys sorted strictly after this key (continue tokens). */
  after?: string;
  /** limit caps the number of items; 0 means no limit. */
  limit?: number;
  /** filter keeps only the items it accepts; it runs before the limit is applied. */
  filter?: (kv: KeyValue) => boolean;
}

export interface StorageListResult {
  items: KeyValue[];
  /** revision is the revision the list reflects. */
  revision: number;
  /** more tells that items were left out because of the limit. */
  more: boolean;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * StorageEvent is one change. For DELETED, value is the last state of the object with its
 * resourceVersion set to the revision of the deletion, as kube-apiserver reports it.
 */
export interface StorageEvent {
  type: StorageEventType;
  key: string;
  value: string;
  /** prevValue is the state before the change, when the backend knows it. */
  prevValue?: string;
  rev: number;
  /**
   * object, when the backend has it at hand, is `value` parsed; it saves consumers a parse.
   * Nobody may mutate it.
   */
  object?: KubeObject;
}

/** WatchCallbacks receive a watch's events in revision order. */
export interface WatchCallbacks {
  event(e: StorageEvent): void;
  /** progress tells that every event up to `rev` has been delivered. */
  progress?(rev: number): void;
  /** error ends the watch (compaction, lost connection). */
  error?(err: Error): void;
}

export interface WatchHandle {
  stop(): void;
}

/**
 * TryUpdate computes the new object from the current one. It must be pure: storage re-runs it
 * with the fresh state when a concurrent write wins. Returning undefined means "no change".
 */
export type TryUpdate = (current: KeyValue) => Promise<KubeObject | undefined> | KubeObject | undefined;

export interface UpdateOptions {
  /** cachedExisting lets the first attempt start from a state the caller already has. */
  cachedExisting?: KeyValue;
}

export interface DeleteOptions {
  preconditions?: Preconditions;
  /** validate runs against the current state before the delete; throw to refuse. */
  validate?: (current: KeyValue) => Promise<void> | void;
  cachedExisting?: KeyValue;
}

/**
 * Storage is the narrow interface every backend (SQLite, etcd) and the watch cache implement.
 * Keys are full paths (`/registry/pods/default/nginx`); values are JSON objects.
 */
export interface Storage {
  /** create stores a new key; KeyExists if it is there. It sets metadata.resourceVersion. */
  create(key: string, obj: KubeObject): Promise<KeyValue>;
  /** get returns the current value or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** list returns the keys under prefix (which must end with '/') in key order. */
  list(prefix: string, opts?: StorageListOptions): Promise<StorageListResult>;
  /** guaranteedUpdate applies tryUpdate with compare-and-swap, retrying on conflict. */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KeyValue>;
  /** delete removes a key; KeyNotFound if absent. Returns the deleted value at the deletion revision. */
  delete(key: string, opts?: DeleteOptions): Promise<KeyValue>;
  /** watch delivers every change under prefix after revision `from`; Compacted if it is gone. */
  watch(prefix: string, from: number, cb: WatchCallbacks): WatchHandle;
  /** currentRevision is the newest revision of the whole store. */
  currentRevision(): Promise<number>;
  /** compact forgets superseded values older than revision. */
  compact(revision: number): Promise<void>;
  /** compactedRevision is the oldest revision that can still be read or watched from. */
  compactedRevision(): number;
  close(): Promise<void>;

  // Optional, for backends that other servers write to as well (etcd). SQLite has none of them.

  /**
   * requiresFreshnessCheck tells that other servers write to this storage too, so a watch cache
   * may be behind: a read without resourceVersion (a consistent read) must first learn
   * currentRevision() and wait until the cache has seen it, as kube-apiserver's consistent reads
   * from cache do. Absent means a cache fed by this storage is always current.
   */
  readonly requiresFreshnessCheck?: boolean;
  /**
   * requestProgress asks for a progress report (WatchCallbacks.progress) of at least `rev` soon,
   * even when nothing changes under the watched prefixes (etcd's RequestProgress).
   */
  requestProgress?(rev: number): void;
  /** isHealthy tells whether the backend answered its last health probe (for /readyz); absent means always. */
  isHealthy?(): boolean;
}

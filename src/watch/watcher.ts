import { withRevision } from '../storage/codec';
import type { CacheEvent } from './window';
import type { Predicate } from './predicate';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEncoder renders events for one wire format and version. */
export interface WatchEncoder {
  /** key identifies the format and version; events memoize their encodings by it. */
  readonly key: string;
  /** event renders one event around a stored object's JSON. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', value: string): string | Buffer;
  /** bookmark renders a BOOKMARK carrying only a resourceVersion (and the initial-events-end annotation). */
  bookmark(rev: number, initialEventsEnd: boolean): string | Buffer;
  /** afterEvent is told when an event frame went out (a Table watch drops its headers after the first). */
  afterEvent?(): void;
}

/** WatchSink is where a watcher's frames go: the HTTP response in practice. */
export interface WatchSink {
  write(chunk: string | Buffer): void;
  /** buffered is how many bytes are queued and not yet taken by the client. */
  buffered(): number;
  /** close ends the stream; the client re-establishes its watch. */
  close(): void;
}

/** MAX_BUFFERED is how far a watcher may fall behind before it is dropped (clients relist and re-watch). */
export const MAX_BUFFERED = 16 * 1024 * 1024;

/** CacheWatcher is one client's watch on a watch cache. */
export class CacheWatcher {
  private stopped = false;
  /** nextBookmark is when this watcher is owed a bookmark; 0 when it did not ask for them. */
  nextBookmark = 0;

  constructor(
    readonly prefix: string,
    readonly predicate: Predicate,
    readonly encoder: WatchEncoder,
    private readonly sink: WatchSink,
    readonly deadline: number,
    private readonly onStop: (w: CacheWatcher) => void,
    /** after is the revision the client has seen up to; nothing at or before it is sent. */
    private readonly after = 0,
  ) {}

  get active(): boolean {
    return !this.stopped;
  }

  /**
   * deliver sends one event as this watcher sees it: an object that starts matching the
   * selectors is ADDED, one that stops matching is DELETED, as kube-apiserver's cacher does.
   */
  deliver(e: CacheEvent): void {
    if (this.stopped || e.rev <= this.after || !e.key.startsWith(this.prefix)) return;
    const type = this.typeFor(e);
    if (!type) return;
    // An object that stops matching leaves as its previous state, stamped with the new revision
    // (what this watcher last saw of it), as upstream's cacheWatcher does.
    const leaving = type === 'DELETED' && e.type === 'MODIFIED' && e.prevValue !== undefined;
    const memo = this.encoder.key + type + (leaving ? ':prev' : '');
    let frame = e.encoded?.get(memo);
    if (frame === undefined) {
      frame = this.encoder.event(type, leaving ? withRevision(e.prevValue!, e.rev) : e.value);
      (e.encoded ??= new Map()).set(memo, frame);
    }
    this.send(frame);
    this.encoder.afterEvent?.();
  }

  /** initial sends a synthetic ADDED for an object present when the watch started. */
  initial(value: string): void {
    if (this.stopped) return;
    this.send(this.encoder.event('ADDED', value));
    this.encoder.afterEvent?.();
  }

  bookmark(rev: number, initialEventsEnd = false): void {
    if (!this.stopped) this.send(this.encoder.bookmark(rev, initialEventsEnd));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop(this);
    this.sink.close();
  }

  private typeFor(e: CacheEvent): 'ADDED' | 'MODIFIED' | 'DELETED' | undefined {
    const p = this.predicate;
    if (e.type === 'DELETED') return p.matches(e.attrs) ? 'DELETED' : undefined;
    const now = p.matches(e.attrs);
    if (e.type === 'ADDED' || !e.prevAttrs) return now ? 'ADDED' : undefined;
    const before = p.empty || p.matches(e.prevAttrs);
    if (now) return before ? 'MODIFIED' : 'ADDED';
    return before ? 'DELETED' : undefined;
  }

  private send(frame: string | Buffer): void {
    this.sink.write(frame);
    // A client that does not read must not make the server hold its backlog forever.
    if (this.sink.buffered() > MAX_BUFFERED) this.stop();
  }
}

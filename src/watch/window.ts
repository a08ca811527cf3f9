import type { StorageEventType } from '../storage/interface';
import type { ObjectAttrs } from './predicate';

/**
 * CacheEvent is one change as the watch cache keeps it: the stored JSON, the attributes of the
 * new and previous states, and the encodings already made for watchers, so each event is
 * serialized once per format and event type, not once per watcher.
 */
export interface CacheEvent {
  type: StorageEventType;
  key: string;
  value: string;
  rev: number;
  attrs: ObjectAttrs;
  /** prevAttrs is undefined for ADDED. */
  prevAttrs: ObjectAttrs | undefined;
  /** prevValue is the state before a MODIFIED (sent, at the new revision, to a watcher it stops matching). */
  prevValue?: string;
  encoded?: Map<string, string | Buffer>;
}

/**
 * EventWindow is a ring buffer of the most recent events. `oldest` is the revision a watch may
 * resume from: every event after it is still in the window.
 */
export class EventWindow {
  private readonly ring: (CacheEvent | undefined)[];
  private start = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    /** oldest starts at the revision the cache was filled at. */
    private oldestResumable: number,
  ) {
    this.ring = new Array<CacheEvent | undefined>(capacity);
  }

  get oldest(): number {
    return this.oldestResumable;
  }

  push(e: CacheEvent): void {
    if (this.size === this.capacity) {
      const evicted = this.ring[this.start]!;
      this.ring[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.size--;
      this.oldestResumable = evicted.rev;
    }
    this.ring[(this.start + this.size) % this.capacity] = e;
    this.size++;
  }

  /** since returns the events after revision `rev`, oldest first. */
  since(rev: number): CacheEvent[] {
    const out: CacheEvent[] = [];
    // Binary search would do, but resumes are rare next to events; a scan from the end is short.
    let i = this.size - 1;
    while (i >= 0 && this.ring[(this.start + i) % this.capacity]!.rev > rev) i--;
    for (let j = i + 1; j < this.size; j++) out.push(this.ring[(this.start + j) % this.capacity]!);
    return out;
  }
}

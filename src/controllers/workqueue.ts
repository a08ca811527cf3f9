import type { Logger } from '../server/status';

/** RETRY_MS is how soon an item whose work is unfinished or failed is tried again. */
export const RETRY_MS = 500;

/**
 * WorkQueue runs a controller's work items one call per item at a time, coalescing an item
 * queued again while it waits, and retrying it while the work says it is not done or fails.
 */
export class WorkQueue<T> {
  private readonly queued = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly idOf: (item: T) => string,
    /** work returns true when the item is done, false to be retried later. */
    private readonly work: (item: T) => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  add(item: T, delay = 0): void {
    const id = this.idOf(item);
    if (this.stopped || this.queued.has(id)) return;
    this.queued.add(id);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.queued.delete(id);
      this.work(item).then(
        (done) => {
          if (!done) this.add(item, RETRY_MS);
        },
        (e: unknown) => {
          this.log.error(`${this.name}: ${id}`, e);
          this.add(item, RETRY_MS);
        },
      );
    }, delay);
    this.timers.add(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }
}

import type { KubeObject } from '../meta/object';
import { conflict, keyNotFound } from './errors';
import type { DeleteOptions, KeyValue, TryUpdate, UpdateOptions } from './interface';

/** MAX_UPDATE_ATTEMPTS bounds guaranteedUpdate and delete retries; each retry means someone else won. */
const MAX_UPDATE_ATTEMPTS = 64;

/**
 * Commit is the outcome of one compare-and-swap: the stored value, or the value that beat it
 * (undefined when the key is gone).
 */
export type Commit = { kv: KeyValue } | { current: KeyValue | undefined };

/** CasBackend is what the retry loops need of a backend: reads and one compare-and-swap write. */
export interface CasBackend {
  get(key: string): Promise<KeyValue | undefined>;
  /** commit writes `next` (undefined: deletes) over `expected` if that is still the latest revision. */
  commit(key: string, expected: number, next: KubeObject | undefined): Promise<Commit>;
}

/** Step is what one attempt decides on the current value: write a new one, delete it, or keep it. */
type Step = { write: KubeObject } | 'delete' | 'keep';

/**
 * casLoop runs kube-apiserver's GuaranteedUpdate loop over a backend: decide on the current
 * value, write with a compare-and-swap, and decide again on the newer value when someone else
 * wrote first. A verdict reached on a cached copy (a refusal, or "keep") only counts if the copy
 * was current, so the loop re-reads once before accepting it, as upstream does.
 */
async function casLoop(b: CasBackend, key: string, cached: KeyValue | undefined, decide: (current: KeyValue) => Promise<Step>): Promise<KeyValue> {
  let current = cached ?? (await b.get(key));
  let fromCache = cached !== undefined;
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    if (!current) throw keyNotFound(key);
    let step: Step | 'reread';
    try {
      step = await decide(current);
    } catch (e) {
      if (!fromCache || !(await isStale(b, key, current))) throw e;
      step = 'reread';
    }
    if (step === 'keep' && fromCache && (await isStale(b, key, current))) step = 'reread';
    if (step === 'reread') {
      fromCache = false;
      current = await b.get(key);
      continue;
    }
    if (step === 'keep') return current;
    const r = await b.commit(key, current.rev, step === 'delete' ? undefined : step.write);
    if ('kv' in r) return r.kv;
    current = r.current;
    fromCache = false;
  }
  throw conflict(key);
}

/** guaranteedUpdate stores what tryUpdate makes of the current value (nothing when it returns undefined). */
export function guaranteedUpdate(b: CasBackend, key: string, tryUpdate: TryUpdate, opts: UpdateOptions = {}): Promise<KeyValue> {
  return casLoop(b, key, opts.cachedExisting, async (current) => {
    const next = await tryUpdate(current);
    return next === undefined ? 'keep' : { write: next };
  });
}

/** deleteWithRetry deletes the current value once opts.validate accepts it. */
export function deleteWithRetry(b: CasBackend, key: string, opts: DeleteOptions = {}): Promise<KeyValue> {
  return casLoop(b, key, opts.cachedExisting, async (current) => {
    await opts.validate?.(current);
    return 'delete';
  });
}

/** isStale tells whether a value read earlier has been superseded. */
async function isStale(b: CasBackend, key: string, seen: KeyValue): Promise<boolean> {
  const now = await b.get(key);
  return now?.rev !== seen.rev;
}

/**
 * BoundedMemo is a Map that forgets everything once it holds `limit` entries. The apply engine
 * memoizes small derived values (interned path elements, parsed FieldsV1 keys, manager
 * identifiers) whose keys come from user data (label names, list-map keys), so the tables must
 * not grow without bound; dropping the whole table now and then is far cheaper per lookup than
 * keeping LRU order, and a miss only costs the recomputation.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  /** get returns the memoized value, if any. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** set memoizes a value, first forgetting everything when the table is full. */
  set(key: K, value: V): V {
    if (this.entries.size >= this.limit) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}

/**
 * MAX_MEMO_TEXT bounds the length of the strings memos keep (as keys or inside what they
 * hold): names and keys are short, and a memo full of a hostile request's megabyte-long keys
 * would pin that much memory. Longer ones are simply recomputed.
 */
export const MAX_MEMO_TEXT = 512;

/** isMemoizable reports a value small enough to keep in a memo: a short string, a number, a boolean. */
export function isMemoizable(v: unknown): boolean {
  return typeof v === 'string' ? v.length <= MAX_MEMO_TEXT : typeof v === 'number' || typeof v === 'boolean';
}

/**
 * mergeTyped is TypedValue.Merge: the applied configuration (rhs) laid over the live object
 * (lhs). Leaves take the applied value; structs and granular maps merge key by key; list-map
 * items merge by key and set items union; atomic lists and maps are replaced whole. Nothing is
 * removed here (pruning fields a manager stopped applying is the updater's job).
 *
 * List order follows upstream: items only in the live list keep their place, applied items come
 * in applied order, and an item present on both sides is emitted where the applied list puts it.
 */

import { pathElementKey } from './fieldpath';
import { atomKind, deduceAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { hasOwn, isList, isMap, setOwn, type JsonMap } from './value';

/** mergeTyped merges rhs into lhs; undefined means neither side had anything. */
export function mergeTyped(schema: Schema, ref: Ref, lhs: unknown, rhs: unknown): unknown {
  if (lhs === undefined && rhs === undefined) return undefined;
  return new Walker(schema).merge(schema.resolve(ref), lhs, rhs);
}

const NO_KEYS: readonly string[] = [];

/** Keyed is a list item with its key (its element's FieldsV1 form). */
interface Keyed {
  key: string;
  item: unknown;
}

class Walker {
  constructor(private readonly schema: Schema) {}

  merge(a: Atom, lhs: unknown, rhs: unknown): unknown {
    // Without an applied value the live one stands as it is.
    if (rhs === undefined) return lhs;
    // When the sides differ in kind upstream walks lhs as well but keeps rhs's result, so the
    // applied side's kind decides (when they agree, either side's atom is the same).
    return this.handle(deduceAtom(a, rhs), lhs, rhs);
  }

  private handle(atom: Atom, lhs: unknown, rhs: unknown): unknown {
    switch (atomKind(atom)) {
      case 'map':
        return this.doMap(atom.map!, lhs, rhs);
      case 'list':
        return this.doList(atom.list!, lhs, rhs);
      default:
        return leaf(lhs, rhs);
    }
  }

  private doMap(m: MapAtom, lhs: unknown, rhs: unknown): unknown {
    const l = isMap(lhs) ? lhs : undefined;
    const r = isMap(rhs) ? rhs : undefined;
    const lKeys = l ? Object.keys(l) : NO_KEYS;
    const rKeys = r ? Object.keys(r) : NO_KEYS;
    if (m.atomic || (lKeys.length === 0 && rKeys.length === 0)) return leaf(lhs, rhs);
    const out: JsonMap = {};
    let size = 0;
    // Keys keep the live object's order; keys new in the applied configuration follow.
    for (const key of lKeys) {
      const rv = r && hasOwn(r, key) ? r[key] : undefined;
      const v = this.merge(this.schema.field(m, key).atom, l![key], rv);
      if (v !== undefined) {
        setOwn(out, key, v);
        size++;
      }
    }
    for (const key of rKeys) {
      if (l && hasOwn(l, key)) continue;
      const v = this.merge(this.schema.field(m, key).atom, undefined, r![key]);
      if (v !== undefined) {
        setOwn(out, key, v);
        size++;
      }
    }
    return size > 0 ? out : undefined;
  }

  private doList(list: ListAtom, lhs: unknown, rhs: unknown): unknown {
    const l = isList(lhs) ? lhs : undefined;
    const r = isList(rhs) ? rhs : undefined;
    const lEmpty = !l || l.length === 0;
    const rEmpty = !r || r.length === 0;
    if (!list.associative || (lEmpty && rEmpty)) return leaf(lhs, rhs);
    const out = this.visitListItems(list, l ?? [], r ?? []);
    return out.length > 0 ? out : undefined;
  }

  /**
   * index keys the items of one side: every keyed item in order, and per key the item, or null
   * for a key repeated (duplicated items are not merged with the applied value). Without
   * allowDuplicates a repeated key is skipped instead.
   */
  private index(list: ListAtom, items: unknown[], allowDuplicates: boolean): { keyed: Keyed[]; observed: Map<string, unknown>; duplicates: boolean } {
    const keyed: Keyed[] = [];
    const observed = new Map<string, unknown>();
    let duplicates = false;
    for (const item of items) {
      const pe = this.schema.listItemElement(list, item);
      if (typeof pe === 'string') continue;
      const key = pathElementKey(pe);
      if (observed.has(key)) {
        duplicates = true;
        if (!allowDuplicates) continue;
        observed.set(key, null);
      } else {
        observed.set(key, item);
      }
      keyed.push({ key, item });
    }
    return { keyed, observed, duplicates };
  }

  private visitListItems(list: ListAtom, lhs: unknown[], rhs: unknown[]): unknown[] {
    const elem = this.schema.resolve(list.elem);
    const out: unknown[] = [];
    const item = (lv: unknown, rv: unknown): void => {
      const v = this.merge(elem, lv, rv);
      if (v !== undefined) out.push(v);
    };
    const R = this.index(list, rhs, false);
    const L = this.index(list, lhs, true);
    if (!L.duplicates && !R.duplicates && isAligned(L.keyed, R.keyed)) {
      // The common case, decided in one pass: the same keys in the same order on both sides
      // (or nothing on one side) pair up item by item, as the walk below would pair them.
      const n = Math.max(L.keyed.length, R.keyed.length);
      for (let i = 0; i < n; i++) item(L.keyed[i]?.item, R.keyed[i]?.item);
      return out;
    }
    const shared = R.keyed.filter((p) => L.observed.has(p.key));
    let nextSharedIndex = 0;
    const nextShared = (): Keyed | undefined => shared[nextSharedIndex];
    const mergedRHS = new Set<string>();
    let lI = 0;
    let rI = 0;
    while (lI < L.keyed.length || rI < R.keyed.length) {
      if (lI < L.keyed.length && rI < R.keyed.length) {
        const lp = L.keyed[lI];
        if (lp.key === R.keyed[rI].key) {
          mergedRHS.add(lp.key);
          item(L.observed.get(lp.key), R.observed.get(lp.key));
          lI++;
          rI++;
          nextSharedIndex++;
          continue;
        }
        const waiting = nextShared();
        if (R.observed.has(lp.key) && waiting !== undefined && waiting.key !== lp.key) {
          // A shared item, but not the one this round is waiting for.
          lI++;
          continue;
        }
      }
      if (lI < L.keyed.length) {
        const lp = L.keyed[lI];
        if (!R.observed.has(lp.key)) {
          // The live item itself: a duplicate is observed as null but kept as it is.
          item(lp.item, undefined);
          lI++;
          continue;
        } else if (mergedRHS.has(lp.key)) {
          lI++;
        }
      }
      if (rI < R.keyed.length) {
        const rp = R.keyed[rI];
        mergedRHS.add(rp.key);
        item(L.observed.get(rp.key), R.observed.get(rp.key));
        rI++;
        const waiting = nextShared();
        if (waiting !== undefined && waiting.key === rp.key) nextSharedIndex++;
      }
    }
    return out;
  }
}

/** isAligned reports two keyed lists with the same keys in the same order, or one of them empty. */
function isAligned(l: readonly Keyed[], r: readonly Keyed[]): boolean {
  if (l.length === 0 || r.length === 0) return true;
  if (l.length !== r.length) return false;
  for (let i = 0; i < l.length; i++) if (l[i].key !== r[i].key) return false;
  return true;
}

/** leaf is upstream's keep-rhs rule: the applied value if any, else the live one. */
function leaf(lhs: unknown, rhs: unknown): unknown {
  return rhs !== undefined ? rhs : lhs;
}

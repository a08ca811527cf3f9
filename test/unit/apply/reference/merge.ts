/**
 * mergeTyped is TypedValue.Merge: the applied configuration (rhs) laid over the live object
 * (lhs). Leaves take the applied value; structs and granular maps merge key by key; list-map
 * items merge by key and set items union; atomic lists and maps are replaced whole. Nothing is
 * removed here (pruning fields a manager stopped applying is the updater's job).
 *
 * List order follows upstream: items only in the live list keep their place, applied items come
 * in applied order, and an item present on both sides is emitted where the applied list puts it.
 */

import { fieldElement, pathElementKey, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, sameAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { hasOwn, isList, isMap, setOwn, type JsonMap } from './value';

/** mergeTyped merges rhs into lhs; undefined means neither side had anything. */
export function mergeTyped(schema: Schema, ref: Ref, lhs: unknown, rhs: unknown): unknown {
  if (lhs === undefined && rhs === undefined) return undefined;
  return new Walker(schema).merge([], ref, lhs, rhs);
}

class Walker {
  constructor(private readonly schema: Schema) {}

  merge(path: PathElement[], ref: Ref | undefined, lhs: unknown, rhs: unknown): unknown {
    const a = this.schema.resolve(ref);
    const al = deduceAtom(a, lhs);
    const ar = deduceAtom(a, rhs);
    // Without an applied value the live one stands as it is.
    if (rhs === undefined) return lhs;
    // When the sides differ in kind upstream walks lhs as well but keeps rhs's result, so the
    // applied side's kind decides.
    return this.handle(sameAtom(al, ar) ? al : ar, path, lhs, rhs);
  }

  private handle(atom: Atom, path: PathElement[], lhs: unknown, rhs: unknown): unknown {
    switch (atomKind(atom)) {
      case 'map':
        return this.doMap(atom.map!, path, lhs, rhs);
      case 'list':
        return this.doList(atom.list!, path, lhs, rhs);
      default:
        return leaf(lhs, rhs);
    }
  }

  private doMap(m: MapAtom, path: PathElement[], lhs: unknown, rhs: unknown): unknown {
    const l = isMap(lhs) ? lhs : undefined;
    const r = isMap(rhs) ? rhs : undefined;
    const lEmpty = !l || Object.keys(l).length === 0;
    const rEmpty = !r || Object.keys(r).length === 0;
    if (m.atomic || (lEmpty && rEmpty)) return leaf(lhs, rhs);
    const out: JsonMap = {};
    // Keys keep the live object's order; keys new in the applied configuration follow.
    const keys = new Set<string>([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
    for (const key of keys) {
      const lv = l && hasOwn(l, key) ? l[key] : undefined;
      const rv = r && hasOwn(r, key) ? r[key] : undefined;
      const v = this.merge([...path, fieldElement(key)], this.schema.fieldType(m, key), lv, rv);
      if (v !== undefined) setOwn(out, key, v);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private doList(list: ListAtom, path: PathElement[], lhs: unknown, rhs: unknown): unknown {
    const l = isList(lhs) ? lhs : undefined;
    const r = isList(rhs) ? rhs : undefined;
    const lEmpty = !l || l.length === 0;
    const rEmpty = !r || r.length === 0;
    if (!list.associative || (lEmpty && rEmpty)) return leaf(lhs, rhs);
    const out = this.visitListItems(list, path, l ?? [], r ?? []);
    return out.length > 0 ? out : undefined;
  }

  private index(list: ListAtom, items: unknown[], allowDuplicates: boolean): { pes: { pe: PathElement; key: string }[]; observed: Map<string, unknown> } {
    const pes: { pe: PathElement; key: string }[] = [];
    const observed = new Map<string, unknown>();
    for (const item of items) {
      const pe = this.schema.listItemElement(list, item);
      if (typeof pe === 'string') continue;
      const key = pathElementKey(pe);
      if (observed.has(key)) {
        if (!allowDuplicates) continue;
        // Duplicated items are not merged with the applied value.
        observed.set(key, null);
      } else {
        observed.set(key, item);
      }
      pes.push({ pe, key });
    }
    return { pes, observed };
  }

  private visitListItems(list: ListAtom, path: PathElement[], lhs: unknown[], rhs: unknown[]): unknown[] {
    const out: unknown[] = [];
    const R = this.index(list, rhs, false);
    const L = this.index(list, lhs, true);
    const shared = R.pes.filter((p) => L.observed.has(p.key));
    let nextShared = shared.shift();
    const mergedRHS = new Set<string>();
    const item = (pe: PathElement, lv: unknown, rv: unknown): void => {
      const v = this.merge([...path, pe], list.elem, lv, rv);
      if (v !== undefined) out.push(v);
    };
    let lI = 0;
    let rI = 0;
    // lhsItems keeps the items themselves: duplicates are observed as null.
    const lhsItems = lhs.filter((x) => typeof this.schema.listItemElement(list, x) !== 'string');
    while (lI < L.pes.length || rI < R.pes.length) {
      if (lI < L.pes.length && rI < R.pes.length) {
        const lp = L.pes[lI];
        if (lp.key === R.pes[rI].key) {
          mergedRHS.add(lp.key);
          item(lp.pe, L.observed.get(lp.key), R.observed.get(lp.key));
          lI++;
          rI++;
          nextShared = shared.shift();
          continue;
        }
        if (R.observed.has(lp.key) && nextShared !== undefined && nextShared.key !== lp.key) {
          // A shared item, but not the one this round is waiting for.
          lI++;
          continue;
        }
      }
      if (lI < L.pes.length) {
        const lp = L.pes[lI];
        if (!R.observed.has(lp.key)) {
          item(lp.pe, lhsItems[lI], undefined);
          lI++;
          continue;
        } else if (mergedRHS.has(lp.key)) {
          lI++;
        }
      }
      if (rI < R.pes.length) {
        const rp = R.pes[rI];
        mergedRHS.add(rp.key);
        item(rp.pe, L.observed.get(rp.key), R.observed.get(rp.key));
        rI++;
        if (nextShared !== undefined && nextShared.key === rp.key) nextShared = shared.shift();
      }
    }
    return out;
  }
}

/** leaf is upstream's keep-rhs rule: the applied value if any, else the live one. */
function leaf(lhs: unknown, rhs: unknown): unknown {
  return rhs !== undefined ? rhs : lhs;
}

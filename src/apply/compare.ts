/**
 * compareTyped is TypedValue.Compare: which fields an update removed, modified or added. Leaves
 * (scalars, atomic lists and maps, and lists or maps empty on both sides) are compared by value;
 * a container that appears or disappears is itself added or removed, which is where the `"."`
 * markers of Update entries come from (`f:labels: {".": {}, "f:app": {}}` on create).
 */

import { pathElementKey, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, sameAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import type { FieldSet } from './set';
import { SetWriter } from './setwriter';
import { equalDefined, equalValues, hasOwn, isList, isMap } from './value';

/** Comparison holds disjoint sets of removed, modified and added fields. */
export interface Comparison {
  removed: FieldSet;
  modified: FieldSet;
  added: FieldSet;
}

/** isSame reports a comparison without changes. */
export function isSame(c: Comparison): boolean {
  return c.removed.isEmpty() && c.modified.isEmpty() && c.added.isEmpty();
}

/** excludeFields drops the given fields, and everything below them, from a comparison. */
export function excludeFields(c: Comparison, fields: FieldSet | undefined): Comparison {
  if (!fields || fields.isEmpty()) return c;
  return {
    removed: c.removed.recursiveDifference(fields),
    modified: c.modified.recursiveDifference(fields),
    added: c.added.recursiveDifference(fields),
  };
}

/** compareTyped compares lhs (before) with rhs (after); either may be undefined (absent). */
export function compareTyped(schema: Schema, ref: Ref, lhs: unknown, rhs: unknown): Comparison {
  const w = new Walker(schema);
  if (lhs !== undefined || rhs !== undefined) w.compare(schema.resolve(ref), lhs, rhs);
  return { removed: w.removed.set, modified: w.modified.set, added: w.added.set };
}

const NO_KEYS: readonly string[] = [];

/**
 * Walker walks both values depth first, keeping its path in one stack. Subtrees that are equal
 * on both sides (and free of undefined, see equalDefined) are skipped: they cannot add, remove
 * or modify anything, and an update usually changes a few fields of a large object.
 */
class Walker {
  private readonly path: PathElement[] = [];
  readonly removed = new SetWriter();
  readonly modified = new SetWriter();
  readonly added = new SetWriter();

  constructor(private readonly schema: Schema) {}

  compare(a: Atom, lhs: unknown, rhs: unknown): void {
    const al = deduceAtom(a, lhs);
    const ar = deduceAtom(a, rhs);
    let inLeaf: boolean;
    if (rhs === undefined) {
      inLeaf = this.handle(al, lhs, rhs);
    } else if (lhs === undefined || sameAtom(al, ar)) {
      inLeaf = this.handle(ar, lhs, rhs);
    } else {
      // The two sides are of different kinds: each is walked as its own kind.
      this.handle(al, lhs, rhs);
      inLeaf = this.handle(ar, lhs, rhs);
    }
    if (!inLeaf) {
      if (lhs === undefined) this.added.insert(this.path);
      else if (rhs === undefined) this.removed.insert(this.path);
    }
  }

  /** child compares the values under pe, unless they are equal. */
  private child(pe: PathElement, atom: Atom, lhs: unknown, rhs: unknown): void {
    if (equalDefined(lhs, rhs)) return;
    this.path.push(pe);
    this.compare(atom, lhs, rhs);
    this.path.pop();
  }

  /** handle walks one kind of node and reports whether it was a leaf. */
  private handle(atom: Atom, lhs: unknown, rhs: unknown): boolean {
    switch (atomKind(atom)) {
      case 'map':
        return this.doMap(atom.map!, lhs, rhs);
      case 'list':
        return this.doList(atom.list!, lhs, rhs);
      default:
        return this.doLeaf(lhs, rhs);
    }
  }

  private doLeaf(lhs: unknown, rhs: unknown): boolean {
    if (lhs === undefined) this.added.insert(this.path);
    else if (rhs === undefined) this.removed.insert(this.path);
    else if (!equalValues(lhs, rhs)) this.modified.insert(this.path);
    return true;
  }

  private doMap(m: MapAtom, lhs: unknown, rhs: unknown): boolean {
    const l = isMap(lhs) ? lhs : undefined;
    const r = isMap(rhs) ? rhs : undefined;
    const lKeys = l ? Object.keys(l) : NO_KEYS;
    const rKeys = r ? Object.keys(r) : NO_KEYS;
    if (m.atomic || (lKeys.length === 0 && rKeys.length === 0)) return this.doLeaf(lhs, rhs);
    // Every key of either side once: lhs's, then those only rhs has.
    for (const key of lKeys) {
      const rv = r && hasOwn(r, key) ? r[key] : undefined;
      const f = this.schema.field(m, key);
      this.child(f.element, f.atom, l![key], rv);
    }
    for (const key of rKeys) {
      if (l && hasOwn(l, key)) continue;
      const f = this.schema.field(m, key);
      this.child(f.element, f.atom, undefined, r![key]);
    }
    return false;
  }

  private doList(list: ListAtom, lhs: unknown, rhs: unknown): boolean {
    const l = isList(lhs) ? lhs : undefined;
    const r = isList(rhs) ? rhs : undefined;
    const lEmpty = !l || l.length === 0;
    const rEmpty = !r || r.length === 0;
    if (!list.associative || (lEmpty && rEmpty)) return this.doLeaf(lhs, rhs);
    this.visitListItems(list, l ?? [], r ?? []);
    return false;
  }

  private visitListItems(list: ListAtom, lhs: unknown[], rhs: unknown[]): void {
    const elem = this.schema.resolve(list.elem);
    if (this.visitAligned(list, elem, lhs, rhs)) return;
    // Every element seen on either side once, with the items that carry it on each side.
    const order: { pe: PathElement; key: string }[] = [];
    const lValues = new Map<string, unknown[]>();
    const rValues = new Map<string, unknown[]>();
    for (const item of lhs) {
      const pe = this.schema.listItemElement(list, item);
      if (typeof pe === 'string') continue;
      const key = pathElementKey(pe);
      const seen = lValues.get(key);
      if (seen) seen.push(item);
      else {
        lValues.set(key, [item]);
        order.push({ pe, key });
      }
    }
    for (const item of rhs) {
      const pe = this.schema.listItemElement(list, item);
      if (typeof pe === 'string') continue;
      const key = pathElementKey(pe);
      const seen = rValues.get(key);
      if (seen) seen.push(item);
      else {
        rValues.set(key, [item]);
        if (!lValues.has(key)) order.push({ pe, key });
      }
    }
    for (const { pe, key } of order) {
      const ls = lValues.get(key) ?? [];
      const rs = rValues.get(key) ?? [];
      if (ls.length <= 1 && rs.length <= 1) {
        this.child(pe, elem, ls[0], rs[0]);
        continue;
      }
      this.path.push(pe);
      if (ls.length >= 2 && rs.length >= 2) {
        // Duplicates before and after: compared as if atomic.
        const same = ls.length === rs.length && ls.every((v, i) => equalValues(v, rs[i]));
        if (!same) this.modified.insert(this.path);
      } else if (ls.length >= 2) {
        // Duplicates no more: the survivor is new, the duplicate marker goes.
        if (rs.length > 0) this.compare(elem, undefined, rs[0]);
        this.removed.insert(this.path);
      } else {
        // New duplicates: the old item goes, the duplicate marker is new.
        if (ls.length > 0) this.compare(elem, ls[0], undefined);
        this.added.insert(this.path);
      }
      this.path.pop();
    }
  }

  /**
   * visitAligned is visitListItems for the common lists, in one pass and without grouping:
   * every item keyed, no key repeated, and both sides holding the same keys in the same order
   * (or one side empty). Items are then compared pairwise, as the grouping would pair them. It
   * returns false, having done nothing, for any other list.
   */
  private visitAligned(list: ListAtom, elem: Atom, lhs: unknown[], rhs: unknown[]): boolean {
    if (lhs.length !== 0 && rhs.length !== 0 && lhs.length !== rhs.length) return false;
    const n = Math.max(lhs.length, rhs.length);
    const pes: PathElement[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < n; i++) {
      const pe = this.schema.listItemElement(list, lhs.length !== 0 ? lhs[i] : rhs[i]);
      if (typeof pe === 'string') return false;
      const key = pathElementKey(pe);
      if (keys.has(key)) return false;
      if (lhs.length !== 0 && rhs.length !== 0) {
        const other = this.schema.listItemElement(list, rhs[i]);
        if (typeof other === 'string' || (other !== pe && pathElementKey(other) !== key)) return false;
      }
      keys.add(key);
      pes.push(pe);
    }
    for (let i = 0; i < n; i++) this.child(pes[i], elem, lhs[i], rhs[i]);
    return true;
  }
}

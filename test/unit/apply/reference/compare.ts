/**
 * compareTyped is TypedValue.Compare: which fields an update removed, modified or added. Leaves
 * (scalars, atomic lists and maps, and lists or maps empty on both sides) are compared by value;
 * a container that appears or disappears is itself added or removed, which is where the `"."`
 * markers of Update entries come from (`f:labels: {".": {}, "f:app": {}}` on create).
 */

import { fieldElement, pathElementKey, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, sameAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet } from './set';
import { equalValues, hasOwn, isList, isMap } from './value';

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
  const c: Comparison = { removed: FieldSet.empty(), modified: FieldSet.empty(), added: FieldSet.empty() };
  if (lhs === undefined && rhs === undefined) return c;
  new Walker(schema, c).compare([], ref, lhs, rhs);
  return c;
}

class Walker {
  constructor(
    private readonly schema: Schema,
    private readonly c: Comparison,
  ) {}

  compare(path: PathElement[], ref: Ref | undefined, lhs: unknown, rhs: unknown): void {
    const a = this.schema.resolve(ref);
    const al = deduceAtom(a, lhs);
    const ar = deduceAtom(a, rhs);
    let inLeaf: boolean;
    if (rhs === undefined) {
      inLeaf = this.handle(al, path, lhs, rhs);
    } else if (lhs === undefined || sameAtom(al, ar)) {
      inLeaf = this.handle(ar, path, lhs, rhs);
    } else {
      // The two sides are of different kinds: each is walked as its own kind.
      this.handle(al, path, lhs, rhs);
      inLeaf = this.handle(ar, path, lhs, rhs);
    }
    if (!inLeaf) {
      if (lhs === undefined) this.c.added.insert(path);
      else if (rhs === undefined) this.c.removed.insert(path);
    }
  }

  /** handle walks one kind of node and reports whether it was a leaf. */
  private handle(atom: Atom, path: PathElement[], lhs: unknown, rhs: unknown): boolean {
    switch (atomKind(atom)) {
      case 'map':
        return this.doMap(atom.map!, path, lhs, rhs);
      case 'list':
        return this.doList(atom.list!, path, lhs, rhs);
      default:
        return this.doLeaf(path, lhs, rhs);
    }
  }

  private doLeaf(path: PathElement[], lhs: unknown, rhs: unknown): boolean {
    if (lhs === undefined) this.c.added.insert(path);
    else if (rhs === undefined) this.c.removed.insert(path);
    else if (!equalValues(lhs, rhs)) this.c.modified.insert(path);
    return true;
  }

  private doMap(m: MapAtom, path: PathElement[], lhs: unknown, rhs: unknown): boolean {
    const l = isMap(lhs) ? lhs : undefined;
    const r = isMap(rhs) ? rhs : undefined;
    const lEmpty = !l || Object.keys(l).length === 0;
    const rEmpty = !r || Object.keys(r).length === 0;
    if (m.atomic || (lEmpty && rEmpty)) return this.doLeaf(path, lhs, rhs);
    const keys = new Set<string>([...Object.keys(l ?? {}), ...Object.keys(r ?? {})]);
    for (const key of keys) {
      const lv = l && hasOwn(l, key) ? l[key] : undefined;
      const rv = r && hasOwn(r, key) ? r[key] : undefined;
      this.compare([...path, fieldElement(key)], this.schema.fieldType(m, key), lv, rv);
    }
    return false;
  }

  private doList(list: ListAtom, path: PathElement[], lhs: unknown, rhs: unknown): boolean {
    const l = isList(lhs) ? lhs : undefined;
    const r = isList(rhs) ? rhs : undefined;
    const lEmpty = !l || l.length === 0;
    const rEmpty = !r || r.length === 0;
    if (!list.associative || (lEmpty && rEmpty)) return this.doLeaf(path, lhs, rhs);
    this.visitListItems(list, path, l ?? [], r ?? []);
    return false;
  }

  private visitListItems(list: ListAtom, path: PathElement[], lhs: unknown[], rhs: unknown[]): void {
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
      const childPath = [...path, pe];
      if (ls.length <= 1 && rs.length <= 1) {
        this.compare(childPath, list.elem, ls[0], rs[0]);
      } else if (ls.length >= 2 && rs.length >= 2) {
        // Duplicates before and after: compared as if atomic.
        const same = ls.length === rs.length && ls.every((v, i) => equalValues(v, rs[i]));
        if (!same) this.c.modified.insert(childPath);
      } else if (ls.length >= 2) {
        // Duplicates no more: the survivor is new, the duplicate marker goes.
        if (rs.length > 0) this.compare(childPath, list.elem, undefined, rs[0]);
        this.c.removed.insert(childPath);
      } else {
        // New duplicates: the old item goes, the duplicate marker is new.
        if (ls.length > 0) this.compare(childPath, list.elem, ls[0], undefined);
        this.c.added.insert(childPath);
      }
    }
  }
}

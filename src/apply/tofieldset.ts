/**
 * toFieldSet is TypedValue.ToFieldSet: the fields an object sets. Scalars and atomic lists and
 * maps are leaves; map keys are always members; a struct field is a member only when it is a
 * leaf, null or an empty object (otherwise its leaves speak for it); list-map and set items are
 * members, keyed by their key fields or value. Repeated items (which a live object may hold)
 * are members but are not descended into.
 */

import { pathElementKey, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, type Atom, type FieldInfo, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet, type SetChild } from './set';
import { hasOwn, isList, isMap, type JsonMap } from './value';

/**
 * SubtreeMemo remembers the set below each object a walk met (by identity). Pruning walks
 * objects that share most of their subtrees (an object, and the same object with a few fields
 * removed); with a memo the second walk only builds what differs, and the two sets then share
 * their subtrees, which set differences skip at once. The objects must not change meanwhile.
 */
export type SubtreeMemo = WeakMap<object, { part: MapAtom | ListAtom; named: boolean; below: FieldSet | undefined }>;

/** toFieldSet computes the field set of value under ref. */
export function toFieldSet(schema: Schema, ref: Ref, value: unknown): FieldSet {
  return new Walker(schema, false).root(schema.resolve(ref), value);
}

/**
 * toNamedFieldSet is ensureNamedFieldsAreMembers(toFieldSet(value)) in one walk: struct fields
 * with members below them are members too. Pruning needs the field sets of whole objects in
 * this form, and building it directly saves a second trie.
 */
export function toNamedFieldSet(schema: Schema, ref: Ref, value: unknown, memo?: SubtreeMemo): FieldSet {
  return new Walker(schema, true, memo).root(schema.resolve(ref), value);
}

/**
 * isLeaf reports a value that is a member by itself (TypedValue's leaves): a scalar, an atomic
 * list or map, or a value of the wrong kind. A null or absent map or list is not a leaf, and
 * has nothing below it either.
 */
function isLeaf(atom: Atom, value: unknown): boolean {
  switch (atomKind(atom)) {
    case 'map':
      return atom.map!.atomic || (!isMap(value) && value !== null && value !== undefined);
    case 'list':
      return !atom.list!.associative || (!isList(value) && value !== null && value !== undefined);
    default:
      return true;
  }
}

/** sortByRank sorts a struct's fields in place by FieldInfo.rank (insertion sort: a node has few). */
function sortByRank<T>(items: T[], fieldOf: (t: T) => FieldInfo): void {
  for (let i = 1; i < items.length; i++) {
    const item = items[i];
    const rank = fieldOf(item).rank;
    let j = i - 1;
    while (j >= 0 && fieldOf(items[j]).rank > rank) {
      items[j + 1] = items[j];
      j--;
    }
    items[j + 1] = item;
  }
}

function hasNoKeys(m: JsonMap): boolean {
  for (const k in m) if (hasOwn(m, k)) return false;
  return true;
}

/**
 * Walker builds sets bottom up: each map or list node yields the set below it, relative to it,
 * which its parent takes as a child.
 */
class Walker {
  constructor(
    private readonly schema: Schema,
    /** named: also make struct fields with members below them members. */
    private readonly named: boolean,
    private readonly memo?: SubtreeMemo,
  ) {}

  root(a: Atom, value: unknown): FieldSet {
    const atom = deduceAtom(a, value);
    // A leaf at the root is the empty path, which no set holds.
    return (isLeaf(atom, value) ? undefined : this.below(atom, value)) ?? FieldSet.empty();
  }

  /** below is the set below a value that is not a leaf; undefined when nothing is below it. */
  private below(atom: Atom, value: unknown): FieldSet | undefined {
    const kind = atomKind(atom);
    if (kind === 'map' && isMap(value)) {
      const m = atom.map!;
      return this.memoized(m, value, () => this.doMap(m, value));
    }
    if (kind === 'list' && isList(value)) {
      const l = atom.list!;
      return this.memoized(l, value, () => this.doList(l, value));
    }
    return undefined;
  }

  private memoized(part: MapAtom | ListAtom, value: object, build: () => FieldSet | undefined): FieldSet | undefined {
    if (!this.memo) return build();
    const hit = this.memo.get(value);
    if (hit && hit.part === part && hit.named === this.named) return hit.below;
    const below = build();
    this.memo.set(value, { part, named: this.named, below });
    return below;
  }

  private doMap(m: MapAtom, value: JsonMap): FieldSet | undefined {
    const members: FieldInfo[] = [];
    const children: { field: FieldInfo; set: FieldSet }[] = [];
    for (const key of Object.keys(value)) {
      const child = value[key];
      const f = this.schema.field(m, key);
      const atom = deduceAtom(f.atom, child);
      if (isLeaf(atom, child)) {
        members.push(f);
        continue;
      }
      const below = this.below(atom, child);
      if (below) children.push({ field: f, set: below });
      // Map keys are members; a struct field is one when nothing below speaks for it.
      if (child === null || !f.named || (this.named && below !== undefined) || (below === undefined && isMap(child) && hasNoKeys(child))) {
        members.push(f);
      }
    }
    if (members.length === 0 && children.length === 0) return undefined;
    if (members.every((f) => f.rank >= 0) && children.every((c) => c.field.rank >= 0)) {
      // Declared fields only (a struct): their ranks order them, and keys do not repeat.
      sortByRank(members, (f) => f);
      sortByRank(children, (c) => c.field);
      return FieldSet.fromSorted(
        members.map((f) => f.element),
        children.map((c) => ({ element: c.field.element, set: c.set })),
      );
    }
    return FieldSet.fromUnsorted(
      members.map((f) => f.element),
      children.map((c) => ({ element: c.field.element, set: c.set })),
    );
  }

  private doList(l: ListAtom, value: unknown[]): FieldSet | undefined {
    const elem = this.schema.resolve(l.elem);
    const items: { pe: PathElement; key: string; item: unknown }[] = [];
    const members: PathElement[] = [];
    const children: SetChild[] = [];
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const item of value) {
      const pe = this.schema.listItemElement(l, item);
      if (typeof pe === 'string') continue;
      const key = pathElementKey(pe);
      if (seen.has(key)) {
        // A repeated item is a member, but nothing below it is.
        if (!duplicates.has(key)) {
          members.push(pe);
          duplicates.add(key);
        }
      } else {
        seen.add(key);
      }
      items.push({ pe, key, item });
    }
    for (const { pe, key, item } of items) {
      if (duplicates.has(key)) continue;
      const atom = deduceAtom(elem, item);
      if (!isLeaf(atom, item)) {
        const below = this.below(atom, item);
        if (below) children.push({ element: pe, set: below });
      }
      members.push(pe);
    }
    return members.length === 0 && children.length === 0 ? undefined : FieldSet.fromUnsorted(members, children);
  }
}

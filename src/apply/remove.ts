/**
 * removeItems is TypedValue.RemoveItems: the value without the members of a set (a member
 * takes its whole subtree with it), and ensureNamedFieldsAreMembers is Set's method of that
 * name, which makes struct fields that only appear as parents members too, so removing a struct
 * field's last leaf can remove the field.
 *
 * Where upstream leaves `null` behind (a map or list whose every entry was removed) the key is
 * dropped instead: kapi stores plain JSON, and a typed Go object would drop that null anyway.
 */

import type { PathElement } from './fieldpath';
import { NO_ATOM, atomKind, deduceAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet, unionElements, type SetChild } from './set';
import { isList, isMap, setOwn, type JsonMap } from './value';

/** removeItems returns value without the paths in toRemove; undefined when nothing is left. */
export function removeItems(schema: Schema, ref: Ref, value: unknown, toRemove: FieldSet): unknown {
  if (toRemove.isEmpty()) return value;
  return walk(schema, schema.resolve(ref), value, toRemove);
}

function walk(schema: Schema, a: Atom, value: unknown, toRemove: FieldSet): unknown {
  const atom = deduceAtom(a, value);
  switch (atomKind(atom)) {
    case 'map':
      return doMap(schema, atom.map!, value, toRemove);
    case 'list':
      return doList(schema, atom.list!, value, toRemove);
    default:
      return value;
  }
}

function doMap(schema: Schema, m: MapAtom, value: unknown, toRemove: FieldSet): unknown {
  if (!isMap(value)) return value;
  const keys = Object.keys(value);
  // An empty map, or an atomic one something below is removed from, is left with nothing.
  if (keys.length === 0 || m.atomic) return undefined;
  const out: JsonMap = {};
  let size = 0;
  for (const key of keys) {
    const f = schema.field(m, key);
    if (toRemove.hasMember(f.element)) continue;
    let v = value[key];
    const subset = toRemove.child(f.element);
    if (subset && !subset.isEmpty()) v = walk(schema, f.atom, v, subset);
    if (v !== undefined) {
      setOwn(out, key, v);
      size++;
    }
  }
  return size > 0 ? out : undefined;
}

function doList(schema: Schema, l: ListAtom, value: unknown, toRemove: FieldSet): unknown {
  if (!isList(value)) return value;
  if (value.length === 0 || !l.associative) return undefined;
  const elem = schema.resolve(l.elem);
  const out: unknown[] = [];
  for (const item of value) {
    const pe = schema.listItemElement(l, item);
    if (typeof pe === 'string') {
      out.push(item);
      continue;
    }
    if (toRemove.hasMember(pe)) continue;
    let v = item;
    const subset = toRemove.child(pe);
    if (subset && !subset.isEmpty()) v = walk(schema, elem, item, subset);
    if (v !== undefined) out.push(v);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * ensureNamedFieldsAreMembers returns the set with every struct field that has members below it
 * made a member itself (map keys and list items are left as they are).
 */
export function ensureNamedFieldsAreMembers(schema: Schema, ref: Ref | undefined, set: FieldSet): FieldSet {
  return named(schema, schema.resolve(ref), set);
}

/** named rebuilds one node: its named children join its members, each child is rebuilt below. */
function named(schema: Schema, atom: Atom, set: FieldSet): FieldSet {
  const namedChildren: PathElement[] = [];
  const children: SetChild[] = [];
  for (const c of set.children) {
    const pe = c.element;
    let childAtom: Atom = NO_ATOM;
    if (pe.kind === 'field' && atom.map) {
      const f = schema.field(atom.map, pe.name);
      if (f.named) namedChildren.push(pe);
      childAtom = f.atom;
    } else if (pe.kind === 'key' && atom.list) {
      childAtom = schema.resolve(atom.list.elem);
    }
    children.push({ element: pe, set: named(schema, childAtom, c.set) });
  }
  // Both lists are sorted, and so are the children, so the node can be taken as built.
  return FieldSet.fromSorted(unionElements(set.members, namedChildren), children);
}

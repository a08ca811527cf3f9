/**
 * removeItems is TypedValue.RemoveItems: the value without the members of a set (a member
 * takes its whole subtree with it), and ensureNamedFieldsAreMembers is Set's method of that
 * name, which makes struct fields that only appear as parents members too, so removing a struct
 * field's last leaf can remove the field.
 *
 * Where upstream leaves `null` behind (a map or list whose every entry was removed) the key is
 * dropped instead: kapi stores plain JSON, and a typed Go object would drop that null anyway.
 */

import { fieldElement, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet } from './set';
import { isList, isMap, setOwn, type JsonMap } from './value';

/** removeItems returns value without the paths in toRemove; undefined when nothing is left. */
export function removeItems(schema: Schema, ref: Ref, value: unknown, toRemove: FieldSet): unknown {
  if (toRemove.isEmpty()) return value;
  return walk(schema, ref, value, toRemove);
}

function walk(schema: Schema, ref: Ref | undefined, value: unknown, toRemove: FieldSet): unknown {
  const atom = deduceAtom(schema.resolve(ref), value);
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
  for (const key of keys) {
    const pe = fieldElement(key);
    if (toRemove.hasMember(pe)) continue;
    let v = value[key];
    const subset = toRemove.child(pe);
    if (subset && !subset.isEmpty()) v = walk(schema, schema.fieldType(m, key), v, subset);
    if (v !== undefined) setOwn(out, key, v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function doList(schema: Schema, l: ListAtom, value: unknown, toRemove: FieldSet): unknown {
  if (!isList(value)) return value;
  if (value.length === 0 || !l.associative) return undefined;
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
    if (subset && !subset.isEmpty()) v = walk(schema, l.elem, item, subset);
    if (v !== undefined) out.push(v);
  }
  return out.length > 0 ? out : undefined;
}

/**
 * ensureNamedFieldsAreMembers returns the set with every struct field that has members below it
 * made a member itself (map keys and list items are left as they are).
 */
export function ensureNamedFieldsAreMembers(schema: Schema, ref: Ref | undefined, set: FieldSet): FieldSet {
  const out = FieldSet.empty();
  fill(schema, ref, set, out);
  return out;
}

function fill(schema: Schema, ref: Ref | undefined, set: FieldSet, out: FieldSet): void {
  const atom = schema.resolve(ref);
  for (const m of set.members) out.insertMember(m);
  for (const c of set.children) {
    let childRef: Ref | undefined;
    const pe: PathElement = c.element;
    if (pe.kind === 'field' && atom.map) {
      if (schema.isNamedField(atom.map, pe.name)) out.insertMember(pe);
      childRef = schema.fieldType(atom.map, pe.name);
    } else if (pe.kind === 'key' && atom.list) {
      childRef = atom.list.elem;
    }
    fill(schema, childRef, c.set, out.descend(pe));
  }
}

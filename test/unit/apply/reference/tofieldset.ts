/**
 * toFieldSet is TypedValue.ToFieldSet: the fields an object sets. Scalars and atomic lists and
 * maps are leaves; map keys are always members; a struct field is a member only when it is a
 * leaf, null or an empty object (otherwise its leaves speak for it); list-map and set items are
 * members, keyed by their key fields or value. Repeated items (which a live object may hold)
 * are members but are not descended into.
 */

import { fieldElement, pathElementKey, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, type ListAtom, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet } from './set';
import { isList, isMap } from './value';

/** toFieldSet computes the field set of value under ref. */
export function toFieldSet(schema: Schema, ref: Ref, value: unknown): FieldSet {
  const set = FieldSet.empty();
  walk(schema, ref, value, [], set);
  return set;
}

function walk(schema: Schema, ref: Ref | undefined, value: unknown, path: PathElement[], set: FieldSet): void {
  const atom = deduceAtom(schema.resolve(ref), value);
  switch (atomKind(atom)) {
    case 'map':
      doMap(schema, atom.map!, value, path, set);
      return;
    case 'list':
      doList(schema, atom.list!, value, path, set);
      return;
    default:
      // Scalars, and values with no known type, are leaves.
      set.insert(path);
  }
}

function doMap(schema: Schema, m: MapAtom, value: unknown, path: PathElement[], set: FieldSet): void {
  if (m.atomic) {
    set.insert(path);
    return;
  }
  if (!isMap(value)) {
    // A non-map where a map belongs: count it as a leaf rather than lose it.
    if (value !== null && value !== undefined) set.insert(path);
    return;
  }
  for (const key of Object.keys(value)) {
    const child = value[key];
    const childPath = [...path, fieldElement(key)];
    walk(schema, schema.fieldType(m, key), child, childPath, set);
    if (child === null || (isMap(child) && Object.keys(child).length === 0) || !schema.isNamedField(m, key)) {
      set.insert(childPath);
    }
  }
}

function doList(schema: Schema, l: ListAtom, value: unknown, path: PathElement[], set: FieldSet): void {
  if (!l.associative) {
    set.insert(path);
    return;
  }
  if (!isList(value)) {
    if (value !== null && value !== undefined) set.insert(path);
    return;
  }
  const items: { pe: PathElement; key: string; item: unknown }[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const item of value) {
    const pe = schema.listItemElement(l, item);
    if (typeof pe === 'string') continue;
    const key = pathElementKey(pe);
    if (seen.has(key)) {
      if (!duplicates.has(key)) {
        set.insert([...path, pe]);
        duplicates.add(key);
      }
    } else {
      seen.add(key);
    }
    items.push({ pe, key, item });
  }
  for (const { pe, key, item } of items) {
    if (duplicates.has(key)) continue;
    const childPath = [...path, pe];
    walk(schema, l.elem, item, childPath, set);
    set.insert(childPath);
  }
}

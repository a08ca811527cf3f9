/**
 * Schema reads a TypeTable the way structured-merge-diff reads its schema: every node becomes an
 * "atom" that is a scalar, a list, a map, or (for untyped nodes) any of the three, and the value
 * at hand decides which applies. Structs and maps are both maps (named fields plus an element
 * type for other keys); lists are atomic or associative (sets and list-maps).
 *
 * Untyped nodes are kube-openapi's `__untyped_deduced_`: maps merge key by key, lists are
 * atomic. Fields of a struct that preserves unknown fields, or of a struct with no declared
 * fields (a free-form object), are deduced the same way.
 */

import { resolve, type ListNode, type StructNode, type TypeNode, type TypeRef, type TypeTable } from '../schema/typeinfo';
import { fieldElement, internedKeyElement, internedValueElement, type FieldElement, type KeyElement, type KeyField, type PathElement } from './fieldpath';
import { BoundedMemo, isMemoizable } from './memo';
import { compareStrings, getOwn, hasOwn, isList, isMap, isScalar, type JsonMap } from './value';

/** ScalarKind is SMD's scalar type: numeric, string, boolean, or untyped (any scalar). */
export type ScalarKind = 'numeric' | 'string' | 'boolean' | 'untyped';

/** SpecialRef names SMD's built-in untyped types, which a TypeTable does not spell. */
export interface SpecialRef {
  readonly special: 'deduced' | 'untypedAtomic';
}

/** Ref is a TypeTable reference or one of the untyped built-ins. */
export type Ref = TypeRef | SpecialRef;

/** DEDUCED is `__untyped_deduced_`: maps merge key by key, lists are atomic. */
export const DEDUCED: SpecialRef = { special: 'deduced' };
/** UNTYPED_ATOMIC is `__untyped_atomic_`: everything below is one leaf. */
export const UNTYPED_ATOMIC: SpecialRef = { special: 'untypedAtomic' };

/** ListAtom is a list: atomic, or associative (a set, or a list-map with keys). */
export interface ListAtom {
  readonly elem: Ref;
  readonly associative: boolean;
  /** keys are the list-map keys; empty for a set. */
  readonly keys: readonly string[];
  /** sortedKeys are the keys in the order a key element lists them (by name). */
  readonly sortedKeys: readonly string[];
  /**
   * itemElements memoizes the key elements of a list-map keyed by one field, by that field's
   * value when it is present and scalar: most list-maps are keyed by a name, and keying an item
   * is then a lookup instead of rendering and interning its key.
   */
  readonly itemElements: BoundedMemo<unknown, KeyElement>;
  /** pairElements is itemElements for a list-map keyed by two fields (port and protocol), a level per field. */
  readonly pairElements: BoundedMemo<unknown, BoundedMemo<unknown, KeyElement>>;
}

/** ITEM_ELEMENTS bounds ListAtom.itemElements and the first level of pairElements (names, ports ...). */
const ITEM_ELEMENTS = 1_000;
/** PAIR_SECOND_ELEMENTS bounds the second level of pairElements: a port has a protocol or three. */
const PAIR_SECOND_ELEMENTS = 16;

function newListAtom(elem: Ref, associative: boolean, keys: readonly string[]): ListAtom {
  return {
    elem,
    associative,
    keys,
    sortedKeys: [...keys].sort(compareStrings),
    itemElements: new BoundedMemo(ITEM_ELEMENTS),
    pairElements: new BoundedMemo(ITEM_ELEMENTS),
  };
}

/** scalarKeyValue is an item's value of a key field when it is present, scalar and short enough to memoize. */
function scalarKeyValue(item: JsonMap, name: string): string | number | boolean | undefined {
  const v = hasOwn(item, name) ? item[name] : undefined;
  return isScalar(v) && isMemoizable(v) ? v : undefined;
}

/** MapAtom is a struct or map: named fields plus an element type for other keys. */
export interface MapAtom {
  /** fields are the named (struct) fields and their types. */
  readonly fields: Readonly<Record<string, Ref>>;
  /** elem is the type of keys that are not fields; undefined when unknown keys are not allowed. */
  readonly elem: Ref | undefined;
  readonly atomic: boolean;
  /** struct is the TypeTable node, for field defaults. */
  readonly struct?: StructNode;
  /** fieldInfos memoizes Schema.field for this map (declared fields, and a bounded number of other keys). */
  readonly fieldInfos: Map<string, FieldInfo>;
}

/** FieldInfo is what the walkers need of one key of a map: its element, type and atom. */
export interface FieldInfo {
  readonly element: FieldElement;
  /** ref is the declared field's type, else the map's element type; undefined when the map allows no other keys. */
  readonly ref: Ref | undefined;
  /** atom is ref resolved. */
  readonly atom: Atom;
  /** named reports a declared struct field (as opposed to a map key). */
  readonly named: boolean;
  /**
   * rank is a declared field's place among the map's declared fields in element order (-1 for
   * other keys): walkers sort a struct's fields by it instead of comparing names.
   */
  readonly rank: number;
}

/**
 * MAX_KEY_INFOS bounds the FieldInfos memoized per map for keys that are not declared fields
 * (label names, ConfigMap keys): user data, so the memo stops growing there.
 */
const MAX_KEY_INFOS = 256;

/** Atom is what a node may be; a value selects one part with deduceAtom. */
export interface Atom {
  readonly scalar?: ScalarKind;
  readonly list?: ListAtom;
  readonly map?: MapAtom;
}

/** NO_ATOM is the atom of a value without a type: a leaf to every walker. */
export const NO_ATOM: Atom = {};

function isSpecial(ref: Ref): ref is SpecialRef {
  return typeof ref === 'object' && 'special' in ref;
}

const EMBEDDED_FIELDS: Readonly<Record<string, Ref>> = {
  apiVersion: { kind: 'scalar', type: 'string' },
  kind: { kind: 'scalar', type: 'string' },
  metadata: DEDUCED,
};

function scalarKind(type: string): ScalarKind {
  switch (type) {
    case 'integer':
    case 'number':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      return 'untyped';
  }
}

/** Schema resolves references of one TypeTable, caching atoms per node. */
export class Schema {
  private readonly atoms = new WeakMap<object, Atom>();
  private readonly named = new Map<string, Atom>();
  private readonly keyDefaults = new WeakMap<ListAtom, Map<string, unknown>>();
  private readonly deducedAtom: Atom;
  private readonly untypedAtomicAtom: Atom;

  constructor(readonly table: TypeTable) {
    this.untypedAtomicAtom = {
      scalar: 'untyped',
      list: newListAtom(UNTYPED_ATOMIC, false, []),
      map: { fields: {}, elem: UNTYPED_ATOMIC, atomic: true, fieldInfos: new Map() },
    };
    this.deducedAtom = {
      scalar: 'untyped',
      list: newListAtom(UNTYPED_ATOMIC, false, []),
      map: { fields: {}, elem: DEDUCED, atomic: false, fieldInfos: new Map() },
    };
  }

  /** resolve turns a reference into its atom. */
  resolve(ref: Ref | undefined): Atom {
    if (ref === undefined) return NO_ATOM;
    if (isSpecial(ref)) return ref.special === 'deduced' ? this.deducedAtom : this.untypedAtomicAtom;
    if (typeof ref === 'string') {
      let a = this.named.get(ref);
      if (!a) {
        a = hasOwn(this.table.types, ref) ? this.atomOf(resolve(this.table, ref)) : this.deducedAtom;
        this.named.set(ref, a);
      }
      return a;
    }
    let a = this.atoms.get(ref);
    if (!a) {
      a = this.atomOf(ref);
      this.atoms.set(ref, a);
    }
    return a;
  }

  private atomOf(node: TypeNode): Atom {
    switch (node.kind) {
      case 'scalar':
        return { scalar: scalarKind(node.type) };
      case 'struct': {
        const declared = Object.keys(node.fields).length > 0;
        let fields: Readonly<Record<string, Ref>> = node.fields;
        if (node.embeddedResource) {
          const merged: Record<string, Ref> = { ...EMBEDDED_FIELDS };
          for (const k of Object.keys(node.fields)) merged[k] = node.fields[k];
          fields = merged;
        }
        return {
          map: {
            fields,
            elem: node.preserveUnknownFields || !declared ? DEDUCED : undefined,
            atomic: node.mapType === 'atomic',
            struct: node,
            fieldInfos: new Map(),
          },
        };
      }
      case 'map':
        return { map: { fields: {}, elem: node.values, atomic: node.mapType === 'atomic', fieldInfos: new Map() } };
      case 'list':
        return { list: listAtom(node) };
      case 'untyped':
        return this.deducedAtom;
    }
  }

  /** field describes key `name` of a map (memoized: walkers ask for every key they visit). */
  field(m: MapAtom, name: string): FieldInfo {
    const hit = m.fieldInfos.get(name);
    if (hit) return hit;
    const named = hasOwn(m.fields, name);
    const ref = named ? m.fields[name] : m.elem;
    const rank = named ? Object.keys(m.fields).sort(compareStrings).indexOf(name) : -1;
    const info: FieldInfo = { element: fieldElement(name), ref, atom: this.resolve(ref), named, rank };
    if (named || (m.fieldInfos.size < MAX_KEY_INFOS && isMemoizable(name))) m.fieldInfos.set(name, info);
    return info;
  }

  /** fieldType is the type of key `name` in a map: its field, else the element type. */
  fieldType(m: MapAtom, name: string): Ref | undefined {
    return hasOwn(m.fields, name) ? m.fields[name] : m.elem;
  }

  /** isNamedField reports a declared struct field (as opposed to a map key). */
  isNamedField(m: MapAtom, name: string): boolean {
    return hasOwn(m.fields, name);
  }

  /**
   * keyDefault is the schema default of a list-map key field, used when an item omits it
   * (upstream keys `ports` items by containerPort and protocol, defaulting protocol to TCP).
   * It reads `defaults[name]` on the struct node or `default` on the field's node when the
   * TypeTable carries them.
   */
  keyDefault(list: ListAtom, name: string): unknown {
    const item = this.resolve(list.elem).map;
    if (!item) return undefined;
    const struct = item.struct;
    if (struct && 'defaults' in struct) {
      const defaults: unknown = (struct as { defaults?: unknown }).defaults;
      if (isMap(defaults) && hasOwn(defaults, name)) return defaults[name];
    }
    const ref = hasOwn(item.fields, name) ? item.fields[name] : undefined;
    if (ref === undefined || isSpecial(ref)) return undefined;
    const node: unknown = typeof ref === 'string' ? getOwn(this.table.types as JsonMap, ref) : ref;
    if (isMap(node) && hasOwn(node, 'default')) return node['default'];
    return undefined;
  }

  /**
   * listItemElement is listItemToPathElement: the key of a list-map item or the value of a set
   * item. It returns an error message for an item that cannot be keyed.
   */
  listItemElement(list: ListAtom, item: unknown): PathElement | string {
    if (!list.associative) return 'invalid indexing of non-associative list';
    if (list.keys.length > 0) {
      if (item === null) return 'associative list with keys may not have a null element';
      if (!isMap(item)) return 'associative list with keys may not have non-map elements';
      const memoized = this.memoizedItemElement(list, item);
      if (memoized) return memoized;
      const key: KeyField[] = [];
      for (const name of list.sortedKeys) {
        if (hasOwn(item, name)) {
          key.push({ name, value: item[name] });
        } else {
          const def = this.keyDefaultOf(list, name);
          if (def !== undefined && def !== null) key.push({ name, value: def });
        }
      }
      if (key.length === 0) {
        const quoted = list.keys.map((k) => JSON.stringify(k)).join(' ');
        return `associative list with keys has an element that omits all key fields [${quoted}] (and doesn't have default values for any key fields)`;
      }
      return internedKeyElement(key);
    }
    if (isMap(item)) return "associative list without keys has an element that's a map type";
    if (isList(item)) return 'not supported: associative list with lists as elements';
    if (item === null) return "associative list without keys has an element that's an explicit null";
    return internedValueElement(item);
  }

  /** memoizedItemElement is listItemElement through ListAtom.itemElements, when that applies. */
  private memoizedItemElement(list: ListAtom, item: JsonMap): KeyElement | undefined {
    const names = list.sortedKeys;
    if (names.length === 0 || names.length > 2) return undefined;
    const first = scalarKeyValue(item, names[0]);
    if (first === undefined) return undefined;
    if (names.length === 1) {
      return list.itemElements.get(first) ?? list.itemElements.set(first, internedKeyElement([{ name: names[0], value: first }]));
    }
    const second = scalarKeyValue(item, names[1]);
    if (second === undefined) return undefined;
    const level = list.pairElements.get(first) ?? list.pairElements.set(first, new BoundedMemo(PAIR_SECOND_ELEMENTS));
    return (
      level.get(second) ??
      level.set(
        second,
        internedKeyElement([
          { name: names[0], value: first },
          { name: names[1], value: second },
        ]),
      )
    );
  }

  /** keyDefaultOf is keyDefault, memoized per list: items that omit a key field are common in applied configurations. */
  private keyDefaultOf(list: ListAtom, name: string): unknown {
    let defaults = this.keyDefaults.get(list);
    if (!defaults) {
      defaults = new Map();
      this.keyDefaults.set(list, defaults);
    }
    if (defaults.has(name)) return defaults.get(name);
    const def = this.keyDefault(list, name);
    defaults.set(name, def);
    return def;
  }
}

function listAtom(node: ListNode): ListAtom {
  if (node.listType === 'atomic') return newListAtom(node.items, false, []);
  return newListAtom(node.items, true, node.listType === 'map' ? (node.mapKeys ?? []) : []);
}

/**
 * deduceAtom picks the part of an atom that matches a value; a value of no matching kind (and
 * an absent or null value) keeps the whole atom, as upstream.
 */
export function deduceAtom(a: Atom, v: unknown): Atom {
  if (v === undefined || v === null) return a;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
    if (a.scalar) return a.list || a.map ? { scalar: a.scalar } : a;
  } else if (isList(v)) {
    if (a.list) return a.scalar || a.map ? { list: a.list } : a;
  } else if (isMap(v)) {
    if (a.map) return a.scalar || a.list ? { map: a.map } : a;
  }
  return a;
}

/** sameAtom is Atom.Equals for atoms deduced from one node. */
export function sameAtom(a: Atom, b: Atom): boolean {
  return a.scalar === b.scalar && a.list === b.list && a.map === b.map;
}

/** AtomKind is the branch upstream's handleAtom takes: map first, then scalar, then list. */
export function atomKind(a: Atom): 'map' | 'scalar' | 'list' | undefined {
  if (a.map) return 'map';
  if (a.scalar) return 'scalar';
  if (a.list) return 'list';
  return undefined;
}

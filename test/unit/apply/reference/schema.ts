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

import { resolve, type ListNode, type StructNode, type TypeNode, type TypeRef, type TypeTable } from '../../../../src/schema/typeinfo';
import { keyElement, valueElement, type KeyField, type PathElement } from './fieldpath';
import { getOwn, hasOwn, isList, isMap, type JsonMap } from './value';

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
}

/** Atom is what a node may be; a value selects one part with deduceAtom. */
export interface Atom {
  readonly scalar?: ScalarKind;
  readonly list?: ListAtom;
  readonly map?: MapAtom;
}

const NO_ATOM: Atom = {};

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
  private readonly deducedAtom: Atom;
  private readonly untypedAtomicAtom: Atom;

  constructor(readonly table: TypeTable) {
    this.untypedAtomicAtom = {
      scalar: 'untyped',
      list: { elem: UNTYPED_ATOMIC, associative: false, keys: [] },
      map: { fields: {}, elem: UNTYPED_ATOMIC, atomic: true },
    };
    this.deducedAtom = {
      scalar: 'untyped',
      list: { elem: UNTYPED_ATOMIC, associative: false, keys: [] },
      map: { fields: {}, elem: DEDUCED, atomic: false },
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
          },
        };
      }
      case 'map':
        return { map: { fields: {}, elem: node.values, atomic: node.mapType === 'atomic' } };
      case 'list':
        return { list: listAtom(node) };
      case 'untyped':
        return this.deducedAtom;
    }
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
      const key: KeyField[] = [];
      for (const name of list.keys) {
        if (hasOwn(item, name)) {
          key.push({ name, value: item[name] });
        } else {
          const def = this.keyDefault(list, name);
          if (def !== undefined && def !== null) key.push({ name, value: def });
        }
      }
      if (key.length === 0) {
        const quoted = list.keys.map((k) => JSON.stringify(k)).join(' ');
        return `associative list with keys has an element that omits all key fields [${quoted}] (and doesn't have default values for any key fields)`;
      }
      return keyElement(key);
    }
    if (isMap(item)) return "associative list without keys has an element that's a map type";
    if (isList(item)) return 'not supported: associative list with lists as elements';
    if (item === null) return "associative list without keys has an element that's an explicit null";
    return valueElement(item);
  }
}

function listAtom(node: ListNode): ListAtom {
  if (node.listType === 'atomic') return { elem: node.items, associative: false, keys: [] };
  return { elem: node.items, associative: true, keys: node.listType === 'map' ? (node.mapKeys ?? []) : [] };
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

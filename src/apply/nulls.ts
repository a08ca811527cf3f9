/**
 * dropTypedNulls removes `null` values of declared fields from a merged object (in place).
 *
 * An applied `replicas: null` merges as null, and upstream then decodes the result into the Go
 * type, where null leaves the field unset; kapi keeps plain JSON, so the null is dropped here
 * to the same effect. Nulls inside untyped or preserve-unknown-fields subtrees are data and
 * stay, as they do for upstream's unstructured objects.
 */

import { atomKind, deduceAtom, type Atom, type Ref, type Schema } from './schema';
import { isList, isMap } from './value';

function isDeduced(ref: Ref | undefined): boolean {
  return typeof ref === 'object' && 'special' in ref;
}

/** isUntyped reports an untyped atom (any of scalar, list and map). */
function isUntyped(a: Atom): boolean {
  return a.scalar !== undefined && a.map !== undefined && a.list !== undefined;
}

/** dropTypedNulls walks value under ref and deletes null entries of typed fields. */
export function dropTypedNulls(schema: Schema, ref: Ref | undefined, value: unknown): void {
  drop(schema, schema.resolve(ref), value);
}

/** drop is dropTypedNulls under an atom; scalars and nulls hold nothing to drop, so only objects are visited. */
function drop(schema: Schema, a: Atom, value: unknown): void {
  const atom = deduceAtom(a, value);
  if (isUntyped(atom)) return; // untyped: leave as is
  switch (atomKind(atom)) {
    case 'map': {
      if (!isMap(value)) return;
      for (const key of Object.keys(value)) {
        const f = schema.field(atom.map!, key);
        const child = value[key];
        if (child === null) {
          if (f.ref !== undefined && !isDeduced(f.ref) && !isUntyped(f.atom)) delete value[key];
        } else if (typeof child === 'object') {
          drop(schema, f.atom, child);
        }
      }
      return;
    }
    case 'list': {
      if (!isList(value)) return;
      const elem = schema.resolve(atom.list!.elem);
      for (const item of value) if (item !== null && typeof item === 'object') drop(schema, elem, item);
      return;
    }
    default:
      return;
  }
}

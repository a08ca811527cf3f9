/**
 * dropTypedNulls removes `null` values of declared fields from a merged object (in place).
 *
 * An applied `replicas: null` merges as null, and upstream then decodes the result into the Go
 * type, where null leaves the field unset; kapi keeps plain JSON, so the null is dropped here
 * to the same effect. Nulls inside untyped or preserve-unknown-fields subtrees are data and
 * stay, as they do for upstream's unstructured objects.
 */

import { atomKind, deduceAtom, type Ref, type Schema } from './schema';
import { isList, isMap } from './value';

function isDeduced(ref: Ref | undefined): boolean {
  return typeof ref === 'object' && 'special' in ref;
}

/** dropTypedNulls walks value under ref and deletes null entries of typed fields. */
export function dropTypedNulls(schema: Schema, ref: Ref | undefined, value: unknown): void {
  const atom = deduceAtom(schema.resolve(ref), value);
  if (atom.scalar && atom.map && atom.list) return; // untyped: leave as is
  switch (atomKind(atom)) {
    case 'map': {
      if (!isMap(value)) return;
      for (const key of Object.keys(value)) {
        const childRef = schema.fieldType(atom.map!, key);
        const child = value[key];
        if (child === null) {
          if (childRef !== undefined && !isDeduced(childRef) && !isUntyped(schema, childRef)) delete value[key];
        } else {
          dropTypedNulls(schema, childRef, child);
        }
      }
      return;
    }
    case 'list':
      if (isList(value)) for (const item of value) dropTypedNulls(schema, atom.list!.elem, item);
      return;
    default:
      return;
  }
}

function isUntyped(schema: Schema, ref: Ref): boolean {
  const a = schema.resolve(ref);
  return a.scalar !== undefined && a.map !== undefined && a.list !== undefined;
}

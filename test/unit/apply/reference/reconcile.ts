/**
 * reconcileFieldSetWithSchema is typed.ReconcileFieldSetWithSchema: when a list or map that
 * used to be granular is now atomic (a CRD's schema changed), a manager that owned parts of it
 * owns the whole of it instead. Changes the other way are left alone, as upstream (the parts
 * keep being owned as they were).
 */

import type { PathElement } from './fieldpath';
import { DEDUCED, atomKind, type MapAtom, type Ref, type Schema } from './schema';
import { FieldSet } from './set';

/** reconcileFieldSetWithSchema returns the reconciled set, or undefined when nothing changes. */
export function reconcileFieldSetWithSchema(schema: Schema, root: Ref, set: FieldSet): FieldSet | undefined {
  const toCollapse: PathElement[][] = [];
  walk(schema, root, set, [], false, toCollapse);
  if (toCollapse.length === 0) return undefined;
  const collapse = FieldSet.of(...toCollapse);
  return set.recursiveDifference(collapse).union(collapse);
}

function isUntypedDeducedMap(m: MapAtom): boolean {
  return m.elem === DEDUCED && Object.keys(m.fields).length === 0;
}

function walk(schema: Schema, ref: Ref | undefined, set: FieldSet | undefined, path: PathElement[], isAtomic: boolean, out: PathElement[][]): void {
  const atom = schema.resolve(ref);
  switch (atomKind(atom)) {
    case 'map': {
      const m = atom.map!;
      if (isUntypedDeducedMap(m)) return;
      if (!isAtomic && m.atomic) {
        if (set && set.size() > 0) out.push(path);
        return;
      }
      if (set) visit(set, (pe) => (pe.kind === 'field' ? schema.fieldType(m, pe.name) : m.elem), schema, path, out);
      return;
    }
    case 'list': {
      const l = atom.list!;
      if (!isAtomic && !l.associative) {
        out.push(path);
        return;
      }
      if (set) visit(set, () => l.elem, schema, path, out);
      return;
    }
    default:
      return;
  }
}

/** visit descends into children that are not members, then into members. */
function visit(set: FieldSet, typeOf: (pe: PathElement) => Ref | undefined, schema: Schema, path: PathElement[], out: PathElement[][]): void {
  const handle = (pe: PathElement, isMember: boolean): void => {
    const ref = typeOf(pe);
    if (ref === undefined) return; // fields the schema does not know are left alone
    const child = set.child(pe);
    walk(schema, ref, child, [...path, pe], isMember && !child, out);
  };
  for (const c of set.children) if (!set.hasMember(c.element)) handle(c.element, false);
  for (const m of set.members) handle(m, true);
}

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
  walk(schema, root, set, [], toCollapse);
  if (toCollapse.length === 0) return undefined;
  const collapse = FieldSet.of(...toCollapse);
  return set.recursiveDifference(collapse).union(collapse);
}

function isUntypedDeducedMap(m: MapAtom): boolean {
  return m.elem === DEDUCED && Object.keys(m.fields).length === 0;
}

/**
 * walk visits a node of the set that has something below it: an atomic map or list there is
 * collapsed. Upstream also visits members with nothing below them, as atomic leaves; such a
 * visit never collapses anything (a leaf is already whole), so only children are walked.
 */
function walk(schema: Schema, ref: Ref | undefined, set: FieldSet, path: PathElement[], out: PathElement[][]): void {
  const atom = schema.resolve(ref);
  switch (atomKind(atom)) {
    case 'map': {
      const m = atom.map!;
      if (isUntypedDeducedMap(m)) return;
      if (m.atomic) {
        if (!set.isEmpty()) out.push([...path]);
        return;
      }
      visit(set, (pe) => (pe.kind === 'field' ? schema.fieldType(m, pe.name) : m.elem), schema, path, out);
      return;
    }
    case 'list': {
      const l = atom.list!;
      if (!l.associative) {
        out.push([...path]);
        return;
      }
      visit(set, () => l.elem, schema, path, out);
      return;
    }
    default:
      return;
  }
}

/** visit walks the children of a set node. */
function visit(set: FieldSet, typeOf: (pe: PathElement) => Ref | undefined, schema: Schema, path: PathElement[], out: PathElement[][]): void {
  for (const c of set.children) {
    const ref = typeOf(c.element);
    if (ref === undefined) continue; // fields the schema does not know are left alone
    path.push(c.element);
    walk(schema, ref, c.set, path, out);
    path.pop();
  }
}

/**
 * validateTyped is typed.Validate: the check an applied configuration must pass before it is
 * merged (fields declared, maps where maps belong, list items keyed and not duplicated).
 * Upstream reports these as "failed to create typed patch object".
 */

import { indexElement, pathElementKey, pathElementString, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, type ListAtom, type MapAtom, type Ref, type Schema, type ScalarKind } from './schema';
import { goTypeName, goValueString, isList, isMap } from './value';

/** ValidationError is one problem, with the path string upstream prints (`.spec.foo`). */
export interface ValidationError {
  path: string;
  message: string;
}

/** formatValidationErrors renders errors as upstream's ValidationErrors.Error(). */
export function formatValidationErrors(errs: readonly ValidationError[]): string {
  const one = (e: ValidationError): string => (e.path ? `${e.path}: ${e.message}` : e.message);
  if (errs.length === 1) return one(errs[0]);
  return ['errors:', ...errs.map((e) => '  ' + one(e))].join('\n');
}

/** ValidateOptions: allowDuplicates accepts repeated list-map keys and set values (live objects). */
export interface ValidateOptions {
  allowDuplicates?: boolean;
}

/** goShow approximates Go's %v of a value.Value (`&{x}`), for scalar type errors. */
function goShow(v: unknown): string {
  return `&{${goValueString(v)}}`;
}

function validateScalar(kind: ScalarKind, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (kind) {
    case 'numeric':
      return typeof v === 'number' ? undefined : `expected numeric (int or float), got ${goTypeName(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `expected boolean, got ${goShow(v)}`;
    case 'string':
    case 'untyped':
      // Strings are not checked strictly: a TypeTable may spell quantities and times as plain
      // strings where upstream's schema accepts any scalar. Request validation catches the rest.
      return isMap(v) || isList(v) ? `expected any scalar, got ${goShow(v)}` : undefined;
  }
}

/** validateTyped returns every problem of value under ref. */
export function validateTyped(schema: Schema, ref: Ref, value: unknown, opts: ValidateOptions = {}): ValidationError[] {
  const errs: ValidationError[] = [];
  walk(schema, ref, value, '', errs, opts.allowDuplicates ?? false);
  return errs;
}

function walk(schema: Schema, ref: Ref | undefined, value: unknown, path: string, errs: ValidationError[], dup: boolean): void {
  const atom = deduceAtom(schema.resolve(ref), value);
  switch (atomKind(atom)) {
    case 'map':
      visitMap(schema, atom.map!, value, path, errs, dup);
      return;
    case 'scalar': {
      const msg = validateScalar(atom.scalar!, value);
      if (msg) errs.push({ path, message: msg });
      return;
    }
    case 'list':
      visitList(schema, atom.list!, value, path, errs, dup);
      return;
    default:
      errs.push({ path, message: 'schema error: no type found matching: inlined type' });
  }
}

function visitMap(schema: Schema, m: MapAtom, value: unknown, path: string, errs: ValidationError[], dup: boolean): void {
  if (value === null || value === undefined) return;
  if (!isMap(value)) {
    errs.push({ path, message: `expected map, got ${goShow(value)}` });
    return;
  }
  for (const key of Object.keys(value)) {
    const childPath = `${path}.${key}`;
    const ref = schema.fieldType(m, key);
    if (ref === undefined) {
      // Upstream stops at the first undeclared field of a map.
      errs.push({ path: childPath, message: 'field not declared in schema' });
      return;
    }
    walk(schema, ref, value[key], childPath, errs, dup);
  }
}

function visitList(schema: Schema, l: ListAtom, value: unknown, path: string, errs: ValidationError[], dup: boolean): void {
  if (value === null || value === undefined) return;
  if (!isList(value)) {
    errs.push({ path, message: `expected list, got ${goShow(value)}` });
    return;
  }
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    let pe: PathElement;
    if (!l.associative) {
      pe = indexElement(i);
    } else {
      const r = schema.listItemElement(l, item);
      if (typeof r === 'string') {
        // Without a key nothing deeper can be reported; upstream bails on the whole list.
        errs.push({ path, message: `element ${i}: ${r}` });
        return;
      }
      pe = r;
      const k = pathElementKey(pe);
      if (seen.has(k) && !dup) errs.push({ path, message: `duplicate entries for key ${pathElementString(pe)}` });
      seen.add(k);
    }
    walk(schema, l.elem, item, path + pathElementString(pe), errs, dup);
  }
}

/**
 * validateTyped is typed.Validate: the check an applied configuration must pass before it is
 * merged (fields declared, maps where maps belong, list items keyed and not duplicated).
 * Upstream reports these as "failed to create typed patch object".
 */

import { indexElement, pathElementKey, pathElementString, type PathElement } from './fieldpath';
import { atomKind, deduceAtom, type Atom, type ListAtom, type MapAtom, type Ref, type Schema, type ScalarKind } from './schema';
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
  const v = new Validator(schema, opts.allowDuplicates ?? false);
  v.walk(schema.resolve(ref), value);
  return v.errs;
}

/**
 * Validator walks a value keeping its path as a stack of map keys and list elements; the path
 * is only rendered (`.spec.containers[name="x"]`) for an error, which is rare.
 */
class Validator {
  readonly errs: ValidationError[] = [];
  private readonly path: (string | PathElement)[] = [];

  constructor(
    private readonly schema: Schema,
    private readonly allowDuplicates: boolean,
  ) {}

  private fail(message: string): void {
    const path = this.path.map((p) => (typeof p === 'string' ? '.' + p : pathElementString(p))).join('');
    this.errs.push({ path, message });
  }

  walk(a: Atom, value: unknown): void {
    const atom = deduceAtom(a, value);
    switch (atomKind(atom)) {
      case 'map':
        this.visitMap(atom.map!, value);
        return;
      case 'scalar': {
        const msg = validateScalar(atom.scalar!, value);
        if (msg) this.fail(msg);
        return;
      }
      case 'list':
        this.visitList(atom.list!, value);
        return;
      default:
        this.fail('schema error: no type found matching: inlined type');
    }
  }

  private visitMap(m: MapAtom, value: unknown): void {
    if (value === null || value === undefined) return;
    if (!isMap(value)) {
      this.fail(`expected map, got ${goShow(value)}`);
      return;
    }
    for (const key of Object.keys(value)) {
      const f = this.schema.field(m, key);
      this.path.push(key);
      if (f.ref === undefined) {
        // Upstream stops at the first undeclared field of a map.
        this.fail('field not declared in schema');
        this.path.pop();
        return;
      }
      this.walk(f.atom, value[key]);
      this.path.pop();
    }
  }

  private visitList(l: ListAtom, value: unknown): void {
    if (value === null || value === undefined) return;
    if (!isList(value)) {
      this.fail(`expected list, got ${goShow(value)}`);
      return;
    }
    const elem = this.schema.resolve(l.elem);
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      let pe: PathElement;
      if (!l.associative) {
        pe = indexElement(i);
      } else {
        const r = this.schema.listItemElement(l, item);
        if (typeof r === 'string') {
          // Without a key nothing deeper can be reported; upstream bails on the whole list.
          this.fail(`element ${i}: ${r}`);
          return;
        }
        pe = r;
        const k = pathElementKey(pe);
        if (seen.has(k) && !this.allowDuplicates) this.fail(`duplicate entries for key ${pathElementString(pe)}`);
        seen.add(k);
      }
      this.path.push(pe);
      this.walk(elem, item);
      this.path.pop();
    }
  }
}

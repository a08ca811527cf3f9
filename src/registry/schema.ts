import type { ErrorObject, ValidateFunction } from 'ajv';
import { FieldError, NO_VALUE, notSupported, required } from '../apierrors';
import { goQuote } from '../selectors/validation';

/** SchemaErrorOptions place the validated value inside a larger object. */
export interface SchemaErrorOptions {
  /**
   * basePath is where the validated value sits (a CRD schema's default value, say): it prefixes
   * the fields, while messages name the path inside the value, as a kube-openapi validator
   * rooted at the value does.
   */
  basePath?: string;
  /**
   * formatIsType renders a string of the wrong format as kube-openapi's CRD validator does, a
   * wrong type (FieldValueTypeInvalid); built-in kinds fail such values while decoding upstream,
   * and keep FieldValueInvalid here.
   */
  formatIsType?: boolean;
  /** ignore drops the failures at a JSON pointer into the value (ratcheting on update). */
  ignore?: (instancePath: string) => boolean;
}

/**
 * schemaErrors runs a generated validator and renders its failures as kube-apiserver renders
 * OpenAPI schema failures (apiextensions' kubeOpenAPIResultToFieldErrors): the field path in
 * `a.b[0].c` form, the reason, and a message naming the path "in body".
 */
export function schemaErrors(validate: ValidateFunction, obj: unknown, opts: SchemaErrorOptions = {}): FieldError[] {
  if (validate(obj)) return [];
  const errors = (validate.errors ?? []).filter((e) => !opts.ignore?.(e.instancePath));
  // A value that fails every branch of a oneOf (IntOrString, Quantity) produces one type error
  // per branch plus the oneOf error; report it once, naming all accepted types.
  const oneOfPaths = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'type' && /\/oneOf\/\d+\/type$/.test(e.schemaPath)) {
      const types = oneOfPaths.get(e.instancePath) ?? [];
      types.push(String(e.params.type));
      oneOfPaths.set(e.instancePath, types);
    }
  }
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'type' && oneOfPaths.has(e.instancePath) && /\/oneOf\/\d+\/type$/.test(e.schemaPath)) continue;
    const fe = toFieldError(e, obj, oneOfPaths, opts);
    if (!fe) continue;
    const key = `${fe.field}\0${fe.reason}\0${fe.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(fe);
  }
  return out;
}

function toFieldError(e: ErrorObject, root: unknown, oneOf: Map<string, string[]>, opts: SchemaErrorOptions): FieldError | undefined {
  const basePath = opts.basePath;
  const inner = fieldPath(e.instancePath);
  const field = basePath === undefined ? inner : joinPath(basePath, inner);
  const value = valueAt(root, e.instancePath);
  const where = basePath === undefined ? inner || '<root>' : inner;
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      return required(field ? `${field}.${missing}` : missing);
    }
    case 'type':
      // Upstream shows the JSON type of the offending value, not the value itself.
      return new FieldError('TypeInvalid', field, jsonType(value), `${where} in body must be of type ${String(e.params.type)}: "${jsonType(value)}"`);
    case 'oneOf': {
      const types = oneOf.get(e.instancePath);
      if (!types) return new FieldError('Invalid', field, value, `${where} in body must match exactly one schema`);
      return new FieldError('TypeInvalid', field, jsonType(value), `${where} in body must be of type ${types.join(' or ')}: "${jsonType(value)}"`);
    }
    case 'enum':
      return notSupported(field, value, ((e.params.allowedValues as unknown[]) ?? []).map(String));
    case 'pattern':
      return new FieldError('Invalid', field, value, `${where} in body should match '${String(e.params.pattern)}'`);
    case 'format':
      return new FieldError(opts.formatIsType ? 'TypeInvalid' : 'Invalid', field, value, `${where} in body must be of type ${String(e.params.format)}: ${goQuote(String(value))}`);
    case 'minimum':
      return new FieldError('Invalid', field, value, `${where} in body should be greater than or equal to ${String(e.params.limit)}`);
    case 'maximum':
      return new FieldError('Invalid', field, value, `${where} in body should be less than or equal to ${String(e.params.limit)}`);
    case 'exclusiveMinimum':
      return new FieldError('Invalid', field, value, `${where} in body should be greater than ${String(e.params.limit)}`);
    case 'exclusiveMaximum':
      return new FieldError('Invalid', field, value, `${where} in body should be less than ${String(e.params.limit)}`);
    case 'maxLength':
      return new FieldError('TooLong', field, NO_VALUE, `may not be more than ${String(e.params.limit)} bytes`);
    case 'minLength':
      return new FieldError('Invalid', field, value, `${where} in body should be at least ${String(e.params.limit)} chars long`);
    case 'maxItems':
      return new FieldError('TooMany', field, NO_VALUE, `must have at most ${String(e.params.limit)} items`);
    case 'minItems':
      return new FieldError('Invalid', field, value, `${where} in body should have at least ${String(e.params.limit)} items`);
    case 'maxProperties':
      return new FieldError('TooMany', field, NO_VALUE, `must have at most ${String(e.params.limit)} items`);
    case 'minProperties':
      return new FieldError('Invalid', field, value, `${where} in body should have at least ${String(e.params.limit)} properties`);
    case 'uniqueItems':
      return new FieldError('Duplicate', field, value);
    case 'multipleOf':
      return new FieldError('Invalid', field, value, `${where} in body should be a multiple of ${String(e.params.multipleOf)}`);
    case 'not':
    case 'anyOf':
    case 'allOf':
      return undefined; // their branches already reported the concrete failure
    default:
      return new FieldError('Invalid', field, value, `${where} in body ${e.message ?? 'is invalid'}`);
  }
}

function joinPath(base: string, inner: string): string {
  if (!inner) return base;
  if (!base || inner.startsWith('[')) return base + inner;
  return `${base}.${inner}`;
}

/** fieldPath turns AJV's `/spec/containers/0/name` into `spec.containers[0].name`. */
export function fieldPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur = root;
  if (!pointer) return cur;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * The one translation from Kubernetes OpenAPI schemas to AJV, used by the generator for built-in
 * kinds (compiled to standalone code at generation time) and at run time for
 * CustomResourceDefinitions, so both paths validate, default and prune identically.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { crdFormatCheck } from './formats';

/** SchemaMode selects what a compiled function does. */
export type SchemaMode =
  /** validate checks types, required fields, formats and constraints; it changes nothing. */
  | 'validate'
  /** default fills `default` values into objects that are present (run after validate). */
  | 'default'
  /** prune removes fields the schema does not know, where it does not preserve unknown fields. */
  | 'prune';

/** VENDOR_KEYWORDS are Kubernetes extensions AJV must accept (their meaning is applied elsewhere). */
export const VENDOR_KEYWORDS = [
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-unions',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
  'x-kubernetes-selectable-field',
] as const;

const INT32 = { minimum: -2147483648, maximum: 2147483647 };
/** BASE64 is what Go's encoding/json accepts for []byte fields (standard alphabet, padded). */
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
/** STRUCTURAL keeps what pruning needs to walk an object; constraints would only get in its way. */
const STRUCTURAL = new Set(['type', 'properties', 'additionalProperties', 'items', 'allOf', 'anyOf', 'oneOf', '$ref', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource']);
const DROPPED = new Set(['description', 'x-kubernetes-group-version-kind', 'example', 'externalDocs', 'nullable']);

export interface TransformOptions {
  mode: SchemaMode;
  /** rewriteRef maps a `$ref` of the source document to the compiled schema's. */
  rewriteRef?: (ref: string) => string;
  /**
   * crd reads the schema as apiextensions-apiserver reads a CRD's: `nullable` admits null, and
   * `format` keeps only the string formats a CRD schema may use (checked as kube-openapi's strfmt
   * registry checks them; the names kept are added to `formatsUsed`, for registerCRDFormats),
   * dropping the rest as upstream strips unsupported formats. Without it, formats are what
   * built-in kinds' mean to AJV (int32 as a range, byte, date-time).
   */
  crd?: boolean;
  formatsUsed?: Set<string>;
}

type Json = Record<string, unknown>;

/**
 * toAjvSchema turns a Kubernetes schema into what AJV compiles for one mode: descriptions
 * dropped, refs rewritten, Kubernetes formats as checks AJV understands (int32 as a range, byte
 * as base64), defaults kept only for defaulting, and for pruning `additionalProperties: false`
 * on every struct that does not preserve unknown fields.
 */
export function toAjvSchema(v: unknown, opts: TransformOptions): unknown {
  if (Array.isArray(v)) return v.map((x) => toAjvSchema(x, opts));
  if (!v || typeof v !== 'object') return v;
  const s = v as Json;
  const out: Json = {};
  for (const [k, x] of Object.entries(s)) {
    if (DROPPED.has(k)) continue;
    if (opts.mode === 'prune' && !STRUCTURAL.has(k)) continue;
    if (k === 'default') {
      if (opts.mode === 'default') out.default = x;
      continue;
    }
    if (k === '$ref' && typeof x === 'string') {
      out.$ref = opts.rewriteRef ? opts.rewriteRef(x) : x;
      continue;
    }
    if (k === 'format' && opts.crd) {
      if (typeof x === 'string' && crdFormatCheck(x, s.type)) {
        out.format = x;
        opts.formatsUsed?.add(x);
      }
      continue;
    }
    if (k === 'format') {
      if (x === 'int32') Object.assign(out, INT32);
      else if (x === 'byte') out.pattern = BASE64;
      else if (x === 'date-time') out.format = x;
      continue;
    }
    if (k === 'properties' && x && typeof x === 'object') {
      const props: Json = {};
      for (const [name, p] of Object.entries(x)) props[name] = toAjvSchema(p, opts);
      out.properties = props;
      continue;
    }
    out[k] = toAjvSchema(x, opts);
  }
  if (s['x-kubernetes-embedded-resource'] === true) {
    // An embedded resource always has apiVersion, kind and metadata, schema or not.
    const props = (out.properties ?? {}) as Json;
    props.apiVersion ??= { type: 'string' };
    props.kind ??= { type: 'string' };
    props.metadata ??= { type: 'object' };
    out.properties = props;
  }
  if (opts.crd && s.nullable === true && opts.mode === 'validate' && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  if (s['x-kubernetes-int-or-string'] === true && opts.mode === 'validate') {
    // kube-openapi validates an int-or-string as the union of both types, whatever else it says.
    out.type = ['integer', 'string'];
  }
  if (opts.mode === 'prune' && out.properties && out.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** newAjv is the one AJV configuration for a mode; `code` asks for standalone source. */
export function newAjv(mode: SchemaMode, code = false): Ajv {
  const ajv = new Ajv({
    code: code ? { source: true, lines: true } : undefined,
    allErrors: true,
    useDefaults: mode === 'default',
    removeAdditional: mode === 'prune' ? true : false,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    validateFormats: mode === 'validate',
  });
  addFormats(ajv, ['date-time']);
  ajv.addVocabulary([...VENDOR_KEYWORDS]);
  return ajv;
}

/** registerCRDFormats teaches an AJV instance the CRD formats a transformed schema kept. */
export function registerCRDFormats(ajv: Ajv, formats: Iterable<string>): void {
  for (const name of formats) {
    const check = crdFormatCheck(name, 'string');
    if (check) ajv.addFormat(name, { type: 'string', validate: check });
  }
}

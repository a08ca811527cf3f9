/**
 * Swagger 2.0 from the served OpenAPI v3 documents, shaped like kube-apiserver's /openapi/v2
 * (kube-openapi's `builder` package): one document for every group-version, definitions named
 * as in v3 (`io.k8s.api.core.v1.Pod`) and shared once, operations with `consumes`, `produces`,
 * `schemes`, `x-kubernetes-action` and `x-kubernetes-group-version-kind`, and the generic query
 * parameters deduplicated into top-level `parameters` under hashed names.
 *
 * Pure functions of their input: the server caches the result (see openapiv2.ts).
 */
import { createHash } from 'node:crypto';

/** JsonObject is a parsed JSON object of an OpenAPI document. */
export type JsonObject = Record<string, unknown>;

/** V3Document is the part of an OpenAPI 3.0 document the conversion reads. */
export interface V3Document {
  info?: JsonObject;
  paths?: Record<string, JsonObject>;
  components?: { schemas?: Record<string, JsonObject>; securitySchemes?: Record<string, JsonObject> };
}

/** SourceDocument is one served v3 document and the Kubernetes release it was taken from. */
export interface SourceDocument {
  /** path is the document's name under /openapi/v3 (`api/v1`, `apis/apps/v1`, `version`). */
  path: string;
  doc: V3Document;
  /**
   * release orders copies of a shared definition (`1.30` < `1.31-dev` < `1.31`): the copy from
   * the newest release wins, as in codegen/transform/merge.ts. Absent ranks lowest.
   */
  release?: string;
}

/** SwaggerDocument is the Swagger 2.0 JSON object served at /openapi/v2. */
export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, JsonObject>;
  definitions: Record<string, JsonObject>;
  parameters: Record<string, JsonObject>;
  securityDefinitions?: Record<string, JsonObject>;
  security?: Record<string, string[]>[];
}

const V3_SCHEMA_REF = '#/components/schemas/';
const V3_PARAMETER_REF = '#/components/parameters/';
const GVK_EXTENSION = 'x-kubernetes-group-version-kind';

/** OPERATION_METHODS are the path item keys Swagger 2.0 has an operation for (v3's `trace` is not one). */
const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/**
 * MEDIA_ORDER lists media types in the order kube-apiserver's routes declare them, so `consumes`
 * and `produces` read as upstream's (v3 documents list them sorted); others follow as given.
 */
const MEDIA_ORDER = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'application/apply-patch+cbor',
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/cbor',
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
  'application/cbor-seq',
];

/** SCHEMA_KEYWORDS_NOT_IN_V2 are v3 keywords Swagger 2.0 cannot express; kube-apiserver drops them too. */
const SCHEMA_KEYWORDS_NOT_IN_V2 = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'writeOnly', 'deprecated']);

/** ConvertOptions fill the document's `info` object. */
export interface ConvertOptions {
  /** title of the API (`Kubernetes`). */
  title: string;
  /** version is kube-apiserver's binary version (`v1.35.0`). */
  version: string;
}

/**
 * swaggerFromV3 merges v3 documents into one Swagger 2.0 document. Definitions present in
 * several documents are taken from the newest release, their group-version-kind lists unioned.
 */
export function swaggerFromV3(sources: readonly SourceDocument[], opts: ConvertOptions): SwaggerDocument {
  const definitions: Record<string, JsonObject> = {};
  for (const [name, schema] of mergeDefinitions(sources)) definitions[name] = convertSchema(schema) as JsonObject;

  const paths: Record<string, JsonObject> = {};
  const securityDefinitions: Record<string, JsonObject> = {};
  for (const { doc } of sources) {
    for (const [p, item] of Object.entries(doc.paths ?? {})) paths[p] = { ...(paths[p] ?? {}), ...convertPathItem(item) };
    for (const [name, scheme] of Object.entries(doc.components?.securitySchemes ?? {})) {
      const converted = convertSecurityScheme(scheme);
      if (converted) securityDefinitions[name] = converted;
    }
  }
  const parameters = shareParameters(paths);
  const doc: SwaggerDocument = { swagger: '2.0', info: { title: opts.title, version: opts.version }, paths, definitions, parameters };
  const schemes = Object.keys(securityDefinitions);
  if (schemes.length) {
    doc.securityDefinitions = securityDefinitions;
    doc.security = schemes.map((name) => ({ [name]: [] }));
  }
  return sortKeysDeep(doc) as SwaggerDocument;
}

// ---------------------------------------------------------------------------------------------
// Definitions

/** releaseRank orders `1.30` < `1.31-dev` < `1.31` < `1.32`; unknown ranks lowest (as codegen's merge). */
export function releaseRank(release: string | undefined): number {
  const m = /^(\d+)\.(\d+)(-dev)?$/.exec(release ?? '');
  if (!m) return 0;
  return Number(m[1]) * 10000 + Number(m[2]) * 10 + (m[3] ? 0 : 1);
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/**
 * mergeDefinitions keeps one copy per definition name: the newest release's (ties: the later
 * document path), with `x-kubernetes-group-version-kind` unioned over all copies, because each
 * release lists only the group-versions it knew. The generator verified that copies agree on
 * everything else (generated/MERGE-NOTES.md).
 */
function mergeDefinitions(sources: readonly SourceDocument[]): Map<string, JsonObject> {
  const ordered = [...sources].sort((a, b) => releaseRank(a.release) - releaseRank(b.release) || a.path.localeCompare(b.path));
  const copies = new Map<string, JsonObject[]>();
  for (const { doc } of ordered) {
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      let list = copies.get(name);
      if (!list) copies.set(name, (list = []));
      list.push(schema);
    }
  }
  const merged = new Map<string, JsonObject>();
  for (const [name, list] of copies) {
    const newest = list[list.length - 1];
    if (list.length === 1) {
      merged.set(name, newest);
      continue;
    }
    const gvks = new Map<string, Gvk>();
    for (const copy of list) {
      const listed = copy[GVK_EXTENSION];
      if (!Array.isArray(listed)) continue;
      for (const g of listed as Gvk[]) gvks.set(`${g.group}/${g.version}/${g.kind}`, { group: g.group, kind: g.kind, version: g.version });
    }
    const schema = { ...newest };
    if (gvks.size) schema[GVK_EXTENSION] = [...gvks.keys()].sort().map((k) => gvks.get(k)!);
    merged.set(name, schema);
  }
  return merged;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function convertRef(ref: string): string {
  return ref.startsWith(V3_SCHEMA_REF) ? `#/definitions/${ref.slice(V3_SCHEMA_REF.length)}` : ref;
}

/** isPureRef says whether a schema is only `{ $ref }` (the element of kube-openapi's allOf wrapper). */
function isPureRef(s: unknown): s is { $ref: string } {
  return isObject(s) && typeof s.$ref === 'string' && Object.keys(s).length === 1;
}

/**
 * primitiveUnionType is the v2 type of a v3 `oneOf` of bare primitive types: IntOrString
 * (`integer | string`) and Quantity (`string | number`) are `type: string` in kube-apiserver's v2.
 */
function primitiveUnionType(alternatives: unknown): string | undefined {
  if (!Array.isArray(alternatives) || alternatives.length === 0) return undefined;
  const types: string[] = [];
  for (const a of alternatives) {
    if (!isObject(a) || typeof a.type !== 'string' || Object.keys(a).length !== 1) return undefined;
    types.push(a.type);
  }
  return types.includes('string') ? 'string' : types[0];
}

/**
 * convertSchema turns a v3 schema into a v2 one: `allOf: [{$ref}]` wrappers (v3 ignores siblings
 * of `$ref`, so kube-openapi wraps them) become a plain `$ref` with its description and vendor
 * extensions beside it, refs point into `#/definitions/`, and keywords v2 lacks are dropped.
 *
 * Custom resources' schemas get what apiextensions-apiserver's `ToStructuralOpenAPIV2` does to
 * them, so kubectl's parser of the v2 document (kube-openapi `util/proto`) accepts them: a
 * nullable value loses its type, items and properties (and leaves its parent's `required`),
 * `x-kubernetes-preserve-unknown-fields` drops items and properties, an array left without
 * items loses its type, and `x-kubernetes-int-or-string` stays untyped.
 */
export function convertSchema(s: unknown): unknown {
  if (!isObject(s)) return s;
  const out: JsonObject = {};
  const wrapped = Array.isArray(s.allOf) && s.allOf.length === 1 && isPureRef(s.allOf[0]) ? s.allOf[0] : undefined;
  if (wrapped) out.$ref = convertRef(wrapped.$ref);
  const union = s.type === undefined && s['x-kubernetes-int-or-string'] !== true ? primitiveUnionType(s.oneOf ?? s.anyOf) : undefined;
  if (union) out.type = union;
  for (const [k, v] of Object.entries(s)) {
    switch (k) {
      case '$ref':
        out.$ref = convertRef(String(v));
        break;
      case 'allOf':
        if (!wrapped && Array.isArray(v)) out.allOf = v.map(convertSchema);
        break;
      case 'properties':
        if (isObject(v)) out.properties = Object.fromEntries(Object.entries(v).map(([name, p]) => [name, convertSchema(p)]));
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof v === 'boolean' ? v : convertSchema(v);
        break;
      case 'items':
        out.items = Array.isArray(v) ? v.map(convertSchema) : convertSchema(v);
        break;
      default:
        if (!SCHEMA_KEYWORDS_NOT_IN_V2.has(k)) out[k] = v;
    }
  }
  if (s.nullable === true) {
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.items;
    delete out.properties;
  }
  if (out.type === 'array' && out.items === undefined) delete out.type;
  if (Array.isArray(out.required) && isObject(s.properties)) {
    const properties = s.properties;
    out.required = out.required.filter((name) => !(isObject(properties[String(name)]) && (properties[String(name)] as JsonObject).nullable === true));
    if ((out.required as unknown[]).length === 0) delete out.required;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Paths

function orderMedia(types: Iterable<string>): string[] {
  const list = [...new Set(types)];
  const rank = (t: string) => {
    const i = MEDIA_ORDER.indexOf(t);
    return i < 0 ? MEDIA_ORDER.length : i;
  };
  return list.map((t, i) => ({ t, i })).sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i).map((x) => x.t);
}

/** convertParameter flattens a v3 parameter's `schema` into the v2 parameter, as Swagger 2.0 has it. */
function convertParameter(p: JsonObject): JsonObject {
  if (typeof p.$ref === 'string') {
    return { $ref: p.$ref.startsWith(V3_PARAMETER_REF) ? `#/parameters/${p.$ref.slice(V3_PARAMETER_REF.length)}` : p.$ref };
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'schema') {
      if (isObject(v)) Object.assign(out, convertSchema(v));
    } else if (k !== 'style' && k !== 'explode' && k !== 'example' && k !== 'examples' && k !== 'deprecated') {
      out[k] = v;
    }
  }
  return out;
}

/** byName orders parameters as kube-openapi lists them: by name, then location. */
function byName(a: JsonObject, b: JsonObject): number {
  return String(a.name ?? '').localeCompare(String(b.name ?? '')) || String(a.in ?? '').localeCompare(String(b.in ?? ''));
}

function firstSchema(content: unknown): unknown {
  if (!isObject(content)) return undefined;
  const media = (isObject(content['application/json']) ? content['application/json'] : Object.values(content)[0]) as JsonObject | undefined;
  return media?.schema;
}

function convertOperation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  const parameters = (Array.isArray(op.parameters) ? (op.parameters as JsonObject[]) : []).map(convertParameter);
  const body = isObject(op.requestBody) ? op.requestBody : undefined;
  if (body) {
    const param: JsonObject = { in: 'body', name: 'body' };
    if (body.description !== undefined) param.description = body.description;
    if (body.required !== undefined) param.required = body.required;
    const schema = firstSchema(body.content);
    if (schema !== undefined) param.schema = convertSchema(schema);
    parameters.push(param);
  }
  const produces: string[] = [];
  const responses: JsonObject = {};
  for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    if (!isObject(r)) continue;
    const response: JsonObject = {};
    for (const [k, v] of Object.entries(r)) if (k === 'description' || k.startsWith('x-')) response[k] = v;
    if (isObject(r.content)) {
      produces.push(...Object.keys(r.content));
      const schema = firstSchema(r.content);
      if (schema !== undefined) response.schema = convertSchema(schema);
    }
    responses[code] = response;
  }
  for (const [k, v] of Object.entries(op)) {
    if (k === 'parameters' || k === 'requestBody' || k === 'responses' || k === 'servers' || k === 'callbacks' || k === 'security') continue;
    out[k] = v;
  }
  out.consumes = body && isObject(body.content) ? orderMedia(Object.keys(body.content)) : ['*/*'];
  out.produces = produces.length ? orderMedia(produces) : ['*/*'];
  if (parameters.length) out.parameters = parameters.sort(byName);
  out.responses = responses;
  out.schemes = ['https'];
  return out;
}

function convertPathItem(item: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(item)) {
    if ((OPERATION_METHODS as readonly string[]).includes(k) && isObject(v)) out[k] = convertOperation(v);
    else if (k === 'parameters' && Array.isArray(v)) out.parameters = (v as JsonObject[]).map(convertParameter).sort(byName);
    else if (k.startsWith('x-')) out[k] = v;
  }
  return out;
}

function convertSecurityScheme(s: JsonObject): JsonObject | undefined {
  // Swagger 2.0 security schemes: apiKey carries over; v3's http/bearer has no v2 form.
  if (s.type !== 'apiKey') return undefined;
  return { ...s };
}

// ---------------------------------------------------------------------------------------------
// Shared parameters

/**
 * isShareable follows kube-openapi's builder (`collectSharedParameters`): every parameter is
 * shared except those tied to one endpoint (`name`, a body of the kind's own schema) and
 * `dryRun` and `fieldValidation`, which kubectl before 1.27 looks for inline in an operation
 * to decide whether the server supports them.
 */
function isShareable(p: JsonObject): boolean {
  if ((p.in === 'query' || p.in === 'path') && p.name === 'name') return false;
  if (p.in === 'query' && (p.name === 'fieldValidation' || p.name === 'dryRun')) return false;
  if (p.in === 'body' && p.name === 'body') {
    const ref = isObject(p.schema) ? p.schema.$ref : undefined;
    if (typeof ref !== 'string' || !ref.startsWith('#/definitions/io.k8s.apimachinery')) return false;
  }
  return typeof p.$ref !== 'string';
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const U64 = (1n << 64n) - 1n;

/** shortHash is kube-openapi's parameter name suffix: FNV-1 64 of the JSON, 6 bytes base64url (8 characters). */
function shortHash(s: string): string {
  let h = FNV64_OFFSET;
  for (const byte of Buffer.from(s, 'utf8')) h = ((h * FNV64_PRIME) & U64) ^ BigInt(byte);
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(h);
  return bytes.subarray(0, 6).toString('base64url');
}

/**
 * shareParameters moves shareable parameters into the returned top-level `parameters` map and
 * replaces each use with a `$ref`, as kube-apiserver's v2 does. Names are `<name>-<hash>`.
 */
function shareParameters(paths: Record<string, JsonObject>): Record<string, JsonObject> {
  const lists: JsonObject[][] = [];
  for (const item of Object.values(paths)) {
    if (Array.isArray(item.parameters)) lists.push(item.parameters as JsonObject[]);
    for (const m of OPERATION_METHODS) {
      const op = item[m];
      if (isObject(op) && Array.isArray(op.parameters)) lists.push(op.parameters as JsonObject[]);
    }
  }
  const byJson = new Map<string, JsonObject>();
  for (const list of lists) for (const p of list) if (isShareable(p)) byJson.set(canonicalJson(p), p);
  const shared: Record<string, JsonObject> = {};
  const names = new Map<string, string>();
  for (const json of [...byJson.keys()].sort()) {
    const p = byJson.get(json)!;
    const base = typeof p.name === 'string' && p.name ? p.name : 'param';
    let name = `${base}-${shortHash(json)}`;
    for (let i = 1; name in shared; i++) name = `${base}-${i}`; // only on a hash collision
    shared[name] = p;
    names.set(json, name);
  }
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      if (!isShareable(list[i])) continue;
      const name = names.get(canonicalJson(list[i]));
      if (name) list[i] = { $ref: `#/parameters/${name}` };
    }
  }
  return shared;
}

// ---------------------------------------------------------------------------------------------

/** canonicalJson is JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeysDeep(v));
}

/** sortKeysDeep copies a JSON value with object keys sorted, as upstream's swagger.json is. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep(v[k]);
  return out;
}

/** etagOf is kube-openapi's ETag value: the SHA-512 of the JSON document, upper-case hex. */
export function etagOf(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

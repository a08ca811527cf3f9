/**
 * Random valid objects of the served kinds, for the round-trip property tests.
 *
 * Values follow the OpenAPI definitions (types and formats: int32, int64 within the safe range,
 * date-time at whole seconds, MicroTime with six digits, int-or-string in both forms, canonical
 * quantities, base64 bytes, maps, arrays, nested objects). Which properties to fill comes from
 * walking the proto message beside the definition, as the generator did: a property no proto
 * field carries cannot survive protobuf, so it is not generated but counted in `skipped`, and
 * the test checks each one is declared (notInProto, or the apiVersion/kind of a kind nested in
 * another object, which only the outer envelope carries).
 *
 * Shapes protobuf cannot tell apart are not generated here but covered by the codec tests:
 * empty arrays and maps (absent in protobuf), null (absent), -0 (JSON writes it as 0). Zero
 * values of omitempty fields are generated: goJson says what the round trip gives for them.
 */
import * as path from 'node:path';
import * as protobuf from 'protobufjs/light';
import { load } from '../../../codegen/load';
import { COMPONENT_REF_PREFIX, type Schema } from '../../../codegen/model';
import { mergeDefinitions } from '../../../codegen/transform/merge';
import { mappings } from '../../../generated/protobuf/mappings';
import { descriptorRoot } from '../../../src/protobuf/plan';
import { JSON_SCHEMA_PROPS, type FieldMapping, type SpecialType } from '../../../src/protobuf/schema';
import { mulberry32 } from '../../support/random';

export type JsonObject = Record<string, unknown>;

/** REPO_ROOT is the repository root, seen from dist/test/unit/protobuf. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

let definitions: Map<string, Schema> | undefined;

/** mergedDefinitions are the definitions the generator read (schemas/kubernetes, merged), loaded once. */
export function mergedDefinitions(): Map<string, Schema> {
  definitions ??= mergeDefinitions(load(REPO_ROOT).documents).schemas;
  return definitions;
}

/** MAX_DEPTH bounds nesting: past it only scalar fields are filled (JSONSchemaProps and pod templates recurse). */
const MAX_DEPTH = 7;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** STRING_PIECES mix ASCII with multi-byte and astral characters, which exercise UTF-8 and Go's byte-order map sorting. */
const STRING_PIECES = ['a', 'b', 'z', '0', '9', '-', '.', '_', '/', ' ', 'é', 'ß', '日本', '\u{1F680}', '\uFFFD', 'A', 'Z'];
const QUANTITY_SUFFIXES = ['', 'm', 'k', 'M', 'G', 'Ki', 'Mi', 'Gi', 'Ti', 'e3', 'u', 'n'];

function refOf(s: Schema | undefined): string | undefined {
  const ref = s?.$ref ?? (s?.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return ref?.startsWith(COMPONENT_REF_PREFIX) ? ref.slice(COMPONENT_REF_PREFIX.length) : undefined;
}

/** RandomObjects makes random objects of one seed and records the properties it had to leave out. */
export class RandomObjects {
  readonly #rng: () => number;
  readonly #defs: Map<string, Schema>;
  readonly #root: protobuf.Root;
  /** skipped maps `<definition>.<property>` to the message that does not carry it. */
  readonly skipped = new Map<string, string>();
  /**
   * nestedKinds are the kind definitions met inside another object (list items, StatefulSet
   * volumeClaimTemplates, Eviction's deleteOptions): their apiVersion and kind are not in any
   * proto message (Go's TypeMeta has no protobuf tag), so protobuf drops them there, as it does
   * in kube-apiserver. At the top level the envelope carries them.
   */
  readonly nestedKinds = new Set<string>();

  constructor(seed: number) {
    this.#rng = mulberry32(seed);
    this.#defs = mergedDefinitions();
    this.#root = descriptorRoot();
  }

  /** object makes one object of a kind (`v1`, `Pod`), apiVersion and kind set. */
  object(apiVersion: string, kind: string): JsonObject {
    const message = mappings.kinds[`${apiVersion}/${kind}`] ?? mappings.anyVersionKinds[kind];
    if (!message) throw new Error(`no message for ${apiVersion} ${kind}`);
    return { apiVersion, kind, ...this.message(message, mappings.messages[message].definition!, 0) };
  }

  #int(lo: number, hi: number): number {
    return lo + Math.floor(this.#rng() * (hi - lo + 1));
  }

  #pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#rng() * xs.length)];
  }

  #chance(p: number): boolean {
    return this.#rng() < p;
  }

  string(): string {
    const n = this.#int(0, 12);
    let s = '';
    for (let i = 0; i < n; i++) s += this.#pick(STRING_PIECES);
    return s;
  }

  /** key is a map key: sometimes numeric-looking ("10" sorts before "2" in Go, after it in JS property order). */
  #key(): string {
    return this.#chance(0.2) ? String(this.#int(0, 20)) : this.string();
  }

  #int64(): number {
    switch (this.#int(0, 3)) {
      case 0:
        return this.#int(-5, 5);
      case 1:
        return this.#int(INT32_MIN, INT32_MAX);
      case 2:
        return Math.floor((this.#rng() - 0.5) * 2 * Number.MAX_SAFE_INTEGER);
      default:
        return this.#pick([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 31) - 1]);
    }
  }

  #double(): number {
    const v = this.#pick([() => this.#int(-1000, 1000), () => (this.#rng() - 0.5) * 1e6, () => this.#rng() * 1e-9, () => 1.5e300])();
    return Object.is(v, -0) ? 0 : v;
  }

  /** time is an RFC 3339 date-time at whole seconds, UTC, 1900-2200 (before 1970 means negative seconds). */
  time(): string {
    const ms = this.#int(Date.UTC(1900, 0, 1) / 1000, Date.UTC(2200, 0, 1) / 1000) * 1000;
    return new Date(ms).toISOString().slice(0, 19) + 'Z';
  }

  microTime(): string {
    return `${this.time().slice(0, 19)}.${String(this.#int(0, 999999)).padStart(6, '0')}Z`;
  }

  quantity(): string {
    const n = this.#chance(0.2) ? `${this.#int(0, 99)}.${this.#int(1, 9)}` : String(this.#int(0, 100000));
    return n + this.#pick(QUANTITY_SUFFIXES);
  }

  base64(): string {
    const bytes = Buffer.alloc(this.#int(0, 24));
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.#int(0, 255);
    return bytes.toString('base64');
  }

  /** json is any JSON value (nulls only inside containers unless allowNull). */
  json(depth: number, allowNull = false): unknown {
    const kinds = depth > 3 ? 4 : 6;
    switch (this.#int(allowNull ? -1 : 0, kinds - 1)) {
      case -1:
        return null;
      case 0:
        return this.string();
      case 1:
        return this.#double();
      case 2:
        return this.#chance(0.5);
      case 3:
        return this.#int(-100, 100);
      case 4:
        return Array.from({ length: this.#int(0, 3) }, () => this.json(depth + 1, true));
      default:
        return this.jsonObject(depth + 1);
    }
  }

  jsonObject(depth: number): JsonObject {
    const out: JsonObject = {};
    for (let i = this.#int(0, 3); i > 0; i--) out[`k${this.string()}`] = this.json(depth + 1, true);
    return out;
  }

  /** fieldsV1 looks like managed fields: nested `f:`/`k:` keys ending in `{}`. */
  #fieldsV1(depth: number): JsonObject {
    const out: JsonObject = {};
    for (let i = this.#int(1, 3); i > 0; i--) {
      const key = `${this.#pick(['f:', 'k:', 'v:', '.'])}${this.string()}`;
      out[key] = depth > 2 || this.#chance(0.5) ? {} : this.#fieldsV1(depth + 1);
    }
    return out;
  }

  /** message fills a message's fields (inlined structs into the same object) against its definition. */
  message(name: string, definition: string, depth: number): JsonObject {
    const def = this.#defs.get(definition);
    if (!def) throw new Error(`definition ${definition} missing`);
    const out: JsonObject = {};
    const carried = new Set<string>();
    this.#fill(name, def, depth, out, carried);
    const isKind = (def['x-kubernetes-group-version-kind'] ?? []).length > 0;
    for (const prop of Object.keys(def.properties ?? {})) {
      if (carried.has(prop)) continue;
      if (isKind && (prop === 'apiVersion' || prop === 'kind')) {
        if (depth > 0) this.nestedKinds.add(definition);
      } else this.skipped.set(`${definition}.${prop}`, name);
    }
    return out;
  }

  #fill(name: string, def: Schema, depth: number, out: JsonObject, carried: Set<string>): void {
    const type = this.#root.lookupType(name);
    const include = depth === 0 ? 0.9 : Math.max(0.25, 0.75 - depth * 0.08);
    for (const fm of mappings.messages[name].fields) {
      const field = type.fields[fm.proto].resolve();
      if (fm.inline) {
        this.#fill((field.resolvedType as protobuf.Type).fullName.slice(1), def, depth, out, carried);
        continue;
      }
      const json = fm.json!;
      carried.add(json);
      const isMessage = field.resolvedType instanceof protobuf.Type && !fm.special;
      if (depth >= MAX_DEPTH && (isMessage || (fm.special ?? '').startsWith('JSONSchemaProps'))) continue;
      if (!this.#chance(include)) continue;
      out[json] = this.#field(field, fm, def.properties?.[json], depth);
    }
  }

  #field(field: protobuf.Field, fm: FieldMapping, prop: Schema | undefined, depth: number): unknown {
    if (field.map) {
      const out: JsonObject = {};
      const element = typeof prop?.additionalProperties === 'object' ? prop.additionalProperties : undefined;
      for (let i = this.#int(1, 3); i > 0; i--) out[this.#key()] = this.#element(field, fm, element, depth);
      return out;
    }
    if (field.repeated) return Array.from({ length: this.#int(1, 3) }, () => this.#element(field, fm, prop?.items, depth, true));
    return this.#element(field, fm, prop, depth);
  }

  #element(field: protobuf.Field, fm: FieldMapping, schema: Schema | undefined, depth: number, inArray = false): unknown {
    if (fm.special) return this.special(fm.special, depth, inArray);
    if (field.resolvedType instanceof protobuf.Type) {
      const ref = refOf(schema);
      if (!ref) throw new Error(`${field.fullName}: message without a definition`);
      return this.message(field.resolvedType.fullName.slice(1), ref, depth + 1);
    }
    return this.scalar(field.type, schema);
  }

  /** scalar follows the OpenAPI type and format, and checks they agree with the proto type. */
  scalar(protoType: string, schema: Schema | undefined): unknown {
    const type = schema?.type;
    const format = schema?.format;
    const agree = (ok: boolean) => {
      if (!ok) throw new Error(`proto ${protoType} vs OpenAPI ${type}/${format}`);
    };
    switch (protoType) {
      case 'string':
        agree(type === 'string');
        if (schema?.enum?.length) return this.#pick(schema.enum as string[]);
        return this.string();
      case 'bool':
        agree(type === 'boolean');
        return this.#chance(0.5);
      case 'int32':
        agree(type === 'integer' && format !== 'int64');
        return this.#int(INT32_MIN, INT32_MAX);
      case 'int64':
        agree(type === 'integer');
        return format === 'int32' ? this.#int(INT32_MIN, INT32_MAX) : this.#int64();
      case 'double':
        agree(type === 'number');
        return this.#double();
      default:
        throw new Error(`scalar ${protoType} not generated`);
    }
  }

  special(special: SpecialType, depth: number, inArray: boolean): unknown {
    switch (special) {
      case 'Bytes':
        return this.base64();
      case 'IntOrString':
        return this.#chance(0.5) ? this.#int(INT32_MIN, INT32_MAX) : this.string();
      case 'Quantity':
        return this.quantity();
      case 'Time':
        return this.time();
      case 'MicroTime':
        return this.microTime();
      case 'Duration':
        return this.#pick(['0s', '1h0m0s', '1.5s', '300ms', '2h45m0.5s', '-1m30s', '750µs', '42ns']);
      case 'RawExtension':
        return { apiVersion: 'example.com/v1', kind: 'Thing', spec: this.jsonObject(depth + 1) };
      case 'JSON':
        return this.json(depth + 1, inArray);
      case 'FieldsV1':
        return this.#fieldsV1(0);
      case 'StringList':
        return Array.from({ length: this.#int(0, 3) }, () => this.string());
      case 'JSONSchemaPropsOrArray':
        return this.#chance(0.5) ? this.#schema(depth) : Array.from({ length: this.#int(1, 2) }, () => this.#schema(depth));
      case 'JSONSchemaPropsOrBool':
        return this.#chance(0.4) ? this.#chance(0.5) : this.#schema(depth);
      case 'JSONSchemaPropsOrStringArray':
        return this.#chance(0.5) ? this.#schema(depth) : Array.from({ length: this.#int(1, 3) }, () => this.string());
    }
  }

  #schema(depth: number): JsonObject {
    return this.message(
      'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
      depth + 2,
    );
  }
}

/** servedKinds lists every apiVersion/kind with a protobuf message, the any-version meta kinds under v1. */
export function servedKinds(): { apiVersion: string; kind: string }[] {
  const out = Object.keys(mappings.kinds).map((key) => {
    const i = key.lastIndexOf('/');
    return { apiVersion: key.slice(0, i), kind: key.slice(i + 1) };
  });
  for (const kind of Object.keys(mappings.anyVersionKinds)) out.push({ apiVersion: 'v1', kind });
  return out;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * goJson is obj as it comes back from a Go struct, by Go's JSON: a copy without the zero values
 * ("", 0, false) of the fields the mapping marks omitEmpty (Go value fields tagged omitempty).
 * Written apart from the codec, over the generated mapping, as the round trip's expectation.
 */
export function goJson(apiVersion: string, kind: string, obj: JsonObject): JsonObject {
  const message = mappings.kinds[`${apiVersion}/${kind}`] ?? mappings.anyVersionKinds[kind];
  const out = structuredClone(obj);
  dropOmittedZeros(message, out);
  return out;
}

function dropOmittedZeros(name: string, obj: JsonObject): void {
  const type = descriptorRoot().lookupType(name);
  for (const fm of mappings.messages[name].fields) {
    const field = type.fields[fm.proto].resolve();
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType.fullName.slice(1) : undefined;
    if (fm.inline) {
      dropOmittedZeros(sub!, obj);
      continue;
    }
    const json = fm.json!;
    const v = obj[json];
    if (v === undefined) continue;
    if (fm.omitEmpty && (v === '' || v === 0 || v === false)) {
      delete obj[json];
      continue;
    }
    const values = field.map && isObject(v) ? Object.values(v) : Array.isArray(v) && field.repeated ? v : [v];
    if (fm.special?.startsWith('JSONSchemaProps')) {
      // the unions hold a schema, or an array of schemas (OrArray), strings (OrStringArray) or a boolean (OrBool)
      for (const u of values) for (const schema of Array.isArray(u) ? u : [u]) if (isObject(schema)) dropOmittedZeros(JSON_SCHEMA_PROPS, schema);
    } else if (sub && !fm.special) {
      for (const m of values) if (isObject(m)) dropOmittedZeros(sub, m);
    }
  }
}

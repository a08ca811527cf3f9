/**
 * Random valid objects for the conversion property tests, made by walking the OpenAPI definitions
 * the generator reads (schemas/kubernetes, merged): every required property, a random choice of
 * the others, values of the declared type and format (int32 in range, date-time, int-or-string in
 * both forms, enums), arrays (empty ones too), maps, nested objects and free-form objects.
 *
 * "Valid" means what the schemas say plus, through `overrides`, the few rules of upstream's
 * validation that conversion depends on (an Ingress backend is a service or a resource; a service
 * port has a name or a number): an object those rules reject cannot be created, so whether it
 * survives a round trip says nothing.
 *
 * A kind's apiVersion and kind are those of its group-version when present; nested kinds (list
 * items) carry them only sometimes, as kube-apiserver's lists leave them out.
 */
import * as path from 'node:path';
import { buildContext } from '../../../codegen/context';
import { load } from '../../../codegen/load';
import { COMPONENT_REF_PREFIX, type Schema } from '../../../codegen/model';
import { mulberry32 } from '../../support/random';

export type JsonObject = Record<string, unknown>;

/** REPO_ROOT is the repository root, seen from dist/test/unit/conversion. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

let definitions: Map<string, Schema> | undefined;

/** mergedDefinitions are the definitions the generator reads, loaded once. */
export function mergedDefinitions(): Map<string, Schema> {
  definitions ??= buildContext(load(REPO_ROOT)).definitions;
  return definitions;
}

/** MAX_DEPTH bounds nesting; past it only required properties are filled. */
const MAX_DEPTH = 8;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** STRING_PIECES mix ASCII with multi-byte and astral characters; conversion must carry them untouched. */
const STRING_PIECES = ['a', 'b', 'z', '0', '9', '-', '.', '_', '/', ' ', 'é', '日本', '\u{1F680}', 'A', 'Z'];

function refOf(s: Schema | undefined): string | undefined {
  const ref = s?.$ref ?? (s?.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return ref?.startsWith(COMPONENT_REF_PREFIX) ? ref.slice(COMPONENT_REF_PREFIX.length) : undefined;
}

/** Override makes the value of one definition itself, using the generator for its parts. */
export type Override = (random: RandomObjects, depth: number) => unknown;

/** RandomObjects makes random objects of one seed. */
export class RandomObjects {
  readonly #rng: () => number;
  readonly #defs: Map<string, Schema>;
  readonly #overrides: Readonly<Record<string, Override>>;

  constructor(seed: number, overrides: Readonly<Record<string, Override>> = {}) {
    this.#rng = mulberry32(seed);
    this.#defs = mergedDefinitions();
    this.#overrides = overrides;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.#rng() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#rng() * xs.length)];
  }

  chance(p: number): boolean {
    return this.#rng() < p;
  }

  /** string is a random string, empty sometimes. */
  string(min = 0): string {
    const n = this.int(min, 10);
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(STRING_PIECES);
    return s;
  }

  int32(): number {
    return this.pick([() => this.int(-5, 5), () => this.int(INT32_MIN, INT32_MAX), () => this.pick([INT32_MIN, INT32_MAX])])();
  }

  time(): string {
    const ms = this.int(Date.UTC(1970, 0, 1) / 1000, Date.UTC(2200, 0, 1) / 1000) * 1000;
    return new Date(ms).toISOString().slice(0, 19) + 'Z';
  }

  /** json is any JSON value: what free-form objects (FieldsV1, RawExtension) hold. */
  json(depth: number): unknown {
    switch (this.int(0, depth > 2 ? 3 : 5)) {
      case 0:
        return this.string();
      case 1:
        return this.int(-1000, 1000);
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      case 4:
        return Array.from({ length: this.int(0, 3) }, () => this.json(depth + 1));
      default:
        return this.jsonObject(depth + 1);
    }
  }

  jsonObject(depth: number): JsonObject {
    const out: JsonObject = {};
    for (let i = this.int(0, 3); i > 0; i--) out[`k${this.string()}`] = this.json(depth + 1);
    return out;
  }

  /**
   * object makes one object of a definition. `top` marks the object a request or a response
   * carries: its apiVersion and kind are always set.
   */
  object(definition: string, depth = 0, top = depth === 0): JsonObject {
    const override = this.#overrides[definition];
    if (override) return override(this, depth) as JsonObject;
    const def = this.#defs.get(definition);
    if (!def) throw new Error(`definition ${definition} missing`);
    return this.#properties(def, depth, top);
  }

  #properties(def: Schema, depth: number, top: boolean): JsonObject {
    const out: JsonObject = {};
    const required = new Set(def.required ?? []);
    const gvk = def['x-kubernetes-group-version-kind']?.[0];
    const include = Math.max(0.4, 0.85 - depth * 0.05);
    for (const [name, prop] of Object.entries(def.properties ?? {}).sort((a, b) => a[0].localeCompare(b[0]))) {
      if (gvk && (name === 'apiVersion' || name === 'kind')) {
        if (top || this.chance(0.5)) out[name] = name === 'kind' ? gvk.kind : gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        continue;
      }
      if (!required.has(name) && (depth >= MAX_DEPTH || !this.chance(include))) continue;
      out[name] = this.value(prop, depth + 1);
    }
    return out;
  }

  /** value makes a value of a schema. */
  value(schema: Schema, depth: number): unknown {
    const ref = refOf(schema);
    if (ref) {
      const def = this.#defs.get(ref)!;
      if (def.properties || this.#overrides[ref]) return this.object(ref, depth, false);
      return this.value(def, depth);
    }
    if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string']) return this.chance(0.5) ? this.int32() : this.string();
    switch (schema.type) {
      case 'string':
        if (schema.enum?.length) return this.pick(schema.enum);
        if (schema.format === 'date-time') return this.time();
        if (schema.format === 'byte') return Buffer.from(this.string()).toString('base64');
        return this.string();
      case 'integer':
        return schema.format === 'int64' ? this.int(-(2 ** 40), 2 ** 40) : this.int32();
      case 'number':
        return this.int(-1000, 1000) / 8;
      case 'boolean':
        return this.chance(0.5);
      case 'array':
        return Array.from({ length: this.int(0, 3) }, () => this.value(schema.items ?? {}, depth + 1));
      case 'object':
      case undefined:
        if (schema.properties) return this.#properties(schema, depth, false);
        if (typeof schema.additionalProperties === 'object') {
          const out: JsonObject = {};
          for (let i = this.int(0, 3); i > 0; i--) out[this.string()] = this.value(schema.additionalProperties, depth + 1);
          return out;
        }
        return this.jsonObject(depth);
      default:
        throw new Error(`no random value for type ${String(schema.type)}`);
    }
  }
}

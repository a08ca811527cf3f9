/**
 * Custom-resource data as CEL values (upstream's UnstructuredToVal): JSON is converted lazily,
 * following the schema, so only what a rule reads is converted. Objects with properties are maps
 * keyed by escaped property names whose null fields count as absent; lists keep their
 * x-kubernetes-list-type so that equality and concatenation follow upstream (sets and map lists
 * compare without regard to order).
 */
import { celError, celList, celMap, isCelList, isCelMap, isCelType, isCelUint, type CelList, type CelMap, type CelResult, type CelValue } from '@bufbuild/cel';
import { reflect, isReflectMessage } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt';

import { charge } from './cost';
import { escapeName, unescapeName } from './escape';
import { OPTIONAL } from './opaque';
import { withTypeAndObjectMeta, type Structural } from './schema';
import { durationFromNanos, parseBase64, parseDateTime, parseFullDate, parseStrfmtDuration } from './timefmt';

const LIST_MARK = Symbol.for('@bufbuild/cel/list');
const MAP_MARK = Symbol.for('@bufbuild/cel/map');

type Json = Record<string, unknown>;
const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** asCel lets kapi's list and map classes stand for @bufbuild/cel's (they carry its brand symbols). */
const asCel = (v: ListValue | ObjectValue | MapValue): CelValue => v as unknown as CelValue;

/** toCelValue converts one JSON value by its schema; conversion problems are CEL errors. */
export function toCelValue(raw: unknown, s: Structural): CelResult {
  if (raw === null || raw === undefined) {
    return s.nullable ? null : celError('invalid data, got null for schema with nullable=false');
  }
  if (s.intOrString) {
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
    if (typeof raw === 'bigint') return raw;
    return celError('invalid data, expected XIntOrString value to be either a string or integer');
  }
  switch (s.type) {
    case 'object': {
      if (!isJsonObject(raw)) return celError('invalid data, expected a map for the provided schema with type=object');
      if (s.embeddedResource || s.properties) return asCel(new ObjectValue(raw, s.embeddedResource ? withTypeAndObjectMeta(s) : s));
      if (s.additionalProperties) return asCel(new MapValue(raw, s.additionalProperties));
      return asCel(new ObjectValue(raw, s));
    }
    case 'array': {
      if (!Array.isArray(raw)) return celError('invalid data, expected an array for the provided schema with type=array');
      if (!s.items) return celError('invalid array type, expected Items with a non-empty Schema');
      switch (s.listType ?? 'atomic') {
        case 'map':
          return asCel(new MapListValue(raw, s.items, s.listMapKeys));
        case 'set':
          return asCel(new SetListValue(raw, s.items));
        case 'atomic':
          return asCel(new ListValue(raw, s.items));
        default:
          return celError(`invalid x-kubernetes-list-type, expected 'map', 'set' or 'atomic' but got ${s.listType}`);
      }
    }
    case 'string': {
      if (typeof raw !== 'string') return celError(`invalid data, expected string, got ${goTypeName(raw)}`);
      switch (s.format) {
        case 'duration': {
          const n = parseStrfmtDuration(raw);
          return n === undefined ? celError(`Invalid duration ${raw}: unable to parse ${raw} as duration`) : reflect(DurationSchema, durationFromNanos(n));
        }
        case 'date': {
          const t = parseFullDate(raw);
          return t ? reflect(TimestampSchema, t) : celError(`Invalid date formatted string ${raw}`);
        }
        case 'date-time': {
          const t = parseDateTime(raw);
          return t ? reflect(TimestampSchema, t) : celError(`Invalid date-time formatted string ${raw}`);
        }
        case 'byte': {
          const b = parseBase64(raw);
          return b ?? celError(`Invalid byte formatted string ${raw}`);
        }
      }
      return raw;
    }
    case 'number':
      return typeof raw === 'number' ? raw : celError(`invalid data, expected float, got ${goTypeName(raw)}`);
    case 'integer':
      if (typeof raw === 'number' && Number.isInteger(raw)) return BigInt(raw);
      if (typeof raw === 'bigint') return raw;
      return celError(`invalid data, expected int, got ${goTypeName(raw)}`);
    case 'boolean':
      return typeof raw === 'boolean' ? raw : celError(`invalid data, expected bool, got ${goTypeName(raw)}`);
  }
  if (s.preserveUnknownFields) return untypedToCel(raw);
  return celError(
    `invalid type, expected object, array, number, integer, boolean or string, or no type with x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is true, got ${s.type}`,
  );
}

function goTypeName(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (isJsonObject(v)) return 'map[string]interface {}';
  return typeof v;
}

/** untypedToCel converts schemaless JSON (preserved unknown fields): integral numbers are ints. */
export function untypedToCel(raw: unknown): CelValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'number') return Number.isInteger(raw) ? BigInt(raw) : raw;
  if (typeof raw === 'string' || typeof raw === 'boolean' || typeof raw === 'bigint') return raw;
  if (Array.isArray(raw)) return celList(raw.map(untypedToCel));
  if (isJsonObject(raw)) return celMap(new Map(Object.entries(raw).map(([k, v]) => [k, untypedToCel(v)])));
  return null;
}

/** ListValue is an atomic list (x-kubernetes-list-type atomic or unset). */
export class ListValue {
  readonly [LIST_MARK] = {};
  constructor(
    readonly raw: readonly unknown[],
    readonly items: Structural,
  ) {}

  get size(): number {
    return this.raw.length;
  }

  get(index: number): CelResult | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.raw.length) return undefined;
    charge(1);
    return toCelValue(this.raw[index], this.items);
  }

  *values(): IterableIterator<CelResult> {
    for (const e of this.raw) {
      charge(1);
      yield toCelValue(e, this.items);
    }
  }

  [Symbol.iterator](): IterableIterator<CelResult> {
    return this.values();
  }
}

/** SetListValue is an x-kubernetes-list-type=set list: equality ignores order. */
export class SetListValue extends ListValue {}

/** MapListValue is an x-kubernetes-list-type=map list: equality matches items by their keys. */
export class MapListValue extends ListValue {
  constructor(
    raw: readonly unknown[],
    items: Structural,
    readonly mapKeys: readonly string[],
  ) {
    super(raw, items);
  }
}

/**
 * ObjectValue is an object with properties (or an embedded resource, or an object with neither
 * properties nor additionalProperties): keys are escaped property names, and a null field is
 * absent. Unknown fields are not visible but count in size and equality, as upstream.
 */
export class ObjectValue {
  readonly [MAP_MARK] = {};
  constructor(
    readonly raw: Json,
    readonly schema: Structural,
  ) {}

  get size(): number {
    return Object.keys(this.raw).length;
  }

  /** propertyOf maps a CEL key to the property name and its schema, if visible. */
  propertyOf(key: unknown): [string, Structural] | undefined {
    if (typeof key !== 'string') return undefined;
    const name = unescapeName(key);
    if (name === undefined) return undefined;
    const ps = this.schema.properties?.get(name);
    return ps ? [name, ps] : undefined;
  }

  get(key: unknown): CelResult | undefined {
    const p = this.propertyOf(key);
    if (!p) return undefined;
    const v = this.raw[p[0]];
    if (v === undefined || v === null) return undefined;
    charge(1);
    return toCelValue(v, p[1]);
  }

  has(key: unknown): boolean {
    const p = this.propertyOf(key);
    if (!p) return false;
    const v = this.raw[p[0]];
    return v !== undefined && v !== null;
  }

  *keys(): IterableIterator<string> {
    for (const k of Object.keys(this.raw)) {
      if (!this.schema.properties?.has(k)) continue;
      charge(1);
      yield escapeName(k) ?? k;
    }
  }

  *entries(): IterableIterator<[string, CelResult]> {
    for (const k of this.keys()) {
      const v = this.get(k);
      if (v !== undefined) yield [k, v];
    }
  }

  *values(): IterableIterator<CelResult> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: CelResult, key: string, map: unknown) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[string, CelResult]> {
    return this.entries();
  }
}

/** MapValue is an object with additionalProperties: a map from string to its value schema. */
export class MapValue {
  readonly [MAP_MARK] = {};
  constructor(
    readonly raw: Json,
    readonly values_: Structural,
  ) {}

  get size(): number {
    return Object.keys(this.raw).length;
  }

  get(key: unknown): CelResult | undefined {
    if (typeof key !== 'string' || !Object.hasOwn(this.raw, key)) return undefined;
    charge(1);
    return toCelValue(this.raw[key], this.values_);
  }

  has(key: unknown): boolean {
    return typeof key === 'string' && Object.hasOwn(this.raw, key);
  }

  *keys(): IterableIterator<string> {
    for (const k of Object.keys(this.raw)) {
      charge(1);
      yield k;
    }
  }

  *entries(): IterableIterator<[string, CelResult]> {
    for (const k of this.keys()) yield [k, toCelValue(this.raw[k], this.values_)];
  }

  *values(): IterableIterator<CelResult> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: CelResult, key: string, map: unknown) => void): void {
    for (const [k, v] of this.entries()) callback(v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[string, CelResult]> {
    return this.entries();
  }
}

// ---------------------------------------------------------------------------------------------
// Equality

/** deepEqualJson compares two JSON values structurally (Go's equality.Semantic.DeepEqual). */
export function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqualJson(x, b[i]));
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqualJson(a[k], b[k]));
  }
  return false;
}

type Numeric = number | bigint;

function numericOf(v: unknown): Numeric | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (isCelUint(v)) return v.value;
  return undefined;
}

/** OpaqueEquality compares two values of one opaque type (registered by the libraries). */
export type OpaqueEquality = (a: unknown, b: unknown) => boolean | undefined;
const opaqueEqualities: OpaqueEquality[] = [];

/** registerOpaqueEquality adds an equality for opaque values (returns undefined if not its type). */
export function registerOpaqueEquality(eq: OpaqueEquality): void {
  opaqueEqualities.push(eq);
}

/**
 * celEquals is CEL equality with upstream's list semantics: numbers compare across int, uint
 * and double; x-kubernetes-list-type=set and =map lists compare without regard to order;
 * objects compare their unknown fields as JSON.
 */
export function celEquals(a: unknown, b: unknown): boolean {
  const na = numericOf(a);
  const nb = numericOf(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false;
    // eslint-disable-next-line eqeqeq -- bigint and number compare by value with ==
    return na == nb;
  }
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  if (a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  if (isCelType(a)) return isCelType(b) && a.kind === b.kind && a.name === b.name;
  if (isCelList(a)) return isCelList(b) && listEquals(a, b);
  if (isCelMap(a)) return isCelMap(b) && mapEquals(a, b);
  if (isReflectMessage(a)) {
    if (!isReflectMessage(b) || a.desc.typeName !== b.desc.typeName) return false;
    if (a.desc.typeName === TimestampSchema.typeName || a.desc.typeName === DurationSchema.typeName) {
      const x = a.message as unknown as { seconds: bigint; nanos: number };
      const y = b.message as unknown as { seconds: bigint; nanos: number };
      return x.seconds === y.seconds && x.nanos === y.nanos;
    }
    if (OPTIONAL.is(a)) {
      const x = OPTIONAL.unwrap(a);
      const y = OPTIONAL.unwrap(b);
      return x.present === y.present && (!x.present || (y.present && celEquals(x.value, y.value)));
    }
    for (const eq of opaqueEqualities) {
      const r = eq(a, b);
      if (r !== undefined) return r;
    }
  }
  return false;
}

function listEquals(a: CelList, b: CelList): boolean {
  if (a.size !== b.size) return false;
  const la: unknown = a;
  const lb: unknown = b;
  if (la instanceof SetListValue || lb instanceof SetListValue) return setEquals(a, b);
  if (la instanceof MapListValue) return mapListEquals(la, b);
  if (lb instanceof MapListValue) return mapListEquals(lb, a);
  for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i), b.get(i))) return false;
  return true;
}

function setEquals(a: CelList, b: CelList): boolean {
  const xs = [...a];
  const ys = [...b];
  return ys.every((y) => xs.some((x) => celEquals(x, y))) && xs.every((x) => ys.some((y) => celEquals(x, y)));
}

/** mapListKey renders the key of a map-list item (its x-kubernetes-list-map-keys values). */
function mapListKey(item: unknown, keys: readonly string[]): string | undefined {
  if (!isCelMap(item)) return undefined;
  const parts: string[] = [];
  for (const k of keys) {
    const v = item.get(escapeName(k) ?? k);
    if (v === undefined) return undefined;
    parts.push(typeof v === 'bigint' ? `i${v}` : `${typeof v}:${String(v)}`);
  }
  return JSON.stringify(parts);
}

function mapListEquals(a: MapListValue, b: CelList): boolean {
  const byKey = new Map<string, unknown>();
  for (const item of a) {
    const k = mapListKey(item, a.mapKeys);
    if (k !== undefined) byKey.set(k, item);
  }
  const seen = new Set<string>();
  for (const item of b) {
    const k = mapListKey(item, a.mapKeys);
    if (k === undefined) return false;
    const mine = byKey.get(k);
    if (mine === undefined || !celEquals(mine, item)) return false;
    seen.add(k);
  }
  return seen.size === byKey.size;
}

function mapEquals(a: CelMap, b: CelMap): boolean {
  if (a.size !== b.size) return false;
  const ma: unknown = a;
  const mb: unknown = b;
  if (ma instanceof ObjectValue && mb instanceof ObjectValue) {
    return objectEquals(ma, mb);
  }
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !celEquals(v, w)) return false;
  }
  return true;
}

function objectEquals(a: ObjectValue, b: ObjectValue): boolean {
  for (const [name, v] of Object.entries(a.raw)) {
    if (a.schema.properties?.has(name)) {
      const key = escapeName(name) ?? name;
      const x = a.get(key);
      const y = b.get(key);
      if ((x === undefined) !== (y === undefined)) return false;
      if (x !== undefined && !celEquals(x, y)) return false;
    } else if (Object.hasOwn(b.raw, name) && !deepEqualJson(v, b.raw[name])) {
      return false;
    }
  }
  return true;
}

/**
 * concatLists is `+` on lists: a set list unions (keeping the left order, appending new items of
 * the right), a map list merges by key (right values replace left ones in place, new keys are
 * appended), any other list concatenates.
 */
export function concatLists(a: CelList, b: CelList): CelList {
  const la: unknown = a;
  if (!(la instanceof SetListValue) && !(la instanceof MapListValue)) return AppendList.concat(a, b);
  const left = [...a];
  const right = [...b];
  if (la instanceof SetListValue) {
    const out = [...left];
    for (const y of right) if (!out.some((x) => celEquals(x, y))) out.push(y);
    return celList(out);
  }
  if (la instanceof MapListValue) {
    const out = [...left];
    const index = new Map<string, number>();
    out.forEach((x, i) => {
      const k = mapListKey(x, la.mapKeys);
      if (k !== undefined && !index.has(k)) index.set(k, i);
    });
    for (const y of right) {
      const k = mapListKey(y, la.mapKeys);
      const at = k === undefined ? undefined : index.get(k);
      if (at !== undefined) out[at] = y;
      else {
        if (k !== undefined) index.set(k, out.length);
        out.push(y);
      }
    }
    return celList(out);
  }
  return celList([...left, ...right]);
}

/**
 * AppendList is an immutable list that appends in amortized constant time, as Go's append on
 * a slice: lists share one array, each seeing its own length, and appending to the longest copies
 * nothing. The map and filter macros build their result with `+`, one element at a time.
 */
export class AppendList {
  readonly [LIST_MARK] = {};
  private constructor(
    private readonly items: unknown[],
    private readonly length: number,
  ) {}

  static concat(a: CelList, b: CelList): CelList {
    const left: unknown = a;
    let items: unknown[];
    let length: number;
    if (left instanceof AppendList && left.items.length === left.length) {
      items = left.items;
      length = left.length;
    } else {
      items = [...a];
      length = items.length;
    }
    for (const v of b) items.push(v);
    return new AppendList(items, length + b.size) as unknown as CelList;
  }

  get size(): number {
    return this.length;
  }

  get(index: number): CelValue | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.length ? (this.items[index] as CelValue) : undefined;
  }

  *values(): IterableIterator<CelValue> {
    for (let i = 0; i < this.length; i++) yield this.items[i] as CelValue;
  }

  [Symbol.iterator](): IterableIterator<CelValue> {
    return this.values();
  }
}

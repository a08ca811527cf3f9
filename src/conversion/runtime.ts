/**
 * What generated/conversions/ and the hand-written hooks beside this file share: the shapes of a
 * conversion and the few helpers the generated code is made of (copy a sub-tree, convert a nested
 * object, an array or a map of them). Nothing here knows any kind.
 *
 * Conversions work on JSON objects as decoded from a request body or read from storage. They are
 * pure: the input is never written to, and the output shares no object or array with it, so the
 * caller may change either afterwards.
 *
 * Input that does not have the shape its schema says is handled the way Go's decoder would not
 * let it through at all, but without throwing where that is possible: a sub-tree copied or
 * converted under the same name in both versions is passed through unchanged (validation of the
 * hub object then reports it at the same path); a hook that must move a value elsewhere and
 * cannot read it throws a ConversionError. The request path type-checks a body in its own version
 * before converting it, so in practice neither happens.
 */

/** JsonObject is a JSON object as parsed: own string keys, any values. */
export type JsonObject = Record<string, unknown>;

/** ConversionScope tells a conversion what it is converting; hooks receive it as their third argument. */
export interface ConversionScope {
  /** group is the API group (`networking.k8s.io`; `` for the core group). */
  readonly group: string;
  /** kind is the kind of the top-level object converted (`Ingress`, `IngressList`). */
  readonly kind: string;
  /** fromVersion and toVersion are the versions converted between (`v1beta1`, `v1`). */
  readonly fromVersion: string;
  readonly toVersion: string;
}

/** ConvertFunction converts one object of a kind between two versions. */
export type ConvertFunction = (input: JsonObject, scope: ConversionScope) => JsonObject;

/**
 * KindConversions is one row of generated/conversions/index.ts: a kind served in several versions,
 * its hub (storage) version and converters between every other version and the hub. The
 * converters set the apiVersion of the object they return.
 */
export interface KindConversions {
  hub: string;
  /** versions lists every served version, hub included, sorted. */
  versions: readonly string[];
  toHub: Readonly<Record<string, ConvertFunction>>;
  fromHub: Readonly<Record<string, ConvertFunction>>;
}

/**
 * ConversionError is a value a hook cannot convert: it is not of the type the version's schema
 * declares (upstream's JSON decoder refuses such a body before conversion; the request path
 * answers 400 BadRequest).
 */
export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

/** isObject tells a JSON object from arrays, null and scalars. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** setOwn writes an own enumerable property, the key `__proto__` included (a label may be called that). */
function setOwn(m: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
  else m[key] = value;
}

/** copy deep-copies a JSON value: the generated code's way of carrying a sub-tree both versions agree on. */
export function copy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => copy(x)) as unknown as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setOwn(out, k, copy(v[k]));
    return out as T;
  }
  return v;
}

/** convertObject converts a nested object with `fn`; anything that is not an object is copied unchanged. */
export function convertObject(value: unknown, fn: ConvertFunction, scope: ConversionScope): unknown {
  return isObject(value) ? fn(value, scope) : copy(value);
}

/** convertEach converts every element of an array with `fn` (see convertObject); a non-array is copied unchanged. */
export function convertEach(value: unknown, fn: ConvertFunction, scope: ConversionScope): unknown {
  return Array.isArray(value) ? value.map((e: unknown) => convertObject(e, fn, scope)) : copy(value);
}

/** convertValues converts every value of a map with `fn` (see convertObject); a non-object is copied unchanged. */
export function convertValues(value: unknown, fn: ConvertFunction, scope: ConversionScope): unknown {
  if (!isObject(value)) return copy(value);
  const out: JsonObject = {};
  for (const k of Object.keys(value)) setOwn(out, k, convertObject(value[k], fn, scope));
  return out;
}

/** groupVersion renders `v1` for the core group and `networking.k8s.io/v1` for the others. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

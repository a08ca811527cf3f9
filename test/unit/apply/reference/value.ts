/**
 * Plain JSON values the way structured-merge-diff's value package sees them: a total order over
 * values of any type, its notion of equality (an integer equals the same float), Go's string
 * order (UTF-8 bytes) and the exact bytes Go's JSON encoders write, because managedFields are
 * compared byte for byte by clients.
 */

/** JsonMap is a JSON object as parsed: own string keys, any values. */
export type JsonMap = Record<string, unknown>;

/** isMap reports a JSON object (not an array, not null). */
export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** isList reports a JSON array. */
export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** isScalar reports a string, number or boolean (null is not a scalar, as upstream). */
export function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** hasOwn is Object.hasOwn without the prototype traps of `in`. */
export function hasOwn(m: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** getOwn reads an own property, never an inherited one (`constructor`, `__proto__`). */
export function getOwn(m: JsonMap, key: string): unknown {
  return hasOwn(m, key) ? m[key] : undefined;
}

/** setOwn writes an own enumerable property, including the key `__proto__`. */
export function setOwn(m: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    m[key] = value;
  }
}

/** deepCopy clones a JSON value. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as unknown as T;
  if (isMap(v)) {
    const out: JsonMap = {};
    for (const k of Object.keys(v)) setOwn(out, k, deepCopy(v[k]));
    return out as T;
  }
  return v;
}

/**
 * compareStrings orders strings as Go does (strings.Compare: UTF-8 bytes), which is code point
 * order; JavaScript's `<` compares UTF-16 units and disagrees above U+D7FF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (code points above U+FFFF) sort after U+E000..U+FFFF in code point order.
    if (ca >= 0xd800 && cb >= 0xd800) {
      ca = ca >= 0xe000 ? ca - 0x800 : ca + 0x2000;
      cb = cb >= 0xe000 ? cb - 0x800 : cb + 0x2000;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Rank of each type in upstream's total order: numbers, strings, booleans, lists, maps, null. */
function typeRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isMap(v)) return 4;
  if (v === null) return 5;
  return 6;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** compareValues is value.Compare: a total order over JSON values of any type. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return sign((a as number) - (b as number));
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a === false ? -1 : 1;
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      const n = Math.min(la.length, lb.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return sign(la.length - lb.length);
    }
    case 4:
      return compareMaps(a as JsonMap, b as JsonMap);
    default:
      return 0;
  }
}

/** compareMaps reproduces value.MapCompare: walk the union of keys in order, shorter map first. */
function compareMaps(a: JsonMap, b: JsonMap): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length === 0 && kb.length === 0) return 0;
  const keys = [...new Set([...ka, ...kb])].sort(compareStrings);
  let i = 0;
  for (const k of keys) {
    let c: number;
    if (i === ka.length) c = -1;
    else if (i === kb.length) c = 1;
    else if (!hasOwn(a, k)) c = 1;
    else if (!hasOwn(b, k)) c = -1;
    else c = compareValues(a[k], b[k]);
    i++;
    if (c !== 0) return c;
  }
  return 0;
}

/** equalValues is value.Equals: structural equality (key order does not matter). */
export function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalValues(a[i], b[i])) return false;
    return true;
  }
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!hasOwn(b, k) || !equalValues(a[k], b[k])) return false;
    return true;
  }
  return false;
}

const HEX = '0123456789abcdef';

/**
 * goJSONString quotes a string as Go's JSON encoders do with HTML escaping on (encoding/json,
 * json-iterator's standard-library mode): `<`, `>`, `&`, U+2028, U+2029 and control characters
 * become \u escapes; lone surrogates become U+FFFD.
 */
export function goJSONString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      if (c === 0x22) esc = '\\"';
      else if (c === 0x5c) esc = '\\\\';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else esc = '\\u00' + HEX[c >> 4] + HEX[c & 0xf];
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/**
 * goJSON encodes a value as Go's encoding/json would encode the same unstructured value: map
 * keys sorted, HTML-safe strings, numbers in JavaScript's shortest form (which matches Go's for
 * float64). Undefined map values are skipped.
 */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJSONString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map((x) => goJSON(x)).join(',') + ']';
  if (isMap(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort(compareStrings);
    return '{' + keys.map((k) => goJSONString(k) + ':' + goJSON(v[k])).join(',') + '}';
  }
  return 'null';
}

/** isGoPrint is unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isGoPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/** goQuote is strconv.Quote (Go's %q for strings). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (isGoPrint(ch)) out += ch;
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x80) out += '\\x' + HEX[cp >> 4] + HEX[cp & 0xf];
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** goNumber renders a number as Go's %v does (%g with the shortest precision, exponent at 21). */
function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = String(n);
  // JavaScript writes 1e-7 where Go writes 1e-07 (two-digit exponents).
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** goValueString is value.ToString, used for keys and values in path strings (`[name="x"]`). */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map((x) => goValueString(x)).join(',') + ']';
  if (isMap(v)) {
    return Object.keys(v)
      .map((k) => `${k}=${goValueString(v[k])}`)
      .join('');
  }
  return '{{undefined}}';
}

/** goTypeName is Go's %T of an unstructured value, for validation messages. */
export function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  return '<nil>';
}

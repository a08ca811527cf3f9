/**
 * How Go prints the decoded JSON values strategic merge patch works on, so that error messages
 * read exactly as kube-apiserver's (clients and people grep them). A JSON value decoded by
 * apimachinery is one of: map[string]interface {}, []interface {}, string, int64 (integers;
 * the patch is decoded preserving ints), float64, bool or nil.
 */

/** GO_MAP and GO_SLICE are the names reflect gives the two container types of decoded JSON. */
export const GO_MAP = 'map[string]interface {}';
export const GO_SLICE = '[]interface {}';

/** JSONObject is a decoded JSON object. */
export type JSONObject = Record<string, unknown>;

/** isObject tells a decoded JSON object from the other JSON values. */
export function isObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** goTypeName is `reflect.TypeOf(v).String()`, or `%!s(<nil>)` as `%s` prints a nil reflect.Type. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return GO_SLICE;
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return isGoInt(v) ? 'int64' : 'float64';
    case 'object':
      return GO_MAP;
    default:
      return typeof v;
  }
}

/** MAX_INT64 bounds the integers a PreserveInts decoder keeps as int64 (larger ones are float64). */
const MAX_INT64 = 2 ** 63;

function isGoInt(n: number): boolean {
  return Number.isInteger(n) && n >= -MAX_INT64 && n < MAX_INT64;
}

/** goFloat renders a float64 as `%v` does: strconv 'g' with the shortest digits. */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  // 'g' with shortest precision switches to an exponent outside [-4, 6) (strconv's eprec).
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** formatV renders a value as Go's `%v` (maps print `map[k:v]` with sorted keys). */
export function formatV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(formatV).join(' ')}]`;
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return String(v);
    case 'number':
      return isGoInt(v) ? String(v) : goFloat(v);
    case 'object':
      return `map[${sortedKeys(v as JSONObject)
        .map((k) => `${k}:${formatV((v as JSONObject)[k])}`)
        .join(' ')}]`;
    default:
      return String(v);
  }
}

/** formatS renders a value as Go's `%s`: strings bare, other scalars as `%!s(type=value)`. */
export function formatS(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(formatS).join(' ')}]`;
  if (isObject(v)) return `map[${sortedKeys(v).map((k) => `${k}:${formatS(v[k])}`).join(' ')}]`;
  return `%!s(${goTypeName(v)}=${formatV(v)})`;
}

/** formatQ renders a string as Go's `%q`. */
export function formatQ(s: string): string {
  return JSON.stringify(s);
}

function sortedKeys(o: JSONObject): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

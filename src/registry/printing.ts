/**
 * Helpers shared by the Table printers of built-in resources (src/registry/<group>/<plural>.ts).
 *
 * They reproduce the formatting kube-apiserver's printers rely on (k8s.io/kubernetes
 * pkg/printers/internalversion and the k8s.io/apimachinery pieces it calls): ages as
 * duration.HumanDuration prints them, label maps and label selectors as labels.Set.String and
 * labels.Selector.String print them, load-balancer ingress lists, resource quantities in their
 * canonical form, and lists cut short with "+ N more...".
 *
 * Printers receive stored objects as v1 JSON, typed `unknown` past ObjectMeta, so this module
 * also holds the small readers they narrow with: each returns the Go zero value (empty string,
 * 0, empty list) where a field is absent or of the wrong shape, as upstream's typed structs would.
 */

import { isPlainObject } from '../meta/object';

// ---------------------------------------------------------------------------------------------
// Reading fields out of untyped JSON

/** JSONObject is a decoded JSON object whose fields have not been narrowed yet. */
export type JSONObject = Record<string, unknown>;

/** readField follows path through nested objects and returns what it finds there, if anything. */
export function readField(value: unknown, ...path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** readObject returns the object at path, or undefined where there is none (absent or null). */
export function readObject(value: unknown, ...path: string[]): JSONObject | undefined {
  const v = readField(value, ...path);
  return isPlainObject(v) ? v : undefined;
}

/** readString returns the string at path, or "" (Go's zero value) where there is none. */
export function readString(value: unknown, ...path: string[]): string {
  const v = readField(value, ...path);
  return typeof v === 'string' ? v : '';
}

/** readOptionalString tells an absent (or null) string from an empty one, as a Go *string does. */
export function readOptionalString(value: unknown, ...path: string[]): string | undefined {
  const v = readField(value, ...path);
  return typeof v === 'string' ? v : undefined;
}

/** readInt returns the integer at path, or 0 where there is none. */
export function readInt(value: unknown, ...path: string[]): number {
  const v = readField(value, ...path);
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** readBool returns the boolean at path, or false where there is none. */
export function readBool(value: unknown, ...path: string[]): boolean {
  return readField(value, ...path) === true;
}

/** readArray returns the array at path, or an empty one where there is none. */
export function readArray(value: unknown, ...path: string[]): unknown[] {
  const v = readField(value, ...path);
  return Array.isArray(v) ? v : [];
}

/** readStringMap returns the string-valued entries of the object at path (labels, selectors). */
export function readStringMap(value: unknown, ...path: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const obj = readObject(value, ...path);
  if (!obj) return out;
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** countKeys returns how many entries the object at path has (a Go map's len). */
export function countKeys(value: unknown, ...path: string[]): number {
  const obj = readObject(value, ...path);
  return obj ? Object.keys(obj).length : 0;
}

// ---------------------------------------------------------------------------------------------
// Time

/** GO_ZERO_TIME_MS is Go's zero time.Time, which metav1.Time.IsZero treats like an absent one. */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * parseTimestamp reads a metav1.Time or metav1.MicroTime (RFC 3339). It returns undefined for an
 * absent, null, unparseable or zero time: the cases metav1.Time.IsZero reports.
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return undefined;
  return new Date(ms);
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAYS_PER_YEAR = 365;

/**
 * humanDuration prints a duration (in milliseconds) with two or three significant figures, as
 * k8s.io/apimachinery's duration.HumanDuration: "59s", "119s", "9m59s", "90m", "3h5m", "47h",
 * "7d23h", "400d", "2y70d", "8y". Up to two seconds in the future counts as now ("0s", for clock
 * skew); further is "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * 60) return `${seconds}s`;
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * DAYS_PER_YEAR * 2) return `${days}d`;
  const years = Math.floor(days / DAYS_PER_YEAR);
  if (hours < 24 * DAYS_PER_YEAR * 8) {
    const d = days % DAYS_PER_YEAR;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/**
 * translateTimestampSince prints how long ago a timestamp was, relative to now: an AGE cell.
 * A missing or zero timestamp prints "<unknown>".
 */
export function translateTimestampSince(timestamp: unknown, now: Date): string {
  const t = parseTimestamp(timestamp);
  if (!t) return '<unknown>';
  return humanDuration(now.getTime() - t.getTime());
}

/** ageOf prints the AGE cell of an object: the time since its creationTimestamp. */
export function ageOf(obj: unknown, now: Date): string {
  return translateTimestampSince(readField(obj, 'metadata', 'creationTimestamp'), now);
}

/** nameOf returns the object's metadata.name (the NAME cell). */
export function nameOf(obj: unknown): string {
  return readString(obj, 'metadata', 'name');
}

// ---------------------------------------------------------------------------------------------
// Strings and lists

/** compareStrings orders strings as Go's sort.Strings does (by code unit, not by locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortedUnique returns the distinct strings sorted, as Go's sets.String.List does. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** Go's unicode.IsSpace set: what strings.TrimSpace removes (JavaScript's trim differs slightly). */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const GO_TRIM_SPACE = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

/** trimSpace removes leading and trailing white space as Go's strings.TrimSpace does. */
export function trimSpace(s: string): string {
  return s.replace(GO_TRIM_SPACE, '');
}

/**
 * listWithMore joins the shown items with commas and, when some were left out, says how many:
 * "a,b,c + 2 more...", the form upstream's printers use for long lists (endpoints, hosts).
 */
export function listWithMore(shown: readonly string[], more: boolean, leftOut: number): string {
  const joined = shown.join(',');
  return more ? `${joined} + ${leftOut} more...` : joined;
}

/**
 * joinHostPort joins a host and a port as Go's net.JoinHostPort: an IPv6 address (any host with
 * a colon) goes in brackets.
 */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * layoutContainerCells returns the CONTAINERS and IMAGES cells of a pod template: the names and
 * the images of its containers, each comma-separated.
 */
export function layoutContainerCells(containers: unknown[]): { names: string; images: string } {
  return {
    names: containers.map((c) => readString(c, 'name')).join(','),
    images: containers.map((c) => readString(c, 'image')).join(','),
  };
}

/**
 * formatLoadBalancerIngress prints a Service's or an Ingress's status.loadBalancer.ingress: each
 * entry's IP, or its hostname when it has no IP, deduplicated, sorted, comma-separated.
 * Server-side tables are always wide, so the list is never cut to upstream's 16 characters.
 */
export function formatLoadBalancerIngress(ingress: unknown[]): string {
  const addresses: string[] = [];
  for (const entry of ingress) {
    const ip = readString(entry, 'ip');
    const hostname = readString(entry, 'hostname');
    if (ip !== '') addresses.push(ip);
    else if (hostname !== '') addresses.push(hostname);
  }
  return sortedUnique(addresses).join(',');
}

// ---------------------------------------------------------------------------------------------
// Labels and label selectors

/** NONE is what upstream prints for an empty list, map or selector. */
export const NONE = '<none>';

/**
 * formatLabels prints a label map as labels.FormatLabels: "key=value" pairs sorted as strings,
 * comma-separated, or "<none>" when there are none.
 */
export function formatLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareStrings);
  return pairs.length === 0 ? NONE : pairs.join(',');
}

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_NAME_MAX_LENGTH = 63; // a label name or value is at most 63 characters
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/** isLabelKey says whether key is a valid label key: an optional DNS subdomain prefix and a name. */
export function isLabelKey(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0 || prefix.length > DNS1123_SUBDOMAIN_MAX_LENGTH || !DNS1123_SUBDOMAIN.test(prefix)) return false;
  }
  return name.length <= LABEL_NAME_MAX_LENGTH && LABEL_NAME.test(name);
}

/** isLabelValue says whether value is a valid label value (the empty string is one). */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= LABEL_NAME_MAX_LENGTH && LABEL_NAME.test(value));
}

interface SelectorRequirement {
  key: string;
  text: string;
}

/** requirementText prints one requirement as labels.Requirement.String, or undefined if invalid. */
function requirementText(key: string, operator: string, values: string[]): string | undefined {
  if (!isLabelKey(key) || !values.every(isLabelValue)) return undefined;
  const list = values.length === 1 ? values[0] : [...values].sort(compareStrings).join(',');
  switch (operator) {
    case 'Equals':
      return values.length === 1 ? `${key}=${values[0]}` : undefined;
    case 'In':
      return values.length > 0 ? `${key} in (${list})` : undefined;
    case 'NotIn':
      return values.length > 0 ? `${key} notin (${list})` : undefined;
    case 'Exists':
      return values.length === 0 ? key : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? `!${key}` : undefined;
    default:
      return undefined;
  }
}

/**
 * labelSelectorString prints a metav1.LabelSelector as metav1.LabelSelectorAsSelector(s).String()
 * does: requirements sorted by key, "k=v", "k in (a,b)", "k notin (a,b)", "k", "!k". An absent
 * selector and an empty one both print "". It returns undefined for a selector that does not
 * convert (an unknown operator, a bad key or value, a wrong number of values).
 */
export function labelSelectorString(selector: unknown): string | undefined {
  if (selector === undefined || selector === null) return '';
  if (!isPlainObject(selector)) return undefined;
  const requirements: SelectorRequirement[] = [];
  for (const [key, value] of Object.entries(readStringMap(selector, 'matchLabels'))) {
    const text = requirementText(key, 'Equals', [value]);
    if (text === undefined) return undefined;
    requirements.push({ key, text });
  }
  for (const expr of readArray(selector, 'matchExpressions')) {
    const key = readString(expr, 'key');
    const values = readArray(expr, 'values').filter((v): v is string => typeof v === 'string');
    const text = requirementText(key, readString(expr, 'operator'), values);
    if (text === undefined) return undefined;
    requirements.push({ key, text });
  }
  // A stable sort by key, as upstream's (insertion) sort of a short requirement list.
  requirements.sort((a, b) => compareStrings(a.key, b.key));
  return requirements.map((r) => r.text).join(',');
}

/**
 * formatLabelSelector prints a metav1.LabelSelector as metav1.FormatLabelSelector: like
 * labelSelectorString, but "<none>" when it selects by nothing and "<error>" when it is invalid.
 */
export function formatLabelSelector(selector: unknown): string {
  const text = labelSelectorString(selector);
  if (text === undefined) return '<error>';
  return text === '' ? NONE : text;
}

// ---------------------------------------------------------------------------------------------
// Resource quantities

/** NANO_SCALE is the finest precision a quantity keeps: finer values round up to 1n. */
const NANO_SCALE = 9;
/** MAX_INT64 caps binary-SI quantities, as resource.Quantity does. */
const MAX_INT64 = (1n << 63n) - 1n;
/** BINARY_SI_BASE is the step between binary suffixes (Ki, Mi, ...); smaller values print in decimal. */
const BINARY_SI_BASE = 1024n;
/** MAX_INT64_DIGITS is how many decimal digits always fit an int64 (resource's maxInt64Factors). */
const MAX_INT64_DIGITS = 18;

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function suffixFor(table: Record<string, number>, exponent: number): string {
  for (const [suffix, e] of Object.entries(table)) if (e === exponent) return suffix;
  // resource.Quantity prints no suffix where it has none for the exponent; so do we.
  return '';
}

interface ParsedQuantity {
  negative: boolean;
  /** num is the integer part without leading zeros ("0" when it is all zeros). */
  num: string;
  denom: string;
  format: QuantityFormat;
  base: 2 | 10;
  exponent: number;
}

const QUANTITY = /^([+-]?)0*(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[+-]?\d*)$/;

function parseQuantity(text: string): ParsedQuantity | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign, intDigits, fraction = '', suffix] = m;
  let format: QuantityFormat;
  let base: 2 | 10;
  let exponent: number;
  if (suffix in DECIMAL_SUFFIXES) {
    [format, base, exponent] = ['DecimalSI', 10, DECIMAL_SUFFIXES[suffix]];
  } else if (suffix in BINARY_SUFFIXES) {
    [format, base, exponent] = ['BinarySI', 2, BINARY_SUFFIXES[suffix]];
  } else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    [format, base, exponent] = ['DecimalExponent', 10, Number(suffix.slice(1))];
  } else {
    return undefined;
  }
  return { negative: sign === '-', num: intDigits === '' ? '0' : intDigits, denom: fraction, format, base, exponent };
}

/**
 * keepsOriginalText says whether resource.ParseQuantity keeps the text it parsed as the
 * quantity's string (it does for small values already written in canonical form).
 */
function keepsOriginalText(q: ParsedQuantity): boolean {
  let precision: number;
  if (q.format === 'BinarySI') {
    if (q.exponent < 0 || q.denom.length !== 0) return false;
    precision = 15 - q.num.length - Math.trunc((q.exponent * 3) / 10) - 1;
  } else {
    precision = MAX_INT64_DIGITS - (q.num.length + q.denom.length);
  }
  if (precision < 0) return false;
  const scale = (q.format === 'BinarySI' ? 0 : q.exponent) - q.denom.length;
  if (scale < -NANO_SCALE) return false;
  const shifted = q.num + q.denom;
  const value = BigInt(shifted);
  const scaled = q.format === 'BinarySI' ? value << BigInt(q.exponent) : value;
  if (scaled > MAX_INT64) return false;
  if (q.format === 'BinarySI') return q.exponent % 10 === 0 && (value & 7n) !== 0n;
  return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
}

/** removeFactors divides n by factor while it divides evenly, counting how many times. */
function removeFactors(n: bigint, factor: bigint): [bigint, number] {
  let times = 0;
  while (n >= factor && n % factor === 0n) {
    n /= factor;
    times++;
  }
  return [n, times];
}

/**
 * formatQuantity prints a resource quantity ("1Gi", "1024Mi", "0.5Gi", "1500M") the way a
 * resource.Quantity decoded from it prints: in canonical form ("1Gi", "1Gi", "512Mi", "1500M").
 * Text that is not a quantity is returned unchanged.
 */
export function formatQuantity(text: string): string {
  if (text === '' || text === '0') return text;
  const q = parseQuantity(text);
  if (!q) return text;
  if (keepsOriginalText(q)) return text;

  // The value is magnitude × 10^-scale, exactly.
  let magnitude = BigInt(q.num + q.denom);
  let scale = q.denom.length;
  if (q.base === 10) scale -= q.exponent;
  else magnitude <<= BigInt(q.exponent);
  if (scale > NANO_SCALE) {
    const divisor = 10n ** BigInt(scale - NANO_SCALE);
    const rest = magnitude % divisor;
    magnitude = magnitude / divisor + (rest === 0n ? 0n : 1n); // away from zero: asked-for resources stay non-zero
    scale = NANO_SCALE;
  }
  let format = q.format;
  if (format === 'BinarySI') {
    const isAboveMax = scale <= 0 ? magnitude * 10n ** BigInt(-scale) > MAX_INT64 : magnitude > MAX_INT64 * 10n ** BigInt(scale);
    if (isAboveMax) [magnitude, scale] = [MAX_INT64, 0];
  }
  if (magnitude === 0n) return '0';
  const sign = q.negative ? '-' : '';

  if (format === 'BinarySI') {
    const isInteger = scale <= 0 || magnitude % 10n ** BigInt(scale) === 0n;
    const integer = isInteger ? (scale <= 0 ? magnitude * 10n ** BigInt(-scale) : magnitude / 10n ** BigInt(scale)) : 0n;
    // Values under 1024, and fractions, print in decimal SI rather than be rounded.
    if (!isInteger || integer < BINARY_SI_BASE) {
      format = 'DecimalSI';
    } else {
      const [mantissa, times] = removeFactors(integer, BINARY_SI_BASE);
      return `${sign}${mantissa}${suffixFor(BINARY_SUFFIXES, times * 10)}`;
    }
  }

  let [mantissa, exponent] = removeFactors(magnitude, 10n);
  exponent -= scale;
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  return `${sign}${mantissa}${suffixFor(DECIMAL_SUFFIXES, exponent)}`;
}

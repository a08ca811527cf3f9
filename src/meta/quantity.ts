/**
 * Resource quantities ("500m", "1Gi", "1e3"): parsing for validation and comparison. Values are
 * compared as exact rationals (a BigInt numerator over a power of ten), because requests and
 * limits must compare the way resource.Quantity's Cmp does, without float rounding.
 */

const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
/**
 * SYNTAX is the grammar resource.ParseQuantity's scanner (parseQuantityString) accepts: a sign,
 * digits, an optional fraction (either part may be empty: "5.", ".5", even "m" is zero milli),
 * then suffix characters, an optional sign and digits. Which suffixes mean something is decided
 * after, and a wrong one is another error.
 */
const SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[+-]?\d*)$/;

/** Quantity is an exact value: numerator × 10^-scale. */
export interface Quantity {
  numerator: bigint;
  scale: number;
}

/** QUANTITY_FORMAT_MESSAGE is upstream's error for unparsable quantities (resource.ErrFormatWrong). */
export const QUANTITY_FORMAT_MESSAGE = 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';
/** QUANTITY_SUFFIX_MESSAGE is upstream's error for a well-formed but unknown suffix (resource.ErrSuffix). */
export const QUANTITY_SUFFIX_MESSAGE = "unable to parse quantity's suffix";

interface Parts {
  sign: string;
  digits: string;
  exp10: number;
  exp2: number;
}

/** parts scans text as resource.ParseQuantity does, or returns its error message. */
function parts(text: string): Parts | string {
  if (text === '') return QUANTITY_FORMAT_MESSAGE;
  const m = SYNTAX.exec(text);
  if (!m) return QUANTITY_FORMAT_MESSAGE;
  const [, sign, intPart, fracPart = '', suffix] = m;
  let exp10 = 0;
  let exp2 = 0;
  if (suffix in DECIMAL) exp10 = DECIMAL[suffix];
  else if (suffix in BINARY) exp2 = BINARY[suffix];
  else if (/^[eE][+-]?\d+$/.test(suffix)) exp10 = Number(suffix.slice(1));
  else return QUANTITY_SUFFIX_MESSAGE;
  return { sign, digits: `${intPart || '0'}.${fracPart}`, exp10, exp2 };
}

/**
 * quantityError is the error resource.ParseQuantity gives for text, undefined when it parses.
 * It does not compute the value, so it is cheap whatever exponent the text carries.
 */
export function quantityError(text: string): string | undefined {
  const p = parts(text);
  return typeof p === 'string' ? p : undefined;
}

/** parseQuantity reads a quantity; undefined when it is not one. Numbers (JSON) are accepted too. */
export function parseQuantity(input: string | number): Quantity | undefined {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const p = parts(text);
  if (typeof p === 'string') return undefined;
  const [intPart, fracPart] = p.digits.split('.');
  let numerator = BigInt(intPart + fracPart) * (1n << BigInt(p.exp2));
  let scale = fracPart.length - p.exp10;
  if (scale < 0) {
    numerator *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (p.sign === '-') numerator = -numerator;
  return { numerator, scale };
}

/** compareQuantities returns <0, 0, >0 as a < b, a = b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const s = Math.max(a.scale, b.scale);
  const x = a.numerator * 10n ** BigInt(s - a.scale);
  const y = b.numerator * 10n ** BigInt(s - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** isZero tells a zero quantity. */
export function isZeroQuantity(q: Quantity): boolean {
  return q.numerator === 0n;
}

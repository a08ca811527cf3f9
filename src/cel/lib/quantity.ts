/**
 * Kubernetes' quantity library (library/quantity.go): quantity(), isQuantity, sign, isInteger,
 * asInteger, asApproximateFloat, add, sub, compareTo, isGreaterThan, isLessThan. Quantities are
 * exact rationals (src/meta/quantity.ts), so comparisons are resource.Quantity's Cmp.
 */
import { compareQuantities, parseQuantity, QUANTITY_FORMAT_MESSAGE, type Quantity } from '../../meta/quantity';
import { LibraryBuilder, traversal, type Library } from '../library';
import { OpaqueKind } from '../opaque';
import { BOOL, DOUBLE, INT, QUANTITY, STRING } from '../types';
import { registerOpaqueEquality } from '../values';

export const QUANTITY_KIND = new OpaqueKind<Quantity>('kubernetes.Quantity');

registerOpaqueEquality((a, b) => (QUANTITY_KIND.is(a) ? compareQuantities(QUANTITY_KIND.unwrap(a), QUANTITY_KIND.unwrap(b)) === 0 : undefined));

const MAX_INT64 = 9_223_372_036_854_775_807n;
const MIN_INT64 = -9_223_372_036_854_775_808n;

/** parseStrict is resource.ParseQuantity: no surrounding space, the upstream error otherwise. */
function parseStrict(s: string): Quantity | undefined {
  if (s.trim() !== s || s === '') return undefined;
  return parseQuantity(s);
}

function toQuantity(s: string) {
  const q = parseStrict(s);
  if (!q) throw new Error(QUANTITY_FORMAT_MESSAGE);
  return QUANTITY_KIND.wrap(q, s);
}

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.numerator * 10n ** BigInt(scale - a.scale), b.numerator * 10n ** BigInt(scale - b.scale), scale];
}

function normalize(numerator: bigint, scale: number): Quantity {
  while (scale > 0 && numerator % 10n === 0n) {
    numerator /= 10n;
    scale--;
  }
  return { numerator, scale };
}

function add(a: Quantity, b: Quantity, sign: 1n | -1n): Quantity {
  const [x, y, scale] = align(a, b);
  return normalize(x + sign * y, scale);
}

/** asInt64 is Quantity.AsInt64: the value when it is an integer within int64. */
function asInt64(q: Quantity): bigint | undefined {
  const d = 10n ** BigInt(q.scale);
  if (q.numerator % d !== 0n) return undefined;
  const v = q.numerator / d;
  return v > MAX_INT64 || v < MIN_INT64 ? undefined : v;
}

function build(): Library {
  const b = new LibraryBuilder('kubernetes.quantity');
  const q = (v: unknown) => QUANTITY_KIND.unwrap(v);
  const wrap = (x: Quantity) => QUANTITY_KIND.wrap(x);
  b.global('quantity', { id: 'string_to_quantity', args: [STRING], result: QUANTITY, impl: toQuantity, cost: traversal });
  b.global('isQuantity', { id: 'is_quantity_string', args: [STRING], result: BOOL, impl: (s: string) => parseStrict(s) !== undefined, cost: traversal });
  b.global('sign', { id: 'quantity_sign', args: [QUANTITY], result: INT, impl: (v: unknown) => { const n = q(v).numerator; return n > 0n ? 1n : n < 0n ? -1n : 0n; } });
  b.member('isGreaterThan', { id: 'quantity_is_greater_than', args: [QUANTITY, QUANTITY], result: BOOL, impl: (x: unknown, y: unknown) => compareQuantities(q(x), q(y)) > 0 });
  b.member('isLessThan', { id: 'quantity_is_less_than', args: [QUANTITY, QUANTITY], result: BOOL, impl: (x: unknown, y: unknown) => compareQuantities(q(x), q(y)) < 0 });
  b.member('compareTo', { id: 'quantity_compare_to', args: [QUANTITY, QUANTITY], result: INT, impl: (x: unknown, y: unknown) => BigInt(compareQuantities(q(x), q(y))) });
  b.member('asApproximateFloat', { id: 'quantity_get_float', args: [QUANTITY], result: DOUBLE, impl: (v: unknown) => Number(q(v).numerator) / 10 ** q(v).scale });
  b.member('asInteger', {
    id: 'quantity_get_int',
    args: [QUANTITY],
    result: INT,
    impl: (v: unknown) => {
      const n = asInt64(q(v));
      if (n === undefined) throw new Error('cannot convert value to integer');
      return n;
    },
  });
  b.member('isInteger', { id: 'quantity_is_integer', args: [QUANTITY], result: BOOL, impl: (v: unknown) => asInt64(q(v)) !== undefined });
  b.member(
    'add',
    { id: 'quantity_add', args: [QUANTITY, QUANTITY], result: QUANTITY, impl: (x: unknown, y: unknown) => wrap(add(q(x), q(y), 1n)) },
    { id: 'quantity_add_int', args: [QUANTITY, INT], result: QUANTITY, impl: (x: unknown, n: bigint) => wrap(add(q(x), { numerator: n, scale: 0 }, 1n)) },
  );
  b.member(
    'sub',
    { id: 'quantity_sub', args: [QUANTITY, QUANTITY], result: QUANTITY, impl: (x: unknown, y: unknown) => wrap(add(q(x), q(y), -1n)) },
    { id: 'quantity_sub_int', args: [QUANTITY, INT], result: QUANTITY, impl: (x: unknown, n: bigint) => wrap(add(q(x), { numerator: n, scale: 0 }, -1n)) },
  );
  return b.build();
}

/** QUANTITIES is Kubernetes' quantity library. */
export const QUANTITIES: Library = build();

/**
 * Ordering and arithmetic helpers shared by the list libraries: CEL's comparison of ints, uints,
 * doubles, bools, strings (by code point, as Go compares UTF-8 bytes), bytes, timestamps and
 * durations.
 */
import { isCelUint, celUint } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { isReflectMessage, reflect } from '@bufbuild/protobuf/reflect';
import { DurationSchema } from '@bufbuild/protobuf/wkt';

import { compareBytewise } from '../../selectors/validation';

interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

function timeOf(v: unknown): SecondsNanos | undefined {
  if (!isReflectMessage(v)) return undefined;
  const name = v.desc.typeName;
  if (name !== 'google.protobuf.Timestamp' && name !== 'google.protobuf.Duration') return undefined;
  return v.message as unknown as SecondsNanos;
}

const sign = (n: number | bigint): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** compareValues orders two CEL values of comparable types; throws for anything else. */
export function compareValues(a: unknown, b: unknown): number {
  const x = isCelUint(a) ? a.value : a;
  const y = isCelUint(b) ? b.value : b;
  if ((typeof x === 'number' || typeof x === 'bigint') && (typeof y === 'number' || typeof y === 'bigint')) {
    if (typeof x === 'number' && Number.isNaN(x)) return Number.isNaN(y as number) ? 0 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof x === 'boolean' && typeof y === 'boolean') return x === y ? 0 : x ? 1 : -1;
  if (typeof x === 'string' && typeof y === 'string') return sign(compareBytewise(x, y));
  if (x instanceof Uint8Array && y instanceof Uint8Array) {
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return sign(x.length - y.length);
  }
  const tx = timeOf(x);
  const ty = timeOf(y);
  if (tx && ty && (x as { desc: { typeName: string } }).desc.typeName === (y as { desc: { typeName: string } }).desc.typeName) {
    if (tx.seconds !== ty.seconds) return tx.seconds < ty.seconds ? -1 : 1;
    return sign(tx.nanos - ty.nanos);
  }
  throw new Error('no such overload');
}

/** sameKind tells whether two comparable values are of the same CEL type. */
export function sameKind(a: unknown, b: unknown): boolean {
  if (isCelUint(a) || isCelUint(b)) return isCelUint(a) && isCelUint(b);
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return true;
  if (a instanceof Uint8Array) return b instanceof Uint8Array;
  return isReflectMessage(a) && isReflectMessage(b) && a.desc.typeName === b.desc.typeName;
}

const MAX_INT = 9_223_372_036_854_775_807n;
const MIN_INT = -9_223_372_036_854_775_808n;
const MAX_UINT = 18_446_744_073_709_551_615n;

/** addValues adds two summable values of the same type (int, uint, double, duration). */
export function addValues(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const r = a + b;
    if (r > MAX_INT || r < MIN_INT) throw new Error('integer overflow');
    return r;
  }
  if (isCelUint(a) && isCelUint(b)) {
    const r = a.value + b.value;
    if (r > MAX_UINT) throw new Error('unsigned integer overflow');
    return celUint(r);
  }
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const ta = timeOf(a);
  const tb = timeOf(b);
  if (ta && tb) {
    const nanos = (ta.seconds + tb.seconds) * 1_000_000_000n + BigInt(ta.nanos + tb.nanos);
    return reflect(DurationSchema, create(DurationSchema, { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) }));
  }
  throw new Error('no such overload');
}

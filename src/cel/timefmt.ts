/**
 * Parsing of the string formats CEL sees as timestamps, durations and bytes, as kube-openapi's
 * strfmt does (ParseDateTime, the RFC3339 full-date, ParseDuration, Base64).
 */
import { create } from '@bufbuild/protobuf';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function timestamp(ms: number, nanos: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return create(TimestampSchema, { seconds: BigInt(seconds), nanos });
}

/** parseDateTime reads an RFC3339 date-time (strfmt's accepted variants); undefined if invalid. */
export function parseDateTime(s: string): Timestamp | undefined {
  const m = DATE_TIME.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMin * 60_000;
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return timestamp(ms, nanos);
}

/** parseFullDate reads an RFC3339 full-date as midnight UTC; undefined if invalid. */
export function parseFullDate(s: string): Timestamp | undefined {
  const m = FULL_DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [m[1], m[2], m[3]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return timestamp(Date.UTC(y, mo - 1, d), 0);
}

const GO_UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** MAX_DURATION_NANOS is Go's time.Duration range (int64 nanoseconds). */
const MAX_DURATION_NANOS = 9_223_372_036_854_775_807n;

/** parseGoDuration is Go's time.ParseDuration, in nanoseconds; undefined if invalid. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') return undefined;
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const unit = GO_UNITS[m[3]];
    if (unit === undefined) return undefined;
    let v = BigInt(m[1] || '0') * unit;
    if (m[2]) v += (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    total += v;
    if (total > MAX_DURATION_NANOS) return undefined;
    rest = rest.slice(m[0].length);
  }
  return neg ? -total : total;
}

const STRFMT_UNITS: ReadonlyArray<[bigint, readonly string[]]> = [
  [1n, ['ns', 'nanosecond', 'nanoseconds']],
  [1_000n, ['us', 'microsecond', 'microseconds', 'µs']],
  [1_000_000n, ['ms', 'millisecond', 'milliseconds']],
  [1_000_000_000n, ['s', 'sec', 'secs', 'second', 'seconds']],
  [60_000_000_000n, ['m', 'min', 'mins', 'minute', 'minutes']],
  [3_600_000_000_000n, ['h', 'hr', 'hrs', 'hour', 'hours']],
  [86_400_000_000_000n, ['d', 'day', 'days']],
  [604_800_000_000_000n, ['w', 'wk', 'week', 'weeks']],
];

/** parseStrfmtDuration is strfmt.ParseDuration: Go durations, or `3 days 2h` style; nanoseconds. */
export function parseStrfmtDuration(s: string): bigint | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  let total = 0n;
  let ok = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = m[2].toLowerCase().trim();
    const found = STRFMT_UNITS.find(([, names]) => names.includes(unit));
    if (!found) continue;
    total += BigInt(m[1]) * found[0];
    ok = true;
  }
  return ok ? total : undefined;
}

/** durationFromNanos makes a google.protobuf.Duration. */
export function durationFromNanos(n: bigint): Duration {
  const seconds = n / 1_000_000_000n;
  const nanos = Number(n % 1_000_000_000n);
  return create(DurationSchema, { seconds, nanos });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** parseBase64 decodes standard padded base64 (Go's StdEncoding); undefined if invalid. */
export function parseBase64(s: string): Uint8Array | undefined {
  if (!BASE64.test(s)) return undefined;
  return new Uint8Array(Buffer.from(s, 'base64'));
}

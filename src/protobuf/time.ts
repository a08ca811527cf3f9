/**
 * The JSON text forms of meta/v1 Time, MicroTime and Duration, as Go writes and reads them:
 * Time is RFC 3339 in UTC at whole seconds, MicroTime the same with six fraction digits, and
 * Duration Go's `time.Duration` string ("1h2m3.5s").
 */
import { ProtobufError } from './errors';

/** Timestamp is meta/v1's protobuf time: seconds since the Unix epoch and a non-negative nanosecond part. */
export interface Timestamp {
  seconds: number;
  nanos: number;
}

/** ZERO_TIME_SECONDS is Go's zero time.Time (0001-01-01T00:00:00Z), which Go encodes as an empty message. */
export const ZERO_TIME_SECONDS = -62135596800;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** parseRFC3339 reads an RFC 3339 date-time (any offset, any fraction length) as a Timestamp in UTC. */
export function parseRFC3339(text: string): Timestamp {
  const m = RFC3339.exec(text);
  if (!m) throw new ProtobufError('Unencodable', `${JSON.stringify(text)} is not an RFC 3339 date-time`);
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let seconds = d.getTime() / 1000;
  if (m[9]) seconds -= (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  const nanos = m[7] ? Number(m[7].slice(0, 9).padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

/** formatTime writes seconds as Go's metav1.Time JSON: RFC 3339, UTC, whole seconds. */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19) + 'Z';
}

/** formatMicroTime writes Go's metav1.MicroTime JSON: RFC 3339, UTC, exactly six fraction digits. */
export function formatMicroTime(seconds: number, nanos: number): string {
  const micros = Math.floor(nanos / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

const NANOS: Readonly<Record<string, number>> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION_PART = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/y;

/** parseDuration reads Go's time.ParseDuration syntax ("300ms", "-1.5h", "2h45m") as nanoseconds. */
export function parseDuration(text: string): number {
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new ProtobufError('Unencodable', `${JSON.stringify(text)} is not a duration`);
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < s.length) {
    const m = DURATION_PART.exec(s);
    if (!m || (m[1] === '' && !m[2])) throw new ProtobufError('Unencodable', `${JSON.stringify(text)} is not a duration`);
    const unit = NANOS[m[3]];
    total += Number(m[1] || '0') * unit + (m[2] ? Math.round(Number(`0.${m[2]}`) * unit) : 0);
  }
  return sign * total;
}

/** formatDuration writes nanoseconds as Go's time.Duration.String() does ("1h0m0s", "1.5s", "300ms", "0s"). */
export function formatDuration(nanos: number): string {
  const neg = nanos < 0;
  let u = Math.abs(Math.trunc(nanos));
  let out: string;
  if (u < 1e9) {
    if (u === 0) return '0s';
    const [prec, unit] = u < 1e3 ? [0, 'ns'] : u < 1e6 ? [3, 'µs'] : [6, 'ms'];
    out = fraction(u, prec) + unit;
  } else {
    out = fraction(u % 60e9, 9) + 's';
    u = Math.floor(u / 60e9);
    if (u > 0) {
      out = `${u % 60}m${out}`;
      u = Math.floor(u / 60);
      if (u > 0) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** fraction prints v / 10^prec without trailing zeros (Go's fmtFrac + fmtInt). */
function fraction(v: number, prec: number): string {
  const scale = 10 ** prec;
  const whole = Math.floor(v / scale);
  const frac = v % scale;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(prec, '0').replace(/0+$/, '')}`;
}

/**
 * The special types whose JSON is a scalar: IntOrString, Quantity, Time, MicroTime, Duration,
 * the raw-JSON holders (RawExtension's JSON case, apiextensions JSON, FieldsV1) and the
 * repeated-string wrappers. Each writer is called after the field key and writes one
 * length-delimited message; each reader is called after the key and consumes one. Field keys
 * come from SPECIAL_MESSAGES, the table the generator checks against the .proto files.
 */
import type { Reader, Writer } from 'protobufjs/minimal';
import { ProtobufError } from './errors';
import { SPECIAL_MESSAGES } from './schema';
import { formatDuration, formatMicroTime, formatTime, parseDuration, parseRFC3339, ZERO_TIME_SECONDS } from './time';

const WIRE_OF: Readonly<Record<string, number>> = { int64: 0, int32: 0, bool: 0, string: 2, bytes: 2 };

/** keysOf computes the field keys ((id << 3) | wire) of a special message's fields. */
function keysOf(message: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(SPECIAL_MESSAGES[message].fields)) out[name] = (f.id << 3) | (WIRE_OF[f.type] ?? 2);
  return out;
}

const INT_OR_STRING = keysOf('k8s.io.apimachinery.pkg.util.intstr.IntOrString');
const QUANTITY = keysOf('k8s.io.apimachinery.pkg.api.resource.Quantity');
const TIME = keysOf('k8s.io.apimachinery.pkg.apis.meta.v1.Time');
const DURATION = keysOf('k8s.io.apimachinery.pkg.apis.meta.v1.Duration');
const RAW = keysOf('k8s.io.apimachinery.pkg.runtime.RawExtension');
const FIELDS_V1 = keysOf('k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1');
/** STRING_LIST_ITEMS is `repeated string items = 1` of meta/v1 Verbs and the ExtraValue wrappers. */
const STRING_LIST_ITEMS = 0x0a;
/** INT_OR_STRING_STRING is IntOrString's type value for a string (intstr.String; intstr.Int is 0). */
const INT_OR_STRING_STRING = 1;

/** limit reads a length prefix and returns where the message ends; a RangeError if it overruns the data. */
function limit(r: Reader): number {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new RangeError('a length runs past the end of the data');
  return end;
}

/** done checks that the fields read ended exactly at the message's end. */
function done(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError('a field overruns the length of its message');
}

/**
 * toNumber reads protobufjs's int64 result: a Long (when the long package is present) or a
 * number. JSON numbers hold int64 values exactly up to 2^53, as they do in kube-apiserver's JSON.
 */
export function toNumber(v: number | { low: number; high: number }): number {
  return typeof v === 'number' ? v : v.high * 0x100000000 + (v.low >>> 0);
}

function unencodable(what: string, v: unknown): ProtobufError {
  return new ProtobufError('Unencodable', `${what}: cannot encode ${JSON.stringify(v)}`);
}

/** writeIntOrString writes all three fields, as Go does: type, intVal, strVal. */
export function writeIntOrString(w: Writer, v: unknown): void {
  w.fork();
  if (typeof v === 'number') w.uint32(INT_OR_STRING.type).int64(0).uint32(INT_OR_STRING.intVal).int32(v).uint32(INT_OR_STRING.strVal).string('');
  else if (typeof v === 'string') w.uint32(INT_OR_STRING.type).int64(INT_OR_STRING_STRING).uint32(INT_OR_STRING.intVal).int32(0).uint32(INT_OR_STRING.strVal).string(v);
  else throw unencodable('IntOrString', v);
  w.ldelim();
}

export function readIntOrString(r: Reader): number | string {
  const end = limit(r);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (r.pos < end) {
    const key = r.uint32();
    if (key === INT_OR_STRING.type) type = toNumber(r.int64());
    else if (key === INT_OR_STRING.intVal) intVal = r.int32();
    else if (key === INT_OR_STRING.strVal) strVal = r.string();
    else r.skipType(key & 7);
  }
  done(r, end);
  return type === INT_OR_STRING_STRING ? strVal : intVal;
}

/** writeQuantity writes the quantity's string; a JSON number (Go accepts one) is written in its decimal form. */
export function writeQuantity(w: Writer, v: unknown): void {
  if (typeof v !== 'string' && typeof v !== 'number') throw unencodable('Quantity', v);
  w.fork().uint32(QUANTITY.string).string(String(v)).ldelim();
}

export function readQuantity(r: Reader): string {
  const end = limit(r);
  let s = '0'; // Go's zero Quantity prints as "0"
  while (r.pos < end) {
    const key = r.uint32();
    if (key === QUANTITY.string) s = r.string();
    else r.skipType(key & 7);
  }
  done(r, end);
  return s;
}

/**
 * writeTime writes meta/v1 Time as Go does: seconds, and nanos always 0 (Time.ProtoTime drops
 * them, since JSON only carries seconds); the zero time is an empty message.
 */
export function writeTime(w: Writer, v: unknown): void {
  if (typeof v !== 'string') throw unencodable('Time', v);
  const t = parseRFC3339(v);
  w.fork();
  if (!(t.seconds === ZERO_TIME_SECONDS && t.nanos === 0)) w.uint32(TIME.seconds).int64(t.seconds).uint32(TIME.nanos).int32(0);
  w.ldelim();
}

/** writeMicroTime writes meta/v1 MicroTime: seconds and nanos truncated to microseconds. */
export function writeMicroTime(w: Writer, v: unknown): void {
  if (typeof v !== 'string') throw unencodable('MicroTime', v);
  const t = parseRFC3339(v);
  w.fork();
  if (!(t.seconds === ZERO_TIME_SECONDS && t.nanos === 0)) {
    w.uint32(TIME.seconds).int64(t.seconds).uint32(TIME.nanos).int32(Math.floor(t.nanos / 1000) * 1000);
  }
  w.ldelim();
}

/** readTimestamp reads a Time or MicroTime message; undefined for the empty message (Go's zero time, JSON null). */
function readTimestamp(r: Reader, micro: boolean): string | undefined {
  const end = limit(r);
  if (end === r.pos) return undefined;
  let seconds = 0;
  let nanos = 0;
  while (r.pos < end) {
    const key = r.uint32();
    if (key === TIME.seconds) seconds = toNumber(r.int64());
    else if (key === TIME.nanos) nanos = r.int32();
    else r.skipType(key & 7);
  }
  done(r, end);
  return micro ? formatMicroTime(seconds, nanos) : formatTime(seconds);
}

export function readTime(r: Reader): string | undefined {
  return readTimestamp(r, false);
}

export function readMicroTime(r: Reader): string | undefined {
  return readTimestamp(r, true);
}

export function writeDuration(w: Writer, v: unknown): void {
  if (typeof v !== 'string') throw unencodable('Duration', v);
  w.fork().uint32(DURATION.duration).int64(parseDuration(v)).ldelim();
}

export function readDuration(r: Reader): string {
  const end = limit(r);
  let nanos = 0;
  while (r.pos < end) {
    const key = r.uint32();
    if (key === DURATION.duration) nanos = toNumber(r.int64());
    else r.skipType(key & 7);
  }
  done(r, end);
  return formatDuration(nanos);
}

/**
 * writeRawJson writes a message `{ optional bytes raw = 1; }` (RawExtension, apiextensions JSON,
 * FieldsV1) holding v as JSON text; null writes the message without raw (Go's nil Raw).
 * Bytes are taken as an already-encoded embedded object.
 */
export function writeRawJson(w: Writer, v: unknown): void {
  w.fork();
  if (v instanceof Uint8Array) w.uint32(RAW.raw).bytes(v);
  else if (v !== null && v !== undefined) w.uint32(RAW.raw).bytes(Buffer.from(JSON.stringify(v), 'utf8'));
  w.ldelim();
}

/** readRawBytes reads the raw field of a `{ optional bytes raw = 1; }` message; undefined when it is absent. */
export function readRawBytes(r: Reader): Uint8Array | undefined {
  const end = limit(r);
  let raw: Uint8Array | undefined;
  while (r.pos < end) {
    const key = r.uint32();
    if (key === RAW.raw || key === FIELDS_V1.Raw) raw = r.bytes();
    else r.skipType(key & 7);
  }
  done(r, end);
  return raw;
}

/** parseJsonBytes parses raw JSON bytes held by a RawExtension, JSON or FieldsV1. */
export function parseJsonBytes(raw: Uint8Array, what: string): unknown {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtobufError('Malformed', `${what} does not hold JSON: ${JSON.stringify(text.slice(0, 64))}`);
  }
}

/** writeStringList writes a Verbs/ExtraValue wrapper: each string as `items`. */
export function writeStringList(w: Writer, v: unknown): void {
  if (!Array.isArray(v)) throw unencodable('a list of strings', v);
  w.fork();
  for (const s of v) {
    if (typeof s !== 'string' && s !== null) throw unencodable('a list of strings', v);
    w.uint32(STRING_LIST_ITEMS).string(s ?? '');
  }
  w.ldelim();
}

export function readStringList(r: Reader): string[] {
  const end = limit(r);
  const out: string[] = [];
  while (r.pos < end) {
    const key = r.uint32();
    if (key === STRING_LIST_ITEMS) out.push(r.string());
    else r.skipType(key & 7);
  }
  done(r, end);
  return out;
}

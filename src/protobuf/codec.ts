/**
 * The field walk between a JSON object and its proto message, driven by plans (plan.ts).
 *
 * Encoding writes what the JSON holds, field numbers ascending, map entries sorted by key
 * (Go's sort.Strings, i.e. by UTF-8 bytes), as gogo-protobuf's generated marshallers do. A JSON
 * property that is absent or null writes nothing. Go also writes its non-pointer fields when
 * they hold zero values; a Go decoder reads an absent value field as that zero, so the object is
 * the same, and that is the one place our bytes differ from Go's.
 *
 * Decoding produces the JSON Go would for the struct it decodes into. Go clients write every
 * non-pointer field, zero or not, and pointer fields only when set, so the wire alone does not
 * say whether a zero is meaningful; the Go field does (schemas/proto/go-fields.json, carried
 * into the plans as omitEmpty):
 *
 * - pointers, slices and maps are kept whenever present, zero or not (`replicas: 0` on a
 *   *int32, `automountServiceAccountToken: false` on a *bool);
 * - scalar value fields tagged omitempty are left out when zero ("", 0, false, empty bytes), as
 *   Go's JSON leaves them out (`restartPolicy`, `hostNetwork`, status counters);
 * - other value fields are kept, zero or not (`containerPort: 0`), and so are struct values:
 *   encoding/json never omits a struct for omitempty (`strategy: {}`, `resources: {}`);
 * - an empty Time or MicroTime is the zero time, which Go's JSON shows as null
 *   (creationTimestamp, tagged omitzero, not at all), so it is left out: null and absent are
 *   the same to everything that reads the object.
 *
 * A value field absent on the wire (which a Go client never sends) stays absent rather than
 * becoming its zero value. Unknown field numbers are skipped, as Go skips them.
 */
import { Reader, Writer } from 'protobufjs/minimal';
import { asBuffer, hasMagic, readUnknown } from './envelope';
import { ProtobufError } from './errors';
import { Card, messageFor, messagePlan, V, Wire, type FieldPlan, type MessagePlan } from './plan';
import {
  parseJsonBytes,
  readDuration,
  readIntOrString,
  readMicroTime,
  readQuantity,
  readRawBytes,
  readStringList,
  readTime,
  toNumber,
  writeDuration,
  writeIntOrString,
  writeMicroTime,
  writeQuantity,
  writeRawJson,
  writeStringList,
  writeTime,
} from './special';

/** JsonObject is an object in its JSON form. */
export type JsonObject = Record<string, unknown>;

/** MAP_KEY is a map entry's key field (1, string); its value is field 2. */
const MAP_KEY = 0x0a;
// JSONSchemaPropsOrArray / OrBool / OrStringArray field keys (SPECIAL_MESSAGES in schema.ts).
const OR_ARRAY_SCHEMA = 0x0a;
const OR_ARRAY_SCHEMAS = 0x12;
const OR_BOOL_ALLOWS = 0x08;
const OR_BOOL_SCHEMA = 0x12;
const OR_STRING_ARRAY_SCHEMA = 0x0a;
const OR_STRING_ARRAY_PROPERTY = 0x12;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function unencodable(plan: MessagePlan, f: FieldPlan, want: string, v: unknown): ProtobufError {
  const shown = JSON.stringify(v);
  return new ProtobufError('Unencodable', `${plan.name}.${f.name} (JSON ${f.json}): want ${want}, got ${shown === undefined ? typeof v : shown.slice(0, 64)}`);
}

/** BEYOND_LOWER_BMP finds a UTF-16 unit where UTF-16 order and UTF-8 byte order part ways (surrogates vs U+E000-U+FFFF). */
const BEYOND_LOWER_BMP = /[\ud800-\uffff]/;

/** goSortedKeys orders map keys as Go's sort.Strings does: by UTF-8 bytes, which is UTF-16 order unless a key leaves the BMP's lower part. */
function goSortedKeys(obj: JsonObject): string[] {
  const keys = Object.keys(obj);
  if (keys.length < 2) return keys;
  keys.sort();
  if (keys.some((k) => BEYOND_LOWER_BMP.test(k))) keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return keys;
}

/** encodeFields writes obj's fields of plan's message into w (without a length prefix). */
export function encodeFields(plan: MessagePlan, obj: JsonObject, w: Writer): void {
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.inline) {
      // Go writes an embedded struct always, even when it is empty.
      w.uint32(f.tag).fork();
      encodeFields(f.message!, obj, w);
      w.ldelim();
      continue;
    }
    const v = obj[f.json];
    if (v === undefined || v === null) continue;
    if (f.card === Card.Single) {
      writeValue(w, plan, f, f.tag, v);
    } else if (f.card === Card.Repeated) {
      if (!Array.isArray(v)) throw unencodable(plan, f, 'an array', v);
      for (let j = 0; j < v.length; j++) writeValue(w, plan, f, f.tag, v[j]);
    } else {
      if (!isObject(v)) throw unencodable(plan, f, 'an object', v);
      for (const k of goSortedKeys(v)) {
        w.uint32(f.tag).fork().uint32(MAP_KEY).string(k);
        writeValue(w, plan, f, f.valueTag, v[k]);
        w.ldelim();
      }
    }
  }
}

/** writeValue writes one value (a field, an element, a map value) with its key; null writes the zero value, as Go's JSON decoding makes it. */
function writeValue(w: Writer, plan: MessagePlan, f: FieldPlan, tag: number, v: unknown): void {
  switch (f.kind) {
    case V.String:
      if (typeof v !== 'string' && v !== null) throw unencodable(plan, f, 'a string', v);
      w.uint32(tag).string(v ?? '');
      return;
    case V.Bool:
      if (typeof v !== 'boolean' && v !== null) throw unencodable(plan, f, 'a boolean', v);
      w.uint32(tag).bool(v === true);
      return;
    case V.Int32:
      if (typeof v !== 'number' && v !== null) throw unencodable(plan, f, 'an integer', v);
      w.uint32(tag).int32(v ?? 0);
      return;
    case V.Int64:
      if (typeof v !== 'number' && v !== null) throw unencodable(plan, f, 'an integer', v);
      w.uint32(tag).int64(v ?? 0);
      return;
    case V.Double:
      if (typeof v !== 'number' && v !== null) throw unencodable(plan, f, 'a number', v);
      w.uint32(tag).double(v ?? 0);
      return;
    case V.Bytes:
      if (typeof v === 'string') w.uint32(tag).bytes(Buffer.from(v, 'base64'));
      else if (v instanceof Uint8Array) w.uint32(tag).bytes(v);
      else if (v === null) w.uint32(tag).bytes(Buffer.alloc(0));
      else throw unencodable(plan, f, 'a base64 string', v);
      return;
    case V.Message:
      if (v !== null && !isObject(v)) throw unencodable(plan, f, 'an object', v);
      w.uint32(tag).fork();
      if (v !== null) encodeFields(f.message!, v, w);
      w.ldelim();
      return;
    case V.IntOrString:
      writeIntOrString(w.uint32(tag), v ?? 0);
      return;
    case V.Quantity:
      writeQuantity(w.uint32(tag), v ?? '0');
      return;
    case V.Time:
      if (v === null) w.uint32(tag).uint32(0);
      else writeTime(w.uint32(tag), v);
      return;
    case V.MicroTime:
      if (v === null) w.uint32(tag).uint32(0);
      else writeMicroTime(w.uint32(tag), v);
      return;
    case V.Duration:
      writeDuration(w.uint32(tag), v ?? '0s');
      return;
    case V.RawExtension:
    case V.JSON:
    case V.FieldsV1:
      writeRawJson(w.uint32(tag), v);
      return;
    case V.StringList:
      writeStringList(w.uint32(tag), v ?? []);
      return;
    case V.OrArray:
      w.uint32(tag).fork();
      if (Array.isArray(v)) {
        for (const s of v) writeSchema(w, plan, f, OR_ARRAY_SCHEMAS, s);
      } else if (v !== null) writeSchema(w, plan, f, OR_ARRAY_SCHEMA, v);
      w.ldelim();
      return;
    case V.OrBool:
      w.uint32(tag).fork();
      if (typeof v === 'boolean') w.uint32(OR_BOOL_ALLOWS).bool(v);
      else if (v !== null) {
        // Go's UnmarshalJSON of an object sets Allows as well as Schema.
        w.uint32(OR_BOOL_ALLOWS).bool(true);
        writeSchema(w, plan, f, OR_BOOL_SCHEMA, v);
      } else w.uint32(OR_BOOL_ALLOWS).bool(false);
      w.ldelim();
      return;
    case V.OrStringArray:
      w.uint32(tag).fork();
      if (Array.isArray(v)) {
        for (const s of v) {
          if (typeof s !== 'string') throw unencodable(plan, f, 'a schema or an array of strings', v);
          w.uint32(OR_STRING_ARRAY_PROPERTY).string(s);
        }
      } else if (v !== null) writeSchema(w, plan, f, OR_STRING_ARRAY_SCHEMA, v);
      w.ldelim();
      return;
  }
}

function writeSchema(w: Writer, plan: MessagePlan, f: FieldPlan, tag: number, v: unknown): void {
  if (!isObject(v)) throw unencodable(plan, f, 'a JSON schema object', v);
  w.uint32(tag).fork();
  encodeFields(f.message!, v, w);
  w.ldelim();
}

/** setKey sets a property, including one named __proto__ (a map key like any other), without touching the prototype. */
function setKey(obj: JsonObject, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

function malformed(plan: MessagePlan, what: string): ProtobufError {
  return new ProtobufError('Malformed', `${plan.name}: ${what}`);
}

/** endOf reads a length prefix and returns where the delimited bytes end, refusing one that overruns the data. */
function endOf(r: Reader, plan: MessagePlan): number {
  const end = r.uint32() + r.pos;
  if (end > r.len) throw malformed(plan, 'a length runs past the end of the data');
  return end;
}

/** decodeFields reads fields up to end into out (the object of the message, or of the message an inlined struct belongs to). */
export function decodeFields(plan: MessagePlan, r: Reader, end: number, out: JsonObject): void {
  const byId = plan.byId;
  while (r.pos < end) {
    const key = r.uint32();
    const f = byId[key >>> 3];
    const wire = key & 7;
    if (f === undefined) {
      r.skipType(wire);
      continue;
    }
    if (f.inline) {
      if (wire !== Wire.Bytes) throw malformed(plan, `field ${f.name} has wire type ${wire}`);
      decodeFields(f.message!, r, endOf(r, plan), out);
      continue;
    }
    if (f.card === Card.Single) {
      if (wire !== f.wire) throw malformed(plan, `field ${f.name} has wire type ${wire}`);
      const v = readValue(r, plan, f, out[f.json]);
      if (v === undefined) continue;
      // the last occurrence wins, as in Go: a zero after a value leaves the field out too
      if (f.omitEmpty && (v === '' || v === 0 || v === false)) delete out[f.json];
      else out[f.json] = v;
    } else if (f.card === Card.Repeated) {
      let list = out[f.json] as unknown[] | undefined;
      if (list === undefined) out[f.json] = list = [];
      if (wire === Wire.Bytes && f.wire !== Wire.Bytes) {
        // a packed run of scalars: proto2 writers may pack, and readers must accept it
        const stop = endOf(r, plan);
        while (r.pos < stop) list.push(readValue(r, plan, f, undefined));
        if (r.pos !== stop) throw malformed(plan, `packed field ${f.name} overruns its length`);
      } else {
        if (wire !== f.wire) throw malformed(plan, `field ${f.name} has wire type ${wire}`);
        const v = readValue(r, plan, f, undefined);
        list.push(v === undefined ? null : v);
      }
    } else {
      if (wire !== Wire.Bytes) throw malformed(plan, `map field ${f.name} has wire type ${wire}`);
      let map = out[f.json] as JsonObject | undefined;
      if (map === undefined) out[f.json] = map = {};
      const stop = endOf(r, plan);
      let k = '';
      let v: unknown;
      while (r.pos < stop) {
        const entryKey = r.uint32();
        if (entryKey === MAP_KEY) k = r.string();
        else if (entryKey === f.valueTag) v = readValue(r, plan, f, undefined);
        else r.skipType(entryKey & 7);
      }
      if (r.pos !== stop) throw malformed(plan, `an entry of map field ${f.name} overruns its length`);
      setKey(map, k, v === undefined ? zeroValue(f) : v);
    }
  }
  if (r.pos !== end) throw malformed(plan, 'a field overruns the length of its message');
}

/** zeroValue is what Go's JSON shows for a map entry whose value is missing on the wire. */
function zeroValue(f: FieldPlan): unknown {
  switch (f.kind) {
    case V.String:
    case V.Bytes:
      return '';
    case V.Bool:
      return false;
    case V.Int32:
    case V.Int64:
    case V.Double:
    case V.IntOrString:
      return 0;
    case V.Quantity:
      return '0';
    case V.StringList:
      return [];
    case V.Message:
      return {};
    default:
      return null;
  }
}

/** readValue reads one value after its key; undefined means "as if absent" (the zero time). */
function readValue(r: Reader, plan: MessagePlan, f: FieldPlan, existing: unknown): unknown {
  switch (f.kind) {
    case V.String:
      return r.string();
    case V.Bool:
      return r.bool();
    case V.Int32:
      return r.int32();
    case V.Int64:
      return toNumber(r.int64());
    case V.Double:
      return r.double();
    case V.Bytes:
      return (r.bytes() as Buffer).toString('base64');
    case V.Message: {
      // a repeated occurrence of a singular message merges into the first, as in Go
      const target = isObject(existing) ? existing : {};
      decodeFields(f.message!, r, endOf(r, plan), target);
      return target;
    }
    case V.IntOrString:
      return readIntOrString(r);
    case V.Quantity:
      return readQuantity(r);
    case V.Time:
      return readTime(r);
    case V.MicroTime:
      return readMicroTime(r);
    case V.Duration:
      return readDuration(r);
    case V.RawExtension: {
      const raw = readRawBytes(r);
      if (raw === undefined) return undefined;
      return hasMagic(raw) ? decodeEmbedded(raw) : parseJsonBytes(raw, `${plan.name}.${f.name}`);
    }
    case V.JSON: {
      const raw = readRawBytes(r);
      return raw === undefined || raw.length === 0 ? null : parseJsonBytes(raw, `${plan.name}.${f.name}`);
    }
    case V.FieldsV1: {
      const raw = readRawBytes(r);
      return raw === undefined ? undefined : parseJsonBytes(raw, `${plan.name}.${f.name}`);
    }
    case V.StringList:
      return readStringList(r);
    case V.OrArray: {
      const stop = endOf(r, plan);
      let schema: JsonObject | undefined;
      const schemas: JsonObject[] = [];
      while (r.pos < stop) {
        const key = r.uint32();
        if (key === OR_ARRAY_SCHEMA) schema = readSchema(r, plan, f, schema);
        else if (key === OR_ARRAY_SCHEMAS) schemas.push(readSchema(r, plan, f, undefined));
        else r.skipType(key & 7);
      }
      // Go's MarshalJSON prefers the array, then the schema, else null
      return schemas.length > 0 ? schemas : schema;
    }
    case V.OrBool: {
      const stop = endOf(r, plan);
      let allows = false;
      let schema: JsonObject | undefined;
      while (r.pos < stop) {
        const key = r.uint32();
        if (key === OR_BOOL_ALLOWS) allows = r.bool();
        else if (key === OR_BOOL_SCHEMA) schema = readSchema(r, plan, f, schema);
        else r.skipType(key & 7);
      }
      return schema ?? allows;
    }
    case V.OrStringArray: {
      const stop = endOf(r, plan);
      let schema: JsonObject | undefined;
      const property: string[] = [];
      while (r.pos < stop) {
        const key = r.uint32();
        if (key === OR_STRING_ARRAY_SCHEMA) schema = readSchema(r, plan, f, schema);
        else if (key === OR_STRING_ARRAY_PROPERTY) property.push(r.string());
        else r.skipType(key & 7);
      }
      return property.length > 0 ? property : schema;
    }
  }
  throw malformed(plan, `field ${f.name} has no reader`);
}

function readSchema(r: Reader, plan: MessagePlan, f: FieldPlan, existing: JsonObject | undefined): JsonObject {
  const target = existing ?? {};
  decodeFields(f.message!, r, endOf(r, plan), target);
  return target;
}

/**
 * decodeKind decodes raw as the message of apiVersion/kind and returns the JSON object, with
 * apiVersion and kind first (the envelope carries them, the message does not).
 */
export function decodeKind(apiVersion: string, kind: string, raw: Uint8Array): JsonObject {
  const name = messageFor(apiVersion, kind);
  if (name === undefined) throw new ProtobufError('NoMessage', `no protobuf message for ${apiVersion}, Kind=${kind}`);
  const plan = messagePlan(name);
  const out: JsonObject = { apiVersion, kind };
  const r = Reader.create(asBuffer(raw));
  try {
    decodeFields(plan, r, r.len, out);
  } catch (e) {
    if (e instanceof ProtobufError) throw e;
    // protobufjs's Reader raises RangeError (index out of range) and Error (invalid wire type)
    throw new ProtobufError('Malformed', `${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

/** decodeEmbedded decodes a RawExtension holding a whole protobuf object (magic, Unknown, message). */
function decodeEmbedded(raw: Uint8Array): JsonObject {
  const unknown = readUnknown(raw);
  return decodeKind(unknown.apiVersion, unknown.kind, unknown.raw);
}

/** encodeKind writes obj as the message of apiVersion/kind (fields only, no length prefix). */
export function encodeKind(apiVersion: string, kind: string, obj: JsonObject, w: Writer): void {
  const name = messageFor(apiVersion, kind);
  if (name === undefined) throw new ProtobufError('NoMessage', `no protobuf message for ${apiVersion}, Kind=${kind}`);
  encodeFields(messagePlan(name), obj, w);
}

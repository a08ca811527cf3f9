/**
 * The envelope of `application/vnd.kubernetes.protobuf`: the four bytes `k8s\0`, then a
 * runtime.Unknown { typeMeta{apiVersion, kind}, raw, contentEncoding, contentType } whose raw is
 * the object's own message. Written exactly as k8s.io/apimachinery's protobuf Serializer does
 * (Unknown.NestedMarshalTo): every field present, typeMeta's two strings even when empty, and
 * contentEncoding and contentType as empty strings.
 */
import { Reader, Writer } from 'protobufjs/minimal';
import { ProtobufError } from './errors';

/** MAGIC is `k8s` and the encoding-style byte 0 (the only style defined: a runtime.Unknown follows). */
export const MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);
/** MAGIC_FIXED32 is MAGIC read as a little-endian fixed32, so a Writer can emit it in one call. */
const MAGIC_FIXED32 = 0x0073386b;

// runtime.Unknown and runtime.TypeMeta field keys (k8s.io/apimachinery/pkg/runtime/generated.proto).
const UNKNOWN_TYPE_META = 0x0a; // 1, bytes
const UNKNOWN_RAW = 0x12; // 2, bytes
const UNKNOWN_CONTENT_ENCODING = 0x1a; // 3, bytes
const UNKNOWN_CONTENT_TYPE = 0x22; // 4, bytes
const TYPE_META_API_VERSION = 0x0a; // 1, bytes
const TYPE_META_KIND = 0x12; // 2, bytes

/** Unknown is a decoded runtime.Unknown. */
export interface Unknown {
  apiVersion: string;
  kind: string;
  /** raw is the object's message (a view into the body, not a copy). */
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** hasMagic tells whether bytes start with the `k8s\0` prefix. */
export function hasMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === MAGIC[0] && bytes[1] === MAGIC[1] && bytes[2] === MAGIC[2] && bytes[3] === MAGIC[3];
}

/** asBuffer views bytes as a Buffer, so protobufjs picks its faster Buffer reader. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** readUnknown checks the magic and decodes the runtime.Unknown after it. */
export function readUnknown(body: Uint8Array): Unknown {
  if (body.length === 0) throw new ProtobufError('Malformed', 'empty data');
  if (!hasMagic(body)) throw new ProtobufError('Malformed', 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  if (body.length === MAGIC.length) throw new ProtobufError('Malformed', 'empty body');
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  const r = Reader.create(asBuffer(body));
  r.pos = MAGIC.length;
  try {
    while (r.pos < r.len) {
      const key = r.uint32();
      switch (key) {
        case UNKNOWN_TYPE_META: {
          const end = r.uint32() + r.pos;
          while (r.pos < end) {
            const k = r.uint32();
            if (k === TYPE_META_API_VERSION) out.apiVersion = r.string();
            else if (k === TYPE_META_KIND) out.kind = r.string();
            else r.skipType(k & 7);
          }
          if (r.pos !== end) throw new RangeError('typeMeta overruns its length');
          break;
        }
        case UNKNOWN_RAW:
          out.raw = r.bytes();
          break;
        case UNKNOWN_CONTENT_ENCODING:
          out.contentEncoding = r.string();
          break;
        case UNKNOWN_CONTENT_TYPE:
          out.contentType = r.string();
          break;
        default:
          r.skipType(key & 7);
      }
    }
  } catch (e) {
    throw new ProtobufError('Malformed', `malformed runtime.Unknown: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r.pos !== r.len) throw new ProtobufError('Malformed', 'malformed runtime.Unknown: a field overruns the body');
  return out;
}

/**
 * writeEnvelope writes MAGIC and a runtime.Unknown whose raw is what writeRaw writes, in Go's
 * field order and presence: typeMeta, raw, contentEncoding "", contentType "".
 */
export function writeEnvelope(apiVersion: string, kind: string, writeRaw: (w: Writer) => void): Buffer {
  const w = Writer.create();
  w.fixed32(MAGIC_FIXED32);
  w.uint32(UNKNOWN_TYPE_META).fork().uint32(TYPE_META_API_VERSION).string(apiVersion).uint32(TYPE_META_KIND).string(kind).ldelim();
  w.uint32(UNKNOWN_RAW).fork();
  writeRaw(w);
  w.ldelim();
  w.uint32(UNKNOWN_CONTENT_ENCODING).uint32(0).uint32(UNKNOWN_CONTENT_TYPE).uint32(0);
  return w.finish() as Buffer;
}

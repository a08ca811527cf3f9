/**
 * Watch streams in protobuf (`application/vnd.kubernetes.protobuf;stream=watch`), as
 * kube-apiserver writes them (k8s.io/apiserver endpoints/handlers/watch.go): each event is one
 * frame, a 4-byte big-endian length and then a meta/v1 WatchEvent encoded by the raw serializer
 * (no `k8s\0`, no envelope), whose object is a RawExtension holding the object as the full
 * serializer encodes it (`k8s\0` + runtime.Unknown + message).
 */
import { Reader } from 'protobufjs/minimal';
import { asBuffer } from './envelope';
import { ProtobufError } from './errors';
import { decodeObject, encodeObject } from './objects';
import type { JsonObject } from './codec';

/** FRAME_HEADER_BYTES is the length prefix of a frame (framer.NewLengthDelimitedFrameWriter). */
const FRAME_HEADER_BYTES = 4;
// meta/v1 WatchEvent { optional string type = 1; optional runtime.RawExtension object = 2; }, RawExtension { optional bytes raw = 1; }
const WATCH_EVENT_TYPE = 0x0a;
const WATCH_EVENT_OBJECT = 0x12;
const RAW_EXTENSION_RAW = 0x0a;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/**
 * encodeWatchEvent writes one frame for an event (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).
 * object is the object as JSON, or its encodeObject() bytes when the caller encodes an event's
 * object once for many watchers.
 */
export function encodeWatchEvent(type: string, object: JsonObject | Uint8Array): Buffer {
  const raw = object instanceof Uint8Array ? object : encodeObject(object);
  const typeBytes = Buffer.byteLength(type, 'utf8');
  const extension = 1 + varintSize(raw.length) + raw.length;
  const event = 1 + varintSize(typeBytes) + typeBytes + 1 + varintSize(extension) + extension;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + event);
  frame.writeUInt32BE(event, 0);
  let pos = FRAME_HEADER_BYTES;
  frame[pos++] = WATCH_EVENT_TYPE;
  pos = writeVarint(frame, pos, typeBytes);
  pos += frame.write(type, pos, 'utf8');
  frame[pos++] = WATCH_EVENT_OBJECT;
  pos = writeVarint(frame, pos, extension);
  frame[pos++] = RAW_EXTENSION_RAW;
  pos = writeVarint(frame, pos, raw.length);
  frame.set(raw, pos);
  return frame;
}

/** WatchEventJson is a decoded watch event: its type and the object in JSON form. */
export interface WatchEventJson {
  type: string;
  object: JsonObject;
}

/** decodeWatchEvent decodes one frame's payload (without its length prefix). */
export function decodeWatchEvent(payload: Uint8Array): WatchEventJson {
  const r = Reader.create(asBuffer(payload));
  let type = '';
  let raw: Uint8Array | undefined;
  try {
    while (r.pos < r.len) {
      const key = r.uint32();
      if (key === WATCH_EVENT_TYPE) type = r.string();
      else if (key === WATCH_EVENT_OBJECT) {
        const end = r.uint32() + r.pos;
        while (r.pos < end) {
          const k = r.uint32();
          if (k === RAW_EXTENSION_RAW) raw = r.bytes();
          else r.skipType(k & 7);
        }
      } else r.skipType(key & 7);
    }
  } catch (e) {
    throw new ProtobufError('Malformed', `malformed WatchEvent: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (raw === undefined) throw new ProtobufError('Malformed', 'WatchEvent without an object');
  return { type, object: decodeObject(raw).object };
}

/** splitFrames cuts the complete frames off the front of a stream buffer and returns them and the incomplete rest. */
export function splitFrames(stream: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let pos = 0;
  while (stream.length - pos >= FRAME_HEADER_BYTES) {
    const len = stream.readUInt32BE(pos);
    if (stream.length - pos - FRAME_HEADER_BYTES < len) break;
    frames.push(stream.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + len));
    pos += FRAME_HEADER_BYTES + len;
  }
  return { frames, rest: stream.subarray(pos) };
}

/**
 * Whole objects in `application/vnd.kubernetes.protobuf`: a JSON object to the `k8s\0` envelope
 * and back, lists, and Status. The kind decides the message: the generated table lists every
 * built-in kind the server serves; custom resources and unknown kinds have no protobuf form.
 */
import { decodeKind, encodeKind, type JsonObject } from './codec';
import { readUnknown, writeEnvelope } from './envelope';
import { ProtobufError } from './errors';
import { messageFor } from './plan';
import { Writer } from 'protobufjs/minimal';

/** DecodedObject is a decoded body: the envelope's type and the object in its JSON form (apiVersion and kind included). */
export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: JsonObject;
}

/**
 * KindDefaults fill an envelope whose typeMeta leaves apiVersion or kind empty, as Go's decoder
 * fills them from the group-version-kind the request path implies.
 */
export interface KindDefaults {
  apiVersion?: string;
  kind?: string;
}

/** STATUS_API_VERSION is the apiVersion kube-apiserver gives every Status, whatever the group. */
const STATUS_API_VERSION = 'v1';

/** hasProtobuf tells whether apiVersion/kind has a protobuf message (built-in kinds, and Status, DeleteOptions, WatchEvent in any group-version). */
export function hasProtobuf(apiVersion: string, kind: string): boolean {
  return messageFor(apiVersion, kind) !== undefined;
}

/**
 * decodeObject reads a protobuf body: it checks the `k8s\0` magic, reads the runtime.Unknown
 * envelope and decodes its raw bytes as the message of the envelope's kind. It throws a
 * ProtobufError for a body that is not valid protobuf (reason Malformed), for a kind with no
 * protobuf message (NoMessage), and for a content encoding (Unsupported: Go clients send none).
 */
export function decodeObject(body: Uint8Array, defaults: KindDefaults = {}): DecodedObject {
  const unknown = readUnknown(body);
  if (unknown.contentEncoding !== '') throw new ProtobufError('Unsupported', `content encoding ${JSON.stringify(unknown.contentEncoding)} is not supported`);
  const apiVersion = unknown.apiVersion || defaults.apiVersion || '';
  const kind = unknown.kind || defaults.kind || '';
  if (kind === '') throw new ProtobufError('Malformed', "Object 'Kind' is missing in the protobuf envelope");
  if (apiVersion === '') throw new ProtobufError('Malformed', "Object 'apiVersion' is missing in the protobuf envelope");
  return { apiVersion, kind, object: decodeKind(apiVersion, kind, unknown.raw) };
}

/** encodeObject writes obj, whose apiVersion and kind choose the message, as `k8s\0` + runtime.Unknown, byte for byte as Go frames it. */
export function encodeObject(obj: JsonObject): Buffer {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
    throw new ProtobufError('Unencodable', 'an object needs apiVersion and kind to be encoded');
  }
  if (!hasProtobuf(apiVersion, kind)) throw new ProtobufError('NoMessage', `no protobuf message for ${apiVersion}, Kind=${kind}`);
  return writeEnvelope(apiVersion, kind, (w) => encodeKind(apiVersion, kind, obj, w));
}

/** ListToEncode is a list response: its kind (`PodList`), group-version, list metadata and items (JSON objects; their own apiVersion and kind are not written, as in Go's typed lists). */
export interface ListToEncode {
  apiVersion: string;
  kind: string;
  metadata?: JsonObject;
  items: readonly JsonObject[];
}

/** encodeList writes a typed list (`v1` `PodList`): ListMeta, then each item as the item kind's message. */
export function encodeList(list: ListToEncode): Buffer {
  return encodeObject({ apiVersion: list.apiVersion, kind: list.kind, metadata: list.metadata ?? {}, items: list.items });
}

/** LIST_ITEMS_FIELD is `items` in every Kubernetes list message (ListMeta is field 1). */
const LIST_ITEMS_FIELD = 2;

/**
 * encodeItem writes one list item's message bytes (no envelope), so a server can keep them
 * with the stored object and build lists from them without encoding each item every time.
 */
export function encodeItem(apiVersion: string, kind: string, obj: JsonObject): Uint8Array {
  const w = Writer.create();
  encodeKind(apiVersion, kind, obj, w);
  return w.finish();
}

/** encodeListFromItems writes a typed list whose items are already encoded by encodeItem. */
export function encodeListFromItems(apiVersion: string, kind: string, metadata: JsonObject, items: readonly Uint8Array[]): Buffer {
  return writeEnvelope(apiVersion, kind, (w) => {
    encodeKind(apiVersion, kind, { metadata, items: [] }, w);
    for (const item of items) w.uint32((LIST_ITEMS_FIELD << 3) | 2).bytes(item);
  });
}

/** encodeStatus writes a meta/v1 Status (apiVersion `v1` unless the status names another). */
export function encodeStatus(status: JsonObject): Buffer {
  const apiVersion = typeof status.apiVersion === 'string' && status.apiVersion !== '' ? status.apiVersion : STATUS_API_VERSION;
  return encodeObject({ ...status, apiVersion, kind: 'Status' });
}

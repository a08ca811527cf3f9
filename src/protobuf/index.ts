/**
 * The Kubernetes protobuf wire format (`application/vnd.kubernetes.protobuf`) for built-in
 * kinds, between bytes and the JSON object shape the rest of the server works with.
 *
 * - Requests: `decodeObject(body, { apiVersion, kind })` (the defaults fill an envelope that
 *   leaves them empty, as the request path does in Go). A ProtobufError with reason Malformed is
 *   kube-apiserver's 400 BadRequest; NoMessage (custom resources, unknown kinds) its 415
 *   UnsupportedMediaType; Unsupported (a content encoding) a 400 as well.
 * - Responses: check `hasProtobuf(apiVersion, kind)` first (kube-apiserver answers 406
 *   NotAcceptable for a kind without protobuf, e.g. custom resources and Table), then
 *   `encodeObject`, `encodeList`, `encodeStatus`; watches: `encodeWatchEvent` per event, with
 *   Content-Type PROTOBUF_WATCH_CONTENT_TYPE.
 * - Decoded objects from Go clients carry the zero values of Go value fields (Go writes them;
 *   see test/fixtures/protobuf/README.md): treat "" / 0 / false like an absent field wherever
 *   Kubernetes does (defaulting, validation), as kube-apiserver's Go types do.
 */
export { PROTOBUF_CONTENT_TYPE, PROTOBUF_WATCH_CONTENT_TYPE } from './media';
export { ProtobufError, type ProtobufErrorReason } from './errors';
export { decodeObject, encodeItem, encodeList, encodeListFromItems, encodeObject, encodeStatus, hasProtobuf, type DecodedObject, type KindDefaults, type ListToEncode } from './objects';
export { decodeWatchEvent, encodeWatchEvent, splitFrames, type WatchEventJson } from './watch';

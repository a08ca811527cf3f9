/**
 * ProtobufError is raised for a body the codec cannot read (no `k8s\0` magic, malformed wire
 * data, a kind with no protobuf message) or an object it cannot write. The HTTP layer turns a
 * decode failure into 400 BadRequest and a kind without protobuf into 406/415, as kube-apiserver
 * does; the codec itself knows nothing of HTTP.
 */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  /** reason tells the failures apart for the caller that maps them onto a Status. */
  readonly reason: ProtobufErrorReason;

  constructor(reason: ProtobufErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * ProtobufErrorReason: `Malformed` (the bytes are not a valid encoding), `NoMessage` (the kind has
 * no protobuf message: custom resources, unknown kinds), `Unsupported` (a valid body using a
 * feature the codec refuses, such as a content encoding), `Unencodable` (an object value of the
 * wrong JSON type for its field).
 */
export type ProtobufErrorReason = 'Malformed' | 'NoMessage' | 'Unsupported' | 'Unencodable';

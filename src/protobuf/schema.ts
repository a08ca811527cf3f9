/**
 * The shapes of the protobuf tables the generator writes to generated/protobuf/ and the codec
 * reads. This file holds types and one data table only: codegen/emit/protobuf.ts imports it too,
 * so the generator and the runtime agree on what a special type looks like on the wire.
 */

/**
 * SpecialType names a value whose JSON form is not "the proto message, field by field":
 *
 * - `Bytes`: a proto `bytes` scalar; JSON carries it base64 (standard alphabet, padded).
 * - `IntOrString`, `Quantity`: a bare number or string in JSON.
 * - `Time` (RFC 3339, whole seconds), `MicroTime` (RFC 3339, six fraction digits), `Duration`
 *   (Go's `time.Duration` string).
 * - `RawExtension`, `JSON`: an embedded JSON value held as raw bytes; `FieldsV1`: the
 *   managed-fields object held as raw JSON bytes.
 * - `StringList`: a wrapper message `{ repeated string items = 1; }` (meta/v1 Verbs,
 *   authentication/authorization ExtraValue) that is a plain array of strings in JSON.
 * - `JSONSchemaPropsOrArray`, `JSONSchemaPropsOrBool`, `JSONSchemaPropsOrStringArray`: the
 *   apiextensions unions whose JSON is a schema object or an array / a boolean.
 */
export type SpecialType =
  | 'Bytes'
  | 'IntOrString'
  | 'Quantity'
  | 'Time'
  | 'MicroTime'
  | 'Duration'
  | 'RawExtension'
  | 'JSON'
  | 'FieldsV1'
  | 'StringList'
  | 'JSONSchemaPropsOrArray'
  | 'JSONSchemaPropsOrBool'
  | 'JSONSchemaPropsOrStringArray';

/**
 * FieldMapping says where one proto field lives in the JSON object. Exactly one of `json` and
 * `inline` is set. For a repeated or map field, `special` describes each element or map value.
 */
export interface FieldMapping {
  /** proto is the field's name in the .proto message (its number and type are in the descriptors). */
  proto: string;
  /** json is the JSON property holding the field's value. */
  json?: string;
  /** inline marks an embedded Go struct (`json:",inline"`): its fields appear in the parent object. */
  inline?: true;
  /** special is set when the value needs a conversion beyond scalar-or-message. */
  special?: SpecialType;
  /**
   * omitEmpty marks a singular scalar field (string, bool, number, bytes) whose Go field is a
   * value (not a pointer) tagged `omitempty` (or `omitzero`): Go's JSON leaves its zero value
   * out, so decoding treats a zero on the wire ("", 0, false, empty bytes) as absent. Go clients
   * write such fields even when zero. From schemas/proto/go-fields.json.
   */
  omitEmpty?: true;
}

/** MessageMapping describes one proto message reachable from a served kind. */
export interface MessageMapping {
  /** definition names the OpenAPI definition of the same object; absent for a type that is only ever inlined. */
  definition?: string;
  /** fields in ascending field number, the order Go writes them. */
  fields: FieldMapping[];
  /**
   * notInProto lists the definition's properties that no proto field carries, so protobuf
   * cannot represent them (`apiVersion` and `kind` of a kind are not listed: the envelope holds them).
   */
  notInProto?: string[];
  /**
   * notInOpenAPI lists proto fields (by proto name) newer than the vendored OpenAPI definition:
   * this server's API does not have them, so the codec skips them like unknown field numbers.
   */
  notInOpenAPI?: string[];
}

/** ProtobufMappings is generated/protobuf/mappings.ts: the JSON side of every served kind's message. */
export interface ProtobufMappings {
  /** kinds maps `<apiVersion>/<kind>` (`v1/Pod`, `apps/v1/Deployment`) to the proto message. */
  kinds: Readonly<Record<string, string>>;
  /**
   * anyVersionKinds maps a kind that every group-version serves (Status, DeleteOptions,
   * WatchEvent) to its meta/v1 message, whatever the apiVersion says.
   */
  anyVersionKinds: Readonly<Record<string, string>>;
  /** messages maps a proto message's full name (no leading dot) to its field mapping. */
  messages: Readonly<Record<string, MessageMapping>>;
}

/**
 * DescriptorJson is protobufjs's JSON form of a namespace (what `Root.toJSON()` writes and
 * `Root.fromJSON()` reads), as generated/protobuf/descriptors.ts holds it. protobufjs's own
 * INamespace type does not declare the `edition` key its toJSON writes, hence this looser type.
 */
export interface DescriptorJson {
  [key: string]: unknown;
}

/** SpecialField is one field a special message must have for the codec's fixed conversion to be right. */
export interface SpecialField {
  id: number;
  /** type is the proto scalar type, or the message's simple name. */
  type: string;
  repeated?: true;
}

/** SpecialMessage is a proto message converted as a whole, by a fixed rule, rather than field by field. */
export interface SpecialMessage {
  special: SpecialType;
  fields: Readonly<Record<string, SpecialField>>;
}

const APIEXTENSIONS = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
const TIMESTAMP: SpecialMessage['fields'] = { seconds: { id: 1, type: 'int64' }, nanos: { id: 2, type: 'int32' } };

/**
 * SPECIAL_MESSAGES are the messages with a fixed JSON conversion, keyed by full name, with the
 * fields the conversion relies on. The generator fails when a vendored .proto disagrees.
 * (`StringList` wrappers are recognised by shape, not listed here.)
 */
export const SPECIAL_MESSAGES: Readonly<Record<string, SpecialMessage>> = {
  [`${META}.Time`]: { special: 'Time', fields: TIMESTAMP },
  [`${META}.MicroTime`]: { special: 'MicroTime', fields: TIMESTAMP },
  [`${META}.Duration`]: { special: 'Duration', fields: { duration: { id: 1, type: 'int64' } } },
  [`${META}.FieldsV1`]: { special: 'FieldsV1', fields: { Raw: { id: 1, type: 'bytes' } } },
  'k8s.io.apimachinery.pkg.api.resource.Quantity': { special: 'Quantity', fields: { string: { id: 1, type: 'string' } } },
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
    special: 'IntOrString',
    fields: { type: { id: 1, type: 'int64' }, intVal: { id: 2, type: 'int32' }, strVal: { id: 3, type: 'string' } },
  },
  'k8s.io.apimachinery.pkg.runtime.RawExtension': { special: 'RawExtension', fields: { raw: { id: 1, type: 'bytes' } } },
  [`${APIEXTENSIONS}.JSON`]: { special: 'JSON', fields: { raw: { id: 1, type: 'bytes' } } },
  [`${APIEXTENSIONS}.JSONSchemaPropsOrArray`]: {
    special: 'JSONSchemaPropsOrArray',
    fields: { schema: { id: 1, type: 'JSONSchemaProps' }, jSONSchemas: { id: 2, type: 'JSONSchemaProps', repeated: true } },
  },
  [`${APIEXTENSIONS}.JSONSchemaPropsOrBool`]: {
    special: 'JSONSchemaPropsOrBool',
    fields: { allows: { id: 1, type: 'bool' }, schema: { id: 2, type: 'JSONSchemaProps' } },
  },
  [`${APIEXTENSIONS}.JSONSchemaPropsOrStringArray`]: {
    special: 'JSONSchemaPropsOrStringArray',
    fields: { schema: { id: 1, type: 'JSONSchemaProps' }, property: { id: 2, type: 'string', repeated: true } },
  },
};

/** JSON_SCHEMA_PROPS is the message the JSONSchemaPropsOr* unions wrap. */
export const JSON_SCHEMA_PROPS = `${APIEXTENSIONS}.JSONSchemaProps`;

/** ENVELOPE_MESSAGES are the messages the codec writes by hand (runtime.Unknown, meta/v1 WatchEvent) and that must exist. */
export const ENVELOPE_MESSAGES = ['k8s.io.apimachinery.pkg.runtime.Unknown', 'k8s.io.apimachinery.pkg.runtime.TypeMeta', `${META}.WatchEvent`] as const;

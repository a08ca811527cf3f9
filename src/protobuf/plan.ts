/**
 * Plans: the generated descriptors and JSON mappings joined into one flat table per message,
 * built on first use and kept. A plan is all the codec looks at while encoding or decoding, so
 * the per-field work is a switch on a small number, not a lookup by name.
 */
import * as protobuf from 'protobufjs/light';
import { descriptors } from '../../generated/protobuf/descriptors';
import { mappings } from '../../generated/protobuf/mappings';
import { JSON_SCHEMA_PROPS, type SpecialType } from './schema';

/** V numbers the value kinds a field (or each element, or each map value) can hold. */
export const V = {
  String: 0,
  Bool: 1,
  Int32: 2,
  Int64: 3,
  Double: 4,
  Bytes: 5,
  Message: 6,
  IntOrString: 7,
  Quantity: 8,
  Time: 9,
  MicroTime: 10,
  Duration: 11,
  RawExtension: 12,
  JSON: 13,
  FieldsV1: 14,
  StringList: 15,
  OrArray: 16,
  OrBool: 17,
  OrStringArray: 18,
} as const;
export type ValueKind = (typeof V)[keyof typeof V];

/** Card: one value, a repeated field, or a map with string keys. */
export const Card = { Single: 0, Repeated: 1, Map: 2 } as const;
export type Cardinality = (typeof Card)[keyof typeof Card];

/** Wire types of the protobuf encoding. */
export const Wire = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;

const SCALAR_KINDS: Readonly<Record<string, ValueKind>> = {
  string: V.String,
  bool: V.Bool,
  int32: V.Int32,
  int64: V.Int64,
  double: V.Double,
  bytes: V.Bytes,
};

const SPECIAL_KINDS: Readonly<Record<SpecialType, ValueKind>> = {
  Bytes: V.Bytes,
  IntOrString: V.IntOrString,
  Quantity: V.Quantity,
  Time: V.Time,
  MicroTime: V.MicroTime,
  Duration: V.Duration,
  RawExtension: V.RawExtension,
  JSON: V.JSON,
  FieldsV1: V.FieldsV1,
  StringList: V.StringList,
  JSONSchemaPropsOrArray: V.OrArray,
  JSONSchemaPropsOrBool: V.OrBool,
  JSONSchemaPropsOrStringArray: V.OrStringArray,
};

/** FieldPlan is one proto field with everything encoding and decoding need. */
export interface FieldPlan {
  id: number;
  /** name is the proto field name, for error messages. */
  name: string;
  /** json is the property name; '' for an inlined struct. */
  json: string;
  inline: boolean;
  /** omitEmpty: a zero value read decodes as absent (a Go value field tagged omitempty; see FieldMapping). */
  omitEmpty: boolean;
  card: Cardinality;
  kind: ValueKind;
  /** wire is the wire type of one value (of each element, of a map entry's value). */
  wire: number;
  /** tag is the field key of one value: (id << 3) | wire, or | 2 for a map entry. */
  tag: number;
  /** valueTag is a map entry's value key (field 2). */
  valueTag: number;
  /** message is the plan of a message value, of an inlined struct, or of JSONSchemaProps for the unions. */
  message: MessagePlan | undefined;
}

/** MessagePlan is one message's fields in ascending number, and the same fields by number. */
export interface MessagePlan {
  name: string;
  fields: FieldPlan[];
  byId: (FieldPlan | undefined)[];
}

let root: protobuf.Root | undefined;
const plans = new Map<string, MessagePlan>();

/** descriptorRoot is the protobufjs reflection of the generated descriptors (built once). */
export function descriptorRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(descriptors as protobuf.INamespace);
  return root;
}

/** wireOf is the wire type a value kind is written with. */
function wireOf(kind: ValueKind): number {
  switch (kind) {
    case V.Bool:
    case V.Int32:
    case V.Int64:
      return Wire.Varint;
    case V.Double:
      return Wire.Fixed64;
    default:
      return Wire.Bytes;
  }
}

/** messagePlan returns the plan of a mapped message, building it (and the messages it reaches) on first use. */
export function messagePlan(name: string): MessagePlan {
  const known = plans.get(name);
  if (known) return known;
  const mapping = mappings.messages[name];
  if (!mapping) throw new Error(`protobuf: ${name} has no generated mapping`);
  const type = descriptorRoot().lookupType(name);
  const plan: MessagePlan = { name, fields: [], byId: [] };
  plans.set(name, plan); // before the fields: messages may reach themselves (JSONSchemaProps)
  for (const m of mapping.fields) {
    const field = type.fields[m.proto].resolve();
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType.fullName.slice(1) : undefined;
    const kind = m.special ? SPECIAL_KINDS[m.special] : sub ? V.Message : SCALAR_KINDS[field.type];
    if (kind === undefined) throw new Error(`protobuf: ${name}.${m.proto}: type ${field.type} has no codec`);
    const card = field.map ? Card.Map : field.repeated ? Card.Repeated : Card.Single;
    const wire = wireOf(kind);
    let message: MessagePlan | undefined;
    if (m.inline || kind === V.Message) message = messagePlan(sub!);
    else if (kind === V.OrArray || kind === V.OrBool || kind === V.OrStringArray) message = messagePlan(JSON_SCHEMA_PROPS);
    const fp: FieldPlan = {
      id: field.id,
      name: m.proto,
      json: m.json ?? '',
      inline: m.inline === true,
      omitEmpty: m.omitEmpty === true,
      card,
      kind,
      wire,
      tag: ((field.id << 3) | (card === Card.Map ? Wire.Bytes : wire)) >>> 0,
      valueTag: ((2 << 3) | wire) >>> 0,
      message,
    };
    plan.fields.push(fp);
    plan.byId[field.id] = fp;
  }
  return plan;
}

/** messageFor names the message of a kind, or undefined when the kind has no protobuf form. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  return mappings.kinds[`${apiVersion}/${kind}`] ?? mappings.anyVersionKinds[kind];
}

/**
 * Opaque runtime values (Quantity, URL, IP, CIDR, Semver, NamedFormat, optional). @bufbuild/cel
 * passes only its own value kinds through an evaluation, so each opaque type is a protobuf
 * message type made at load time (its full name is the CEL type name, as upstream's
 * `kubernetes.Quantity`), and the JavaScript value it stands for is kept beside the message.
 */
import { create, createFileRegistry, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { reflect, isReflectMessage, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { objectType, type CelType as RuntimeType } from '@bufbuild/cel';

/** OPAQUE_NAMES are the CEL names of the opaque types, by package. */
const OPAQUE_NAMES: Readonly<Record<string, readonly string[]>> = {
  kubernetes: ['Quantity', 'URL', 'Semver', 'NamedFormat'],
  net: ['IP', 'CIDR'],
  '': ['optional_type'],
};

const TYPE_STRING = 9; // FieldDescriptorProto.Type.TYPE_STRING
const LABEL_OPTIONAL = 1;

function buildRegistry(): Registry {
  const files = Object.entries(OPAQUE_NAMES).map(([pkg, names]) =>
    create(FileDescriptorProtoSchema, {
      name: `kapi/cel/opaque_${pkg || 'root'}.proto`,
      package: pkg,
      syntax: 'proto3',
      messageType: names.map((name) => ({ name, field: [{ name: 'text', number: 1, type: TYPE_STRING, label: LABEL_OPTIONAL, jsonName: 'text' }] })),
    }),
  );
  return createFileRegistry(...files.map((f) => createFileRegistry(f, () => undefined)));
}

/** opaqueRegistry holds the message types of the opaque values (given to the CEL environment). */
export const opaqueRegistry: Registry = buildRegistry();

function desc(name: string): DescMessage {
  const d = opaqueRegistry.getMessage(name);
  if (!d) throw new Error(`internal: opaque type ${name} not registered`);
  return d;
}

/** OpaqueKind is the runtime descriptor of one opaque type. */
export class OpaqueKind<T> {
  readonly desc: DescMessage;
  readonly runtimeType: RuntimeType;
  private readonly payloads = new WeakMap<object, T>();

  constructor(readonly name: string) {
    this.desc = desc(name);
    this.runtimeType = objectType(this.desc);
  }

  /** wrap makes the CEL value standing for `payload`; `text` is what debugging shows. */
  wrap(payload: T, text = ''): ReflectMessage {
    const msg = create(this.desc, { text } as never);
    this.payloads.set(msg, payload);
    return reflect(this.desc, msg);
  }

  /** is tells whether a CEL value is of this opaque type. */
  is(v: unknown): v is ReflectMessage {
    return isReflectMessage(v) && v.desc.typeName === this.name;
  }

  /** unwrap returns the payload of a CEL value of this type (throws for any other value). */
  unwrap(v: unknown): T {
    if (this.is(v)) {
      const p = this.payloads.get(v.message);
      if (p !== undefined) return p;
    }
    throw new Error('no such overload');
  }
}

/** Optional is the payload of an optional value: present or not. */
export type Optional = { readonly present: true; readonly value: unknown } | { readonly present: false };

export const OPTIONAL = new OpaqueKind<Optional>('optional_type');

/** optionalOf makes a present optional value; optionalNone an absent one. */
export const optionalOf = (value: unknown) => OPTIONAL.wrap({ present: true, value }, 'optional');
export const optionalNone = () => OPTIONAL.wrap({ present: false }, 'optional.none');

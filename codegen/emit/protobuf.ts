import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import {
  ENVELOPE_MESSAGES,
  SPECIAL_MESSAGES,
  type FieldMapping,
  type MessageMapping,
  type ProtobufMappings,
  type SpecialType,
} from '../../src/protobuf/schema';
import type { Context } from '../context';
import { COMPONENT_REF_PREFIX, type Schema } from '../model';
import { header, type GeneratedFile } from './output';

/** PROTO_DIR is the include root of the vendored .proto files (their paths are import paths). */
const PROTO_DIR = 'schemas/proto';
/** K8S_PROTO_DIR holds the Kubernetes wire-format files; gnostic's OpenAPI protos beside it are not needed here. */
const K8S_PROTO_DIR = `${PROTO_DIR}/k8s.io`;
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** ANY_VERSION_KINDS are served by every group-version (metav1.AddToGroupVersion): one message whatever the apiVersion. */
const ANY_VERSION_KINDS: Readonly<Record<string, string>> = {
  DeleteOptions: `${META}.DeleteOptions`,
  Status: `${META}.Status`,
  WatchEvent: `${META}.WatchEvent`,
};
/** EXTRA_KINDS are served as subresource bodies even where a resource table row does not name them. */
const EXTRA_KINDS: readonly { apiVersion: string; kind: string }[] = [{ apiVersion: 'autoscaling/v1', kind: 'Scale' }];
/** CONNECT_OPTIONS matches the kinds of connect subresources, whose options travel in the query string. */
const CONNECT_OPTIONS = /Options$/;
/** SCALARS are the proto scalar types the codec reads and writes; the vendored files use no others. */
const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'double', 'bytes']);
/** TYPE_META_PROPERTIES are carried by the envelope (runtime.Unknown's typeMeta), not by a kind's message. */
const TYPE_META_PROPERTIES = ['apiVersion', 'kind'];
/** GO_FIELDS says, per message and proto field, what kind of Go field it is (see schemas/proto/README.md). */
const GO_FIELDS = `${PROTO_DIR}/go-fields.json`;
/** ZERO_TIME_SPECIALS decode a zero value (the empty message, Go's zero time) as absent already, which omitzero asks for. */
const ZERO_TIME_SPECIALS: readonly SpecialType[] = ['Time', 'MicroTime'];

/**
 * GoFieldClass is what the Go field behind a proto field is, as far as Go's JSON of a zero value
 * goes: `pointer` (a pointer, slice or map: JSON shows it whenever it is set, zero or not),
 * `omitempty` (a value field tagged omitempty: a zero scalar is left out, a struct never is),
 * `omitzero` (a value field tagged omitzero: left out when zero, structs included) and `value`
 * (a value field without either: JSON always shows it; inlined structs are values too).
 */
export type GoFieldClass = 'pointer' | 'omitempty' | 'omitzero' | 'value';
const GO_FIELD_CLASSES: readonly GoFieldClass[] = ['pointer', 'omitempty', 'omitzero', 'value'];

/** GoFields is schemas/proto/go-fields.json: message full name → proto field name → class. */
export interface GoFields {
  messages: Readonly<Record<string, Readonly<Record<string, GoFieldClass>>>>;
}

/** loadGoFields reads and checks schemas/proto/go-fields.json. */
export function loadGoFields(repoRoot: string): GoFields {
  const parsed = JSON.parse(fs.readFileSync(path.join(repoRoot, GO_FIELDS), 'utf8')) as { messages?: unknown };
  const messages = parsed.messages;
  if (!messages || typeof messages !== 'object') throw new Error(`protobuf: ${GO_FIELDS} has no "messages" object`);
  for (const [message, fields] of Object.entries(messages)) {
    for (const [field, cls] of Object.entries(fields as Record<string, unknown>)) {
      if (!GO_FIELD_CLASSES.includes(cls as GoFieldClass)) throw new Error(`protobuf: ${GO_FIELDS}: ${message}.${field} is ${JSON.stringify(cls)}, not one of ${GO_FIELD_CLASSES.join(', ')}`);
    }
  }
  return { messages: messages as GoFields['messages'] };
}

/**
 * emitProtobuf writes generated/protobuf/: the descriptors of the Kubernetes messages the served
 * kinds reach (protobufjs JSON, keys sorted) and, per kind and per reachable message, how each
 * proto field maps onto the JSON object. The mapping is derived by walking each proto message
 * beside its OpenAPI definition; a field that maps to no property, and is not an inlined struct,
 * fails generation naming the message and the field. Which zero values decode as absent comes
 * from goFields (schemas/proto/go-fields.json); a mapped field it has no entry for fails too.
 */
export function emitProtobuf(ctx: Context, goFields: GoFields = loadGoFields(ctx.inputs.root)): GeneratedFile[] {
  const root = loadProtoRoot(ctx.inputs.root);
  const walk = new MappingWalk(root, ctx.definitions, goFields);
  const kinds: Record<string, string> = {};
  for (const { apiVersion, kind, definition } of servedKinds(ctx)) {
    const message = walk.kind(definition, `${apiVersion} ${kind}`);
    const key = `${apiVersion}/${kind}`;
    if (kinds[key] && kinds[key] !== message) throw new Error(`protobuf: ${key} maps to both ${kinds[key]} and ${message}`);
    kinds[key] = message;
  }
  const anyVersionKinds: Record<string, string> = {};
  for (const [kind, definition] of Object.entries(ANY_VERSION_KINDS)) anyVersionKinds[kind] = walk.kind(definition, kind);
  walk.drain();

  const needed = new Set([...walk.reached(), ...ENVELOPE_MESSAGES]);
  for (const name of ENVELOPE_MESSAGES) lookupType(root, name, 'the codec');
  const descriptors = prune(root.toJSON({ keepComments: false }) as JsonObject, '', needed);
  const mappings: ProtobufMappings = { kinds, anyVersionKinds, messages: walk.mappings() };

  const inputs = [K8S_PROTO_DIR, GO_FIELDS, 'schemas/kubernetes'];
  return [
    {
      path: 'generated/protobuf/descriptors.ts',
      content:
        header('emit/protobuf', inputs) +
        `import type { DescriptorJson } from '../../src/protobuf/schema';\n\n` +
        `/** descriptors are the Kubernetes messages the served kinds reach, in protobufjs JSON form (Root.fromJSON). */\n` +
        `export const descriptors: DescriptorJson = ${stableJson(descriptors, (v) => 'fields' in v)};\n`,
    },
    {
      path: 'generated/protobuf/mappings.ts',
      content:
        header('emit/protobuf', inputs) +
        `import type { ProtobufMappings } from '../../src/protobuf/schema';\n\n` +
        `/** mappings says, per served kind and per reachable message, where each proto field lives in the JSON object. */\n` +
        `export const mappings: ProtobufMappings = ${stableJson(mappings, (v) => 'proto' in v)};\n`,
    },
  ];
}

type JsonObject = { [key: string]: unknown };

/** loadProtoRoot parses every Kubernetes .proto file with the include root schemas/proto. */
export function loadProtoRoot(repoRoot: string): protobuf.Root {
  const base = path.join(repoRoot, PROTO_DIR);
  const files = listProtoFiles(path.join(repoRoot, K8S_PROTO_DIR)).map((f) => path.relative(base, f).split(path.sep).join('/'));
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(base, target);
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function listProtoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listProtoFiles(p));
    else if (e.name.endsWith('.proto')) out.push(p);
  }
  return out.sort();
}

interface ServedKind {
  apiVersion: string;
  kind: string;
  definition: string;
}

/** servedKinds lists each kind the resource table serves (resources, their lists, subresource bodies). */
function servedKinds(ctx: Context): ServedKind[] {
  const out = new Map<string, ServedKind>();
  const add = (group: string, version: string, kind: string, definition: string | undefined, why: string) => {
    const apiVersion = group ? `${group}/${version}` : version;
    if (!definition) throw new Error(`protobuf: ${apiVersion} ${kind} (${why}) has no OpenAPI definition`);
    out.set(`${apiVersion}/${kind}`, { apiVersion, kind, definition });
  };
  for (const gv of ctx.groupVersions) {
    for (const r of gv.resources) {
      // Custom resources have no protobuf form, as upstream.
      if (r.custom) continue;
      add(r.group, r.version, r.kind, r.schema, r.plural);
      if (r.verbs.includes('list')) {
        add(r.group, r.version, r.listKind, definitionOf(ctx.definitions, r.group, r.version, r.listKind), `${r.plural} list`);
      }
      for (const s of r.subresources) {
        // connect subresources (exec, attach, proxy ...) read PodExecOptions & co. from the query: no body to encode
        if (CONNECT_OPTIONS.test(s.kind)) continue;
        const definition = definitionOf(ctx.definitions, s.group, s.version, s.kind);
        add(s.group, s.version, s.kind, definition, `${r.plural}/${s.name}`);
      }
    }
  }
  for (const { apiVersion, kind } of EXTRA_KINDS) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    add(group, version, kind, definitionOf(ctx.definitions, group, version, kind), 'extra kind');
  }
  const key = (k: ServedKind) => `${k.apiVersion}/${k.kind}`;
  return [...out.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** definitionOf finds the definition carrying a group-version-kind, preferring a group's own over meta/v1's. */
function definitionOf(defs: Map<string, Schema>, group: string, version: string, kind: string): string | undefined {
  const matches: string[] = [];
  for (const [name, s] of defs) {
    if (s['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind)) matches.push(name);
  }
  const own = matches.filter((n) => n.endsWith(`.${kind}`) && !n.startsWith('io.k8s.apimachinery.'));
  return own.sort()[0] ?? matches.sort()[0];
}

/** messageNameOf turns an OpenAPI definition name into the proto message name (`io.k8s.api.core.v1.Pod` → `k8s.io.api.core.v1.Pod`). */
function messageNameOf(definition: string): string {
  const m = /^io\.k8s\.(.+)$/.exec(definition);
  if (!m) throw new Error(`protobuf: definition ${definition} is not a Kubernetes type`);
  return `k8s.io.${m[1].replace(/-/g, '_')}`;
}

function fullName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

function lookupType(root: protobuf.Root, name: string, why: string): protobuf.Type {
  const t = root.lookup(name);
  if (!(t instanceof protobuf.Type)) throw new Error(`protobuf: ${why} needs message ${name}, which the .proto files do not define`);
  return t;
}

function refOf(s: Schema | undefined): string | undefined {
  if (!s) return undefined;
  const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return ref?.startsWith(COMPONENT_REF_PREFIX) ? ref.slice(COMPONENT_REF_PREFIX.length) : undefined;
}

/** normalized compares names the way proto and JSON spellings of one Go field differ: case and punctuation (uID/uid, ref/$ref, xKubernetesEmbeddedResource/x-kubernetes-embedded-resource). */
function normalized(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function isStringArray(s: Schema | undefined): boolean {
  return s?.type === 'array' && s.items?.type === 'string';
}

interface Pending {
  type: protobuf.Type;
  definition: string;
  via: string;
}

/** MappedFields is the outcome of mapping one message onto one definition, applied only if it succeeds. */
interface MappedFields {
  fields: FieldMapping[];
  /** claimed are the definition's properties the fields (inlined ones included) account for. */
  claimed: Set<string>;
  /** newer are proto fields the definition does not know: see #mapFields. */
  newer: string[];
  /** inlined are the mappings of structs inlined into this message, by message name. */
  inlined: Map<string, MessageMapping>;
  pending: Pending[];
}

/**
 * MappingWalk walks proto messages beside their OpenAPI definitions, breadth first, and records
 * one MessageMapping per message.
 */
class MappingWalk {
  readonly #messages = new Map<string, MessageMapping>();
  readonly #queue: Pending[] = [];
  readonly #root: protobuf.Root;
  readonly #defs: Map<string, Schema>;
  readonly #goFields: GoFields;

  constructor(root: protobuf.Root, defs: Map<string, Schema>, goFields: GoFields) {
    this.#root = root;
    this.#defs = defs;
    this.#goFields = goFields;
  }

  /** kind queues a kind's message and returns its name. */
  kind(definition: string, why: string): string {
    const name = messageNameOf(definition);
    const type = lookupType(this.#root, name, why);
    this.#queue.push({ type, definition, via: why });
    return name;
  }

  drain(): void {
    for (let p = this.#queue.shift(); p; p = this.#queue.shift()) this.#visit(p);
  }

  mappings(): Record<string, MessageMapping> {
    const out: Record<string, MessageMapping> = {};
    for (const name of [...this.#messages.keys()].sort()) out[name] = this.#messages.get(name)!;
    return out;
  }

  /**
   * reached lists every message the mapped messages use through any field, so the descriptors
   * are complete (a field newer than the OpenAPI documents still resolves to its type).
   */
  reached(): Set<string> {
    const out = new Set<string>();
    const add = (t: protobuf.Type) => {
      const name = fullName(t);
      if (out.has(name)) return;
      out.add(name);
      for (const f of t.fieldsArray) if (f.resolvedType instanceof protobuf.Type) add(f.resolvedType);
    };
    for (const name of this.#messages.keys()) add(lookupType(this.#root, name, 'the walk'));
    return out;
  }

  #visit(p: Pending): void {
    const name = fullName(p.type);
    const known = this.#messages.get(name);
    if (known?.definition === p.definition) return;
    const def = this.#defs.get(p.definition);
    if (!def) throw new Error(`protobuf: ${p.via}: definition ${p.definition} is missing`);
    const mapped = this.#mapFields(p.type, def, p.definition);
    if (mapped.claimed.size === 0 && p.type.fieldsArray.length > 0) throw new Error(`protobuf: ${name} matches none of the properties of ${p.definition} (${p.via})`);
    const mapping: MessageMapping = { definition: p.definition, fields: mapped.fields };
    if (mapped.newer.length) mapping.notInOpenAPI = mapped.newer;
    const isKind = (def['x-kubernetes-group-version-kind'] ?? []).length > 0;
    const notInProto = Object.keys(def.properties ?? {})
      .filter((prop) => !mapped.claimed.has(prop) && !(isKind && TYPE_META_PROPERTIES.includes(prop)))
      .sort();
    if (notInProto.length) mapping.notInProto = notInProto;
    if (known) {
      // Met before inlined, or under another definition name (networking/v1beta1's
      // IngressLoadBalancerStatus is core/v1's LoadBalancerStatus in the older OpenAPI
      // document): the fields must map the same way. The first definition is kept.
      this.#checkSame(name, known, mapping, p.via);
      if (known.definition !== undefined) return;
    }
    this.#commit(name, mapping, mapped);
  }

  #commit(name: string, mapping: MessageMapping, mapped: MappedFields): void {
    this.#messages.set(name, mapping);
    for (const [sub, m] of mapped.inlined) {
      const known = this.#messages.get(sub);
      if (known) this.#checkSame(sub, known, m, `inlined into ${name}`);
      else this.#messages.set(sub, m);
    }
    this.#queue.push(...mapped.pending);
  }

  #checkSame(name: string, a: MessageMapping, b: MessageMapping, via: string): void {
    if (JSON.stringify(a.fields) !== JSON.stringify(b.fields) || JSON.stringify(a.notInOpenAPI) !== JSON.stringify(b.notInOpenAPI)) {
      throw new Error(`protobuf: ${name} maps onto its JSON objects in two different ways (${via})`);
    }
  }

  /** goClass looks a mapped field up in go-fields.json, and fails naming it when it is not there. */
  #goClass(msgName: string, f: protobuf.Field, where: string): GoFieldClass {
    const fields = Object.hasOwn(this.#goFields.messages, msgName) ? this.#goFields.messages[msgName] : undefined;
    const cls = fields && Object.hasOwn(fields, f.name) ? fields[f.name] : undefined;
    if (cls === undefined) throw new Error(`protobuf: ${where} has no entry in ${GO_FIELDS}, so whether its zero value means "absent" is unknown`);
    return cls;
  }

  /**
   * isOmitEmpty tells whether a zero value of the field on the wire decodes as absent: a singular
   * scalar whose Go field is a value tagged omitempty or omitzero. Go's encoding/json never omits
   * a struct for omitempty (`strategy: {}`), and shows a pointer, slice or map whenever it is set,
   * so those keep what the wire holds. omitzero on a message is accepted only for Time and
   * MicroTime, whose zero the codec already decodes as absent (ObjectMeta.creationTimestamp).
   */
  #isOmitEmpty(msgName: string, f: protobuf.Field, special: SpecialType | undefined, where: string): boolean {
    const cls = this.#goClass(msgName, f, where);
    if (f.repeated || f.map) {
      if (cls !== 'pointer') throw new Error(`protobuf: ${where} is repeated, but ${GO_FIELDS} says its Go field is ${cls}, not a slice or map`);
      return false;
    }
    if (f.resolvedType instanceof protobuf.Type) {
      if (cls === 'omitzero' && !(special && ZERO_TIME_SPECIALS.includes(special))) {
        throw new Error(`protobuf: ${where}: omitzero on a message other than Time or MicroTime is not supported by the codec`);
      }
      return false;
    }
    return cls === 'omitempty' || cls === 'omitzero';
  }

  /** sharesProperty tells whether a field of sub has the name (or the spelling) of one of props. */
  #sharesProperty(sub: protobuf.Type, props: Record<string, Schema>): boolean {
    const names = new Set(Object.keys(props).map(normalized));
    return sub.fieldsArray.some((f) => names.has(normalized(f.name)));
  }

  /**
   * mapFields maps each field of type onto the properties of def: the type's own definition, or,
   * for a struct inlined into another, the definition of the object it is inlined into. It has no
   * effect on the walk; the caller commits what it returns.
   *
   * A field is, in this order: the property of the same name; the one property whose name differs
   * only in case and punctuation; or, for a singular message, an inlined struct all of whose
   * fields map onto def (one that shares no property name with def is not inlined; one that shares
   * some must map entirely). A field that is none of these is accepted only when its number is above
   * every number that did map: the vendored OpenAPI documents (Kubernetes 1.30-1.32) predate the
   * .proto files (1.35), and go-to-protobuf numbers a new Go field after the existing ones. Such a
   * field is listed in notInOpenAPI (the codec skips it, as an older kube-apiserver skips a field
   * number it does not know). Any other field fails generation, naming the message and the field.
   */
  #mapFields(type: protobuf.Type, def: Schema, defName: string): MappedFields {
    const msgName = fullName(type);
    const props = def.properties ?? {};
    const protoNames = new Set(type.fieldsArray.map((f) => f.name));
    const out: MappedFields = { fields: [], claimed: new Set(), newer: [], inlined: new Map(), pending: [] };
    const unmatched: { field: protobuf.Field; why: string }[] = [];
    const where = (f: protobuf.Field) => `${msgName}.${f.name} (field ${f.id}, JSON ${defName})`;
    const claim = (prop: string, f: protobuf.Field) => {
      if (out.claimed.has(prop)) throw new Error(`protobuf: ${where(f)}: property ${prop} is claimed twice`);
      out.claimed.add(prop);
    };
    let maxMapped = 0;
    for (const f of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
      const special = specialOf(f, where(f));
      let json: string | undefined;
      if (Object.hasOwn(props, f.name)) json = f.name;
      else {
        const candidates = Object.keys(props).filter((p) => !protoNames.has(p) && normalized(p) === normalized(f.name));
        if (candidates.length > 1) throw new Error(`protobuf: ${where(f)} matches several properties: ${candidates.join(', ')}`);
        json = candidates[0];
      }
      if (json !== undefined) {
        claim(json, f);
        const mapping: FieldMapping = { proto: f.name, json };
        if (this.#isOmitEmpty(msgName, f, special, where(f))) mapping.omitEmpty = true;
        if (special) {
          mapping.special = special;
          if (special === 'StringList') checkStringList(f, props[json], where(f));
        } else if (f.resolvedType instanceof protobuf.Type) {
          out.pending.push(pendingField(f, props[json], where(f)));
        }
        out.fields.push(mapping);
        maxMapped = f.id;
        continue;
      }
      const sub = f.resolvedType;
      if (!(sub instanceof protobuf.Type) || special || f.repeated || f.map) {
        unmatched.push({ field: f, why: 'no property of the definition matches it' });
        continue;
      }
      if (!this.#sharesProperty(sub, props)) {
        unmatched.push({ field: f, why: `no property matches it, and none of ${fullName(sub)}'s fields is a property of ${defName} (so it is no inlined struct)` });
        continue;
      }
      // An embedded Go struct (json:",inline"): its fields are properties of this object, and
      // one of them that maps nowhere fails generation (naming that inner field).
      const cls = this.#goClass(msgName, f, where(f));
      if (cls !== 'value') throw new Error(`protobuf: ${where(f)} looks like an inlined struct, but ${GO_FIELDS} says its Go field is ${cls}`);
      const inner = this.#mapFields(sub, def, defName);
      for (const c of inner.claimed) claim(c, f);
      const subMapping: MessageMapping = { fields: inner.fields };
      if (inner.newer.length) subMapping.notInOpenAPI = inner.newer;
      out.inlined.set(fullName(sub), subMapping);
      for (const [n, m] of inner.inlined) out.inlined.set(n, m);
      out.pending.push(...inner.pending);
      out.fields.push({ proto: f.name, inline: true });
      maxMapped = f.id;
    }
    for (const { field, why } of unmatched) {
      if (field.id < maxMapped) throw new Error(`protobuf: cannot map ${where(field)}: ${why}`);
      out.newer.push(field.name);
    }
    return out;
  }
}

/** specialOf classifies a field's (element's) type, and fails on types the codec does not handle. */
function specialOf(f: protobuf.Field, where: string): SpecialType | undefined {
  if (f instanceof protobuf.MapField && f.keyType !== 'string') throw new Error(`protobuf: ${where}: map keys of type ${f.keyType} are not supported`);
  const t = f.resolvedType;
  if (t instanceof protobuf.Enum) throw new Error(`protobuf: ${where}: enum fields are not supported`);
  if (!(t instanceof protobuf.Type)) {
    if (!SCALARS.has(f.type)) throw new Error(`protobuf: ${where}: scalar type ${f.type} is not supported`);
    return f.type === 'bytes' ? 'Bytes' : undefined;
  }
  const name = fullName(t);
  const special = SPECIAL_MESSAGES[name];
  if (special) {
    for (const [fieldName, want] of Object.entries(special.fields)) {
      const got = t.fields[fieldName];
      const gotType = got?.resolvedType ? got.resolvedType.name : got?.type;
      if (!got || got.id !== want.id || gotType !== want.type || got.repeated !== !!want.repeated) {
        throw new Error(`protobuf: ${where}: ${name}.${fieldName} is not ${want.repeated ? 'repeated ' : ''}${want.type} = ${want.id}, which the ${special.special} conversion relies on`);
      }
    }
    if (t.fieldsArray.length !== Object.keys(special.fields).length) throw new Error(`protobuf: ${where}: ${name} has fields the ${special.special} conversion does not know`);
    return special.special;
  }
  const only = t.fieldsArray[0];
  if (t.fieldsArray.length === 1 && only.name === 'items' && only.id === 1 && only.repeated && only.type === 'string') return 'StringList';
  return undefined;
}

function checkStringList(f: protobuf.Field, prop: Schema | undefined, where: string): void {
  const element = f.map ? (typeof prop?.additionalProperties === 'object' ? prop.additionalProperties : undefined) : prop;
  if (!isStringArray(element)) throw new Error(`protobuf: ${where}: a wrapper of repeated strings whose JSON is not an array of strings`);
}

/** pendingField is the walk step for a non-special message field: its message, with the definition its property refers to. */
function pendingField(f: protobuf.Field, prop: Schema | undefined, where: string): Pending {
  const element = f.map ? (typeof prop?.additionalProperties === 'object' ? prop.additionalProperties : undefined) : f.repeated ? prop?.items : prop;
  const ref = refOf(element);
  if (!ref) throw new Error(`protobuf: ${where}: a message field whose JSON property refers to no definition`);
  return { type: f.resolvedType as protobuf.Type, definition: ref, via: where };
}

/** prune keeps the namespaces and messages in needed, and drops file options the codec has no use for. */
function prune(ns: JsonObject, prefix: string, needed: Set<string>): JsonObject | undefined {
  const nested = ns.nested as Record<string, JsonObject> | undefined;
  if (!nested) return undefined;
  const kept: Record<string, JsonObject> = {};
  for (const [key, child] of Object.entries(nested)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child.fields) {
      if (needed.has(name)) kept[key] = child;
      continue;
    }
    const sub = prune(child, name, needed);
    if (sub) kept[key] = sub;
  }
  return Object.keys(kept).length ? { nested: kept } : undefined;
}

/**
 * stableJson renders JSON with object keys sorted at every level, so output never depends on
 * insertion order. Objects that isLeaf accepts (one message descriptor, one field mapping) are
 * written on one line: a change to the schemas then shows as a change of the lines it touches.
 */
function stableJson(value: unknown, isLeaf: (v: JsonObject) => boolean, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + stableJson(v, isLeaf, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const obj = value as JsonObject;
    const keys = Object.keys(obj).sort();
    if (isLeaf(obj)) return `{${keys.map((k) => `${JSON.stringify(k)}: ${stableJson(obj[k], () => true)}`).join(', ')}}`;
    if (keys.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${stableJson(obj[k], isLeaf, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

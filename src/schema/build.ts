import { definitionOfRef, type OpenAPISchema } from './openapi';
import type { ListNode, MapNode, ScalarNode, StructNode, TypeName, TypeNode, TypeRef, TypeTable, UntypedNode } from './typeinfo';

/** TypeRoot names a kind's root definition: `key` is kindKey(group, version, kind). */
export interface TypeRoot {
  key: string;
  definition: string;
}

/** BuildOptions tunes buildTypeTable. */
export interface BuildOptions {
  /**
   * patchMetadata marks the table as carrying the patch strategies of Go struct tags (true for
   * built-in kinds, whose OpenAPI extensions are generated from those tags); see TypeTable.
   */
  patchMetadata?: boolean;
}

/** Definitions is the named schema set refs resolve against. */
export type Definitions = ReadonlyMap<string, OpenAPISchema> | Readonly<Record<string, OpenAPISchema>>;

/**
 * buildTypeTable derives the TypeInfo nodes of a set of kinds from their OpenAPI v3 schemas. It
 * runs at generation time on the built-in definitions and at run time on a CRD's
 * openAPIV3Schema (registered under a made-up definition name), so it reads only what both
 * carry:
 *
 * - `$ref` (and a one-element `allOf` wrapping it, Kubernetes' way of giving a ref siblings) is
 *   a named node; definitions are converted once each and only when reachable from a root. When
 *   the wrapper adds x-kubernetes-patch-strategy (or merge key) or x-kubernetes-map-type, the
 *   field gets an inline copy of the referenced node with that override.
 * - `properties` is a struct, `additionalProperties` a map, `items` (or `type: array`) a list
 *   with its list type, map keys, patch strategy and merge key.
 * - int-or-string (format or x-kubernetes-int-or-string) and Quantity (`oneOf` of scalars) are
 *   scalars.
 * - `type: object` with neither properties nor additionalProperties (RawExtension, FieldsV1,
 *   a preserve-unknown-fields object in a CRD) is a map of untyped values, as kube-openapi's
 *   proto model reads it; a schema with no structure at all (apiextensions JSON) is untyped.
 *
 * A `$ref` to a missing definition stays a name, which resolve() reads as untyped. Names are
 * definition names, plus `<definition>#<overrides>` for a definition that refers to itself
 * through a field override (only upstream's test schema does).
 */
export function buildTypeTable(definitions: Definitions, roots: readonly TypeRoot[], options: BuildOptions = {}): TypeTable {
  const builder = new Builder(definitionLookup(definitions));
  const kinds = new Map<string, TypeName>();
  for (const root of roots) {
    kinds.set(root.key, root.definition);
    builder.want(root.definition);
  }
  builder.drain();
  const table: TypeTable = { types: sortedRecord(builder.types), kinds: sortedRecord(kinds) };
  if (options.patchMetadata) table.patchMetadata = true;
  return table;
}

function definitionLookup(definitions: Definitions): (name: string) => OpenAPISchema | undefined {
  if (isReadonlyMap(definitions)) return (name) => definitions.get(name);
  return (name) => (Object.hasOwn(definitions, name) ? definitions[name] : undefined);
}

function isReadonlyMap(d: Definitions): d is ReadonlyMap<string, OpenAPISchema> {
  return d instanceof Map;
}

/** STRUCTURAL_KEYWORDS are the keywords that give a schema a shape of its own, beside any allOf. */
const STRUCTURAL_KEYWORDS = ['type', 'properties', 'additionalProperties', 'items', '$ref'] as const;

interface Overrides {
  patchStrategy?: string;
  patchMergeKey?: string;
  mapType?: 'granular' | 'atomic';
}

/** VARIANT_SEPARATOR joins a definition name and its overrides in the name of a variant. */
export const VARIANT_SEPARATOR = '#';

class Builder {
  readonly types = new Map<TypeName, TypeNode>();
  private readonly pending: TypeName[] = [];
  private readonly queued = new Set<TypeName>();
  /** variants are definitions seen through overrides inside themselves, by variant name. */
  private readonly variants = new Map<TypeName, { base: TypeName; overrides: Overrides }>();
  /** expanding holds the definitions being converted, to tell a recursive override. */
  private readonly expanding = new Set<TypeName>();

  constructor(private readonly lookup: (name: string) => OpenAPISchema | undefined) {}

  want(name: TypeName): void {
    if (this.queued.has(name)) return;
    this.queued.add(name);
    this.pending.push(name);
  }

  drain(): void {
    for (let name = this.pending.pop(); name !== undefined; name = this.pending.pop()) {
      const variant = this.variants.get(name);
      const node = variant ? this.expand(variant.base) : this.expand(name);
      if (node) this.types.set(name, variant ? withOverrides(node, variant.overrides) : node);
    }
  }

  /** expand converts a definition, marking it as being converted. */
  private expand(name: TypeName): TypeNode | undefined {
    const schema = this.lookup(name);
    if (!schema) return undefined;
    this.expanding.add(name);
    try {
      return this.node(schema);
    } finally {
      this.expanding.delete(name);
    }
  }

  /** ref converts a schema in a field, item or value position: a name where it is one. */
  private ref(s: OpenAPISchema): TypeRef {
    if (typeof s.$ref === 'string') return this.named(s.$ref, s);
    const wrapped = wrappedSchema(s);
    if (wrapped) {
      const inner = this.ref(wrapped);
      const overrides = overridesOf(s);
      if (!overrides) return inner;
      return this.override(inner, overrides);
    }
    return this.node(s);
  }

  private named(ref: string, s: OpenAPISchema): TypeRef {
    const name = definitionOfRef(ref);
    if (name === undefined) return { kind: 'untyped' };
    this.want(name);
    const overrides = overridesOf(s);
    return overrides ? this.override(name, overrides) : name;
  }

  /**
   * override is the node a field needs when its wrapper changes the referenced one: an inline
   * copy, or, when the definition refers to itself through the override (a copy would never
   * end), a named variant `<definition>#<overrides>`.
   */
  private override(inner: TypeRef, o: Overrides): TypeRef {
    if (typeof inner !== 'string') return withOverrides(inner, o);
    if (this.expanding.has(inner)) {
      const name = `${inner}${VARIANT_SEPARATOR}${overridesKey(o)}`;
      if (!this.variants.has(name)) this.variants.set(name, { base: inner, overrides: o });
      this.want(name);
      return name;
    }
    const base = this.expand(inner);
    return base ? withOverrides(base, o) : inner;
  }

  /** node converts a schema into the node it describes (never a name). */
  node(s: OpenAPISchema): TypeNode {
    if (typeof s.$ref === 'string' || (!hasStructure(s) && s.allOf?.length)) {
      // A definition that is only a ref or wrapper: its node is the referenced one's.
      const r = this.ref(s);
      return typeof r === 'string' ? this.nodeOf(r) : r;
    }
    if (s['x-kubernetes-int-or-string'] === true || s.format === 'int-or-string') return scalar('int-or-string');
    const type = s.type;
    if (type === 'array' || (type === undefined && s.items)) return this.list(s);
    if (type === 'object' || (type === undefined && (s.properties || isSchema(s.additionalProperties)))) return this.object(s);
    if (type !== undefined) return scalar(type);
    const alternative = scalarAlternative(s);
    if (alternative) return scalar(alternative);
    const untyped: UntypedNode = { kind: 'untyped' };
    return untyped;
  }

  private nodeOf(name: TypeName): TypeNode {
    return (this.expanding.has(name) ? undefined : this.expand(name)) ?? { kind: 'untyped' };
  }

  private list(s: OpenAPISchema): ListNode {
    const node: ListNode = { kind: 'list', items: s.items ? this.ref(s.items) : { kind: 'untyped' }, listType: listTypeOf(s) };
    const keys = s['x-kubernetes-list-map-keys'];
    if (node.listType === 'map' && Array.isArray(keys)) node.mapKeys = [...keys];
    const strategy = s['x-kubernetes-patch-strategy'];
    if (typeof strategy === 'string') node.patchStrategy = strategy;
    const mergeKey = s['x-kubernetes-patch-merge-key'];
    if (typeof mergeKey === 'string') node.patchMergeKey = mergeKey;
    return node;
  }

  private object(s: OpenAPISchema): StructNode | MapNode {
    const mapType = s['x-kubernetes-map-type'] === 'atomic' ? 'atomic' : 'granular';
    const props = s.properties;
    if ((props && Object.keys(props).length > 0) || s['x-kubernetes-embedded-resource'] === true) {
      const fields = new Map<string, TypeRef>();
      for (const [name, field] of Object.entries(props ?? {})) fields.set(name, this.ref(field));
      const node: StructNode = { kind: 'struct', fields: sortedRecord(fields), mapType };
      // Scalar defaults fill missing list-map key fields (a port's protocol is TCP when unsaid),
      // so an applied item and the defaulted live item have the same key, as upstream's.
      const defaults = new Map<string, unknown>();
      for (const [name, field] of Object.entries(props ?? {})) {
        const d = (field as { default?: unknown }).default;
        if (d !== undefined && (d === null || typeof d !== 'object')) defaults.set(name, d);
      }
      if (defaults.size) node.defaults = sortedRecord(defaults);
      if (s['x-kubernetes-preserve-unknown-fields'] === true) node.preserveUnknownFields = true;
      if (s['x-kubernetes-embedded-resource'] === true) node.embeddedResource = true;
      return node;
    }
    const values: TypeRef = isSchema(s.additionalProperties) ? this.ref(s.additionalProperties) : { kind: 'untyped' };
    return { kind: 'map', values, mapType };
  }
}

function withOverrides(base: TypeNode, o: Overrides): TypeNode {
  const copy: TypeNode = { ...base };
  if (o.patchStrategy !== undefined && copy.kind !== 'scalar') copy.patchStrategy = o.patchStrategy;
  if (o.patchMergeKey !== undefined && copy.kind === 'struct') copy.patchMergeKey = o.patchMergeKey;
  if (o.mapType && (copy.kind === 'struct' || copy.kind === 'map')) copy.mapType = o.mapType;
  return copy;
}

/** overridesKey renders overrides for a variant name: `mapType=atomic,patchStrategy=merge`. */
function overridesKey(o: Overrides): string {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(',');
}

function scalar(type: string): ScalarNode {
  return { kind: 'scalar', type };
}

function isSchema(v: unknown): v is OpenAPISchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasStructure(s: OpenAPISchema): boolean {
  return STRUCTURAL_KEYWORDS.some((k) => s[k] !== undefined) || s.format === 'int-or-string' || s['x-kubernetes-int-or-string'] === true;
}

/**
 * wrappedSchema returns the schema an `allOf` wraps when the allOf is what gives the schema its
 * shape (`allOf: [{$ref}]` beside a description or default). Beside a shape of its own, allOf
 * only adds validation (CRD schemas) and is ignored.
 */
function wrappedSchema(s: OpenAPISchema): OpenAPISchema | undefined {
  if (hasStructure(s)) return undefined;
  const first = s.allOf?.[0];
  return isSchema(first) ? first : undefined;
}

function overridesOf(s: OpenAPISchema): Overrides | undefined {
  const o: Overrides = {};
  const strategy = s['x-kubernetes-patch-strategy'];
  if (typeof strategy === 'string') o.patchStrategy = strategy;
  const mergeKey = s['x-kubernetes-patch-merge-key'];
  if (typeof mergeKey === 'string') o.patchMergeKey = mergeKey;
  const mapType = s['x-kubernetes-map-type'];
  if (mapType === 'atomic' || mapType === 'granular') o.mapType = mapType;
  return o.patchStrategy !== undefined || o.patchMergeKey !== undefined || o.mapType !== undefined ? o : undefined;
}

function listTypeOf(s: OpenAPISchema): ListNode['listType'] {
  const t = s['x-kubernetes-list-type'];
  return t === 'set' || t === 'map' ? t : 'atomic';
}

/** scalarAlternative reads `oneOf`/`anyOf` of scalar types (Quantity: string or number) as its first type. */
function scalarAlternative(s: OpenAPISchema): string | undefined {
  const alternatives = s.oneOf ?? s.anyOf;
  if (!alternatives?.length) return undefined;
  const types = alternatives.map((a) => a.type);
  if (types.some((t) => t === undefined || t === 'object' || t === 'array')) return undefined;
  return types[0];
}

/** sortedRecord renders a map as a record in key order (fromEntries: a `__proto__` key stays a key). */
function sortedRecord<T>(m: ReadonlyMap<string, T>): Record<string, T> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

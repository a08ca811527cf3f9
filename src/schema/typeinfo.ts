/**
 * TypeInfo is the structure of a kind as merge algorithms need it: which fields are structs,
 * maps and lists, and how lists merge (x-kubernetes-list-type, list-map-keys, patch strategy and
 * merge key). It is derived from the OpenAPI definitions of built-in kinds at generation time
 * and from a CRD's structural schema at run time, by the same function, so strategic merge
 * patch, server-side apply and field validation all see the same structure.
 */

/** TypeName names a node in a TypeTable (definition names for built-ins, synthetic for CRDs). */
export type TypeName = string;

/** TypeRef is either a named node or an inline node. */
export type TypeRef = TypeName | TypeNode;

export type TypeNode = ScalarNode | StructNode | MapNode | ListNode | UntypedNode;

/** ScalarNode: strings, numbers, booleans, int-or-string, quantities, times. */
export interface ScalarNode {
  kind: 'scalar';
  /** type is the JSON type ('string', 'integer', 'number', 'boolean', 'int-or-string'). */
  type: string;
}

/** StructNode is an object with named fields (OpenAPI `properties`). */
export interface StructNode {
  kind: 'struct';
  fields: Readonly<Record<string, TypeRef>>;
  /** elementRelationship: atomic structs are replaced whole (x-kubernetes-map-type: atomic). */
  mapType: 'granular' | 'atomic';
  /** preserveUnknownFields keeps fields not in `fields` (x-kubernetes-preserve-unknown-fields). */
  preserveUnknownFields?: boolean;
  /** embeddedResource marks x-kubernetes-embedded-resource (apiVersion, kind, metadata implied). */
  embeddedResource?: boolean;
  /** defaults are the scalar OpenAPI defaults of fields (server-side apply reads them for map keys). */
  defaults?: Readonly<Record<string, unknown>>;
  /**
   * patchStrategy is the x-kubernetes-patch-strategy of the field holding this struct
   * ('retainKeys' on Deployment spec.strategy, 'replace'). Only inline nodes carry it: the
   * builder copies a named struct when a field's `allOf` wrapper adds a strategy.
   */
  patchStrategy?: string;
  /**
   * patchMergeKey is the x-kubernetes-patch-merge-key of the field holding this struct. No
   * Kubernetes type has one; Go's strategic merge patch honours it on a pointer-to-struct field
   * that a patch fills with a list (upstream's own tests do).
   */
  patchMergeKey?: string;
}

/** MapNode is an object with arbitrary keys (OpenAPI `additionalProperties`). */
export interface MapNode {
  kind: 'map';
  values: TypeRef;
  mapType: 'granular' | 'atomic';
  /** patchStrategy is the x-kubernetes-patch-strategy of the field holding this map (see StructNode). */
  patchStrategy?: string;
}

/** ListNode is an array. */
export interface ListNode {
  kind: 'list';
  items: TypeRef;
  /** listType is x-kubernetes-list-type; 'atomic' when absent. */
  listType: 'atomic' | 'set' | 'map';
  /** mapKeys is x-kubernetes-list-map-keys for listType 'map'. */
  mapKeys?: readonly string[];
  /** patchStrategy is x-kubernetes-patch-strategy ('merge', 'retainKeys', 'merge,retainKeys', 'replace'). */
  patchStrategy?: string;
  /** patchMergeKey is x-kubernetes-patch-merge-key. */
  patchMergeKey?: string;
}

/** UntypedNode is anything whose structure is unknown (RawExtension, JSON, free-form objects). */
export interface UntypedNode {
  kind: 'untyped';
  /** patchStrategy is the x-kubernetes-patch-strategy of the field holding this value (see StructNode). */
  patchStrategy?: string;
}

/**
 * TypeTable holds the nodes of a set of kinds. `kinds` maps `group/version/Kind` (core group
 * as `/v1/Pod`) to the root node's name.
 */
export interface TypeTable {
  types: Readonly<Record<TypeName, TypeNode>>;
  kinds: Readonly<Record<string, TypeName>>;
  /**
   * patchMetadata is true when patch strategies and merge keys are those of the kinds' Go struct
   * tags (built-in kinds), so strategic merge patch applies. A table built from a CRD schema
   * leaves it unset: kube-apiserver refuses strategic merge patch for custom resources (415).
   */
  patchMetadata?: boolean;
}

/** resolve follows a TypeRef to its node; an unknown name is untyped. */
export function resolve(table: TypeTable, ref: TypeRef | undefined): TypeNode {
  if (ref === undefined) return { kind: 'untyped' };
  if (typeof ref !== 'string') return ref;
  return table.types[ref] ?? { kind: 'untyped' };
}

/** kindKey renders the key of `kinds` for a group, version and kind. */
export function kindKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

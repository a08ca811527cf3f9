/**
 * OpenAPISchema is the part of an OpenAPI v3 schema object that structure is read from, as
 * Kubernetes writes it: the definitions of built-in kinds (`components.schemas`, joined by
 * `$ref` and `allOf` wrappers) and a CRD's `openAPIV3Schema` (inline, no `$ref`). Every other
 * keyword passes through the index signature unread, so the generator's richer Schema type and
 * a decoded CRD both fit.
 */
export interface OpenAPISchema {
  type?: string;
  format?: string;
  properties?: Readonly<Record<string, OpenAPISchema>>;
  additionalProperties?: OpenAPISchema | boolean;
  items?: OpenAPISchema;
  allOf?: readonly OpenAPISchema[];
  oneOf?: readonly OpenAPISchema[];
  anyOf?: readonly OpenAPISchema[];
  $ref?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: readonly string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [keyword: string]: unknown;
}

/** REF_PREFIXES are the JSON pointers a `$ref` may start with (OpenAPI v3, then v2). */
export const REF_PREFIXES = ['#/components/schemas/', '#/definitions/'] as const;

/** definitionOfRef returns the definition name a `$ref` points at, or undefined for foreign refs. */
export function definitionOfRef(ref: string): string | undefined {
  for (const prefix of REF_PREFIXES) if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  return undefined;
}

/**
 * The shapes the generator reads: the subset of OpenAPI v3 and Kubernetes vendor extensions
 * it relies on. Everything else in the documents passes through untouched.
 */

/** Schema is an OpenAPI v3 schema object as the Kubernetes documents write them. */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  default?: unknown;
  $ref?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  [key: string]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Operation {
  operationId?: string;
  parameters?: unknown[];
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: GroupVersionKind;
  [key: string]: unknown;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'patch', 'delete'];

export type PathItem = Partial<Record<HttpMethod, Operation>> & { parameters?: unknown[] };

/** OpenAPIDocument is one vendored `*_openapi.json`. */
export interface OpenAPIDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, Schema>; [key: string]: unknown };
  [key: string]: unknown;
}

export const COMPONENT_REF_PREFIX = '#/components/schemas/';

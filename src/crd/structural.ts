/**
 * What apiextensions-apiserver does with a CRD version's structural schema besides validating
 * values against it (k8s.io/apiextensions-apiserver pkg/apiserver/schema): pruning unknown
 * fields, ObjectMeta coercion of the root and of embedded resources, dropping the nulls the
 * schema does not allow, defaulting, the TypeMeta and ObjectMeta validation of embedded
 * resources, and the uniqueness of list-type set and map items. A schema is the CRD's
 * openAPIV3Schema as JSON; `undefined` stands for upstream's nil schema (nothing is known).
 */
import { FieldError, duplicate, invalid, required } from '../apierrors';
import { isPlainObject, type ObjectMeta } from '../meta/object';
import { validateObjectMeta } from '../registry/meta';
import { compareBytewise, isDNS1035Label } from '../selectors/validation';

type Json = Record<string, unknown>;
/** Schema is one node of a structural schema, or undefined where the schema says nothing. */
export type Schema = Json | undefined;

const EMBEDDED = 'x-kubernetes-embedded-resource';
const PRESERVE = 'x-kubernetes-preserve-unknown-fields';
/** META_FIELDS are what every resource, root or embedded, has beside its schema. */
const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** asResourceRoot treats a schema as a resource's: TypeMeta and ObjectMeta are implied. */
export function asResourceRoot(s: Schema): Json {
  return { ...(s ?? {}), [EMBEDDED]: true };
}

function itemsOf(s: Schema): Schema {
  return s && isPlainObject(s.items) ? s.items : undefined;
}

/**
 * fieldSchema finds the schema of a member: a declared property, or the additionalProperties
 * schema (found, but undefined, when additionalProperties is `true`).
 */
function fieldSchema(s: Schema, key: string): { found: boolean; schema: Schema } {
  if (!s) return { found: false, schema: undefined };
  if (isPlainObject(s.properties) && Object.hasOwn(s.properties, key) && isPlainObject(s.properties[key])) {
    return { found: true, schema: s.properties[key] as Json };
  }
  const extra = s.additionalProperties;
  if (extra !== undefined && extra !== false) return { found: true, schema: isPlainObject(extra) ? extra : undefined };
  return { found: false, schema: undefined };
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);
const index = (path: string, i: number) => `${path}[${i}]`;

// ---- pruning (pkg/apiserver/schema/pruning) ----

/**
 * pruneResource removes the fields of a custom resource its schema does not specify, as
 * kube-apiserver's decoder does (pruning, non-nullable nulls, ObjectMeta of the root and of
 * embedded resources), and returns their paths in upstream's order: metadata first, then the
 * pruned fields sorted, then embedded metadata.
 */
export function pruneResource(obj: Json, schema: Schema): string[] {
  const unknown: string[] = [];
  if (isPlainObject(obj.metadata)) unknown.push(...pruneObjectMeta(obj.metadata, 'metadata'));
  unknown.push(...pruneFields(obj, schema, true));
  pruneNonNullableNulls(obj, schema);
  const embedded: string[] = [];
  coerceEmbedded(obj, schema, '', embedded);
  unknown.push(...embedded.sort(compareBytewise));
  return unknown;
}

/**
 * pruneFields is upstream's structural pruning alone: it removes the members a schema does not
 * specify (below a preserve-unknown-fields node only those of specified members), keeping the
 * TypeMeta and ObjectMeta of a resource (the root when isResourceRoot, and embedded resources),
 * and returns the removed paths sorted.
 */
export function pruneFields(x: unknown, schema: Schema, isResourceRoot: boolean): string[] {
  const unknown: string[] = [];
  prune(x, isResourceRoot ? asResourceRoot(schema) : schema, '', unknown);
  return unknown.sort(compareBytewise);
}

function prune(x: unknown, s: Schema, path: string, unknown: string[]): void {
  if (s && s[PRESERVE] === true) {
    skipPrune(x, s, path, unknown);
    return;
  }
  if (Array.isArray(x)) {
    x.forEach((v, i) => prune(v, itemsOf(s), index(path, i), unknown));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s && s[EMBEDDED] === true && META_FIELDS.has(k)) continue;
    const f = fieldSchema(s, k);
    if (f.found) {
      prune(x[k], f.schema, child(path, k), unknown);
      continue;
    }
    // The root's TypeMeta and ObjectMeta are never reported (a nested "kind" is).
    if (!META_FIELDS.has(k) || path !== '') unknown.push(child(path, k));
    delete x[k];
  }
}

/** skipPrune walks a preserve-unknown-fields node: unknown members stay, known ones are pruned. */
function skipPrune(x: unknown, s: Schema, path: string, unknown: string[]): void {
  if (!s) return;
  if (Array.isArray(x)) {
    x.forEach((v, i) => skipPrune(v, itemsOf(s), index(path, i), unknown));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s[EMBEDDED] === true && META_FIELDS.has(k)) continue;
    const f = fieldSchema(s, k);
    if (f.found) prune(x[k], f.schema, child(path, k), unknown);
  }
}

/**
 * pruneNonNullableNulls drops null members whose schema neither allows null nor has a default
 * (upstream's PruneNonNullableNullsWithoutDefaults); a null with a default is left for
 * defaulting, a null nothing is known about stays.
 */
export function pruneNonNullableNulls(x: unknown, s: Schema): void {
  if (Array.isArray(x)) {
    for (const v of x) pruneNonNullableNulls(v, itemsOf(s));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    const sub = fieldSchema(s, k).schema;
    if (x[k] === null && sub && sub.nullable !== true && !hasDefault(sub)) delete x[k];
    else pruneNonNullableNulls(x[k], sub);
  }
}

// ---- ObjectMeta (pkg/apiserver/schema/objectmeta) ----

/** Shape is what metav1.ObjectMeta's Go types accept at a field, for strict decoding. */
type Shape = 'value' | { fields: Readonly<Record<string, Shape>> } | { list: Shape };

const OWNER_REFERENCE: Shape = { fields: { apiVersion: 'value', kind: 'value', name: 'value', uid: 'value', controller: 'value', blockOwnerDeletion: 'value' } };
const MANAGED_FIELDS_ENTRY: Shape = {
  fields: { manager: 'value', operation: 'value', apiVersion: 'value', time: 'value', fieldsType: 'value', fieldsV1: 'value', subresource: 'value' },
};
/** OBJECT_META is metav1.ObjectMeta: a custom resource's metadata decodes into it, whatever its schema. */
const OBJECT_META: Shape = {
  fields: {
    name: 'value',
    generateName: 'value',
    namespace: 'value',
    selfLink: 'value',
    uid: 'value',
    resourceVersion: 'value',
    generation: 'value',
    creationTimestamp: 'value',
    deletionTimestamp: 'value',
    deletionGracePeriodSeconds: 'value',
    labels: 'value',
    annotations: 'value',
    ownerReferences: { list: OWNER_REFERENCE },
    finalizers: 'value',
    managedFields: { list: MANAGED_FIELDS_ENTRY },
  },
};

/**
 * pruneObjectMeta round-trips metadata through ObjectMeta as upstream's GetObjectMeta and
 * SetObjectMeta do: unknown members go (their paths under `path` are returned, as strict
 * decoding reports them) and so do nulls, which the typed fields cannot hold.
 */
export function pruneObjectMeta(meta: Json, path: string): string[] {
  const unknown: string[] = [];
  pruneShape(meta, OBJECT_META, path, unknown);
  return unknown;
}

function pruneShape(x: unknown, shape: Shape, path: string, unknown: string[]): void {
  if (shape === 'value') return;
  if ('list' in shape) {
    if (Array.isArray(x)) x.forEach((v, i) => pruneShape(v, shape.list, index(path, i), unknown));
    return;
  }
  if (!isPlainObject(x)) return;
  for (const k of Object.keys(x)) {
    const sub = shape.fields[k];
    if (sub === undefined) {
      unknown.push(child(path, k));
      delete x[k];
    } else if (x[k] === null) delete x[k];
    else pruneShape(x[k], sub, child(path, k), unknown);
  }
}

/** coerceEmbedded prunes the ObjectMeta of every embedded resource (upstream's Coerce below the root). */
function coerceEmbedded(x: unknown, s: Schema, path: string, unknown: string[]): void {
  if (!s) return;
  if (Array.isArray(x)) {
    x.forEach((v, i) => coerceEmbedded(v, itemsOf(s), index(path, i), unknown));
    return;
  }
  if (!isPlainObject(x)) return;
  if (s[EMBEDDED] === true && isPlainObject(x.metadata)) {
    unknown.push(...pruneObjectMeta(x.metadata, child(path, 'metadata')));
    // A zero creationTimestamp is not written back into an embedded object.
    if (x.metadata.creationTimestamp === undefined || x.metadata.creationTimestamp === null) delete x.metadata.creationTimestamp;
  }
  for (const k of Object.keys(x)) {
    const f = fieldSchema(s, k);
    if (f.found) coerceEmbedded(x[k], f.schema, child(path, k), unknown);
  }
}

/**
 * validateEmbeddedResources checks the TypeMeta and ObjectMeta of every embedded resource below
 * the root (upstream's objectmeta.Validate): apiVersion and kind are required, and metadata is
 * validated as a create would, with a path-segment name that may be empty.
 */
export function validateEmbeddedResources(x: unknown, s: Schema, path = ''): FieldError[] {
  if (!s) return [];
  const errs: FieldError[] = [];
  if (Array.isArray(x)) {
    x.forEach((v, i) => errs.push(...validateEmbeddedResources(v, itemsOf(s), index(path, i))));
    return errs;
  }
  if (!isPlainObject(x)) return errs;
  if (s[EMBEDDED] === true) errs.push(...validateEmbeddedResource(x, path));
  const props = isPlainObject(s.properties) ? s.properties : {};
  for (const k of Object.keys(x)) {
    if (isPlainObject(props[k])) errs.push(...validateEmbeddedResources(x[k], props[k] as Json, child(path, k)));
    else if (isPlainObject(s.additionalProperties)) errs.push(...validateEmbeddedResources(x[k], s.additionalProperties, `${path}[${k}]`));
  }
  return errs;
}

function validateEmbeddedResource(x: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!('apiVersion' in x)) errs.push(required(child(path, 'apiVersion')));
  if (!('kind' in x)) errs.push(required(child(path, 'kind')));
  for (const [k, v] of Object.entries(x)) {
    const at = child(path, k);
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(invalid(at, v, 'must be a string'));
      else if (v === '') errs.push(invalid(at, v, 'must not be empty'));
      else if (v !== '/' && v.split('/').length > 2) errs.push(invalid(at, v, `unexpected GroupVersion string: ${v}`));
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(invalid(at, v, 'must be a string'));
      else if (v === '') errs.push(invalid(at, v, 'must not be empty'));
      else {
        const bad = isDNS1035Label(v.toLowerCase());
        if (bad.length) errs.push(invalid(at, v, `may have mixed case, but should otherwise match: ${bad.join(',')}`));
      }
    } else if (k === 'metadata') {
      if (!isPlainObject(v)) {
        errs.push(invalid(at, v, 'must be an object'));
        continue;
      }
      const meta = { ...v, name: typeof v.name === 'string' && v.name ? v.name : 'fakename' } as ObjectMeta;
      for (const e of validateObjectMeta(meta, typeof meta.namespace === 'string' && meta.namespace !== '', 'path-segment')) {
        errs.push(new FieldError(e.type, `${path ? `${path}.` : ''}${e.field}`, e.value, e.detail));
      }
    }
  }
  return errs;
}

// ---- defaulting (pkg/apiserver/schema/defaulting) ----

function hasDefault(s: Schema): s is Json {
  return s !== undefined && s.default !== undefined && s.default !== null;
}

function isNonNullableNull(v: unknown, s: Schema): boolean {
  return v === null && s !== undefined && s.nullable !== true;
}

/**
 * applyDefaults fills the defaults of absent members of present objects, and of nulls the
 * schema does not allow, copying each default value (upstream's Default).
 */
export function applyDefaults(x: unknown, s: Schema): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && hasDefault(items)) x[i] = structuredClone(items.default);
      applyDefaults(x[i], items);
    }
    return;
  }
  if (!isPlainObject(x)) return;
  const props = isPlainObject(s.properties) ? s.properties : {};
  for (const [k, p] of Object.entries(props)) {
    if (!isPlainObject(p) || !hasDefault(p)) continue;
    if (!Object.hasOwn(x, k) || isNonNullableNull(x[k], p)) x[k] = structuredClone(p.default);
  }
  const extra = isPlainObject(s.additionalProperties) ? s.additionalProperties : undefined;
  for (const k of Object.keys(x)) {
    if (isPlainObject(props[k])) applyDefaults(x[k], props[k] as Json);
    else if (extra) {
      if (isNonNullableNull(x[k], extra) && hasDefault(extra)) x[k] = structuredClone(extra.default);
      applyDefaults(x[k], extra);
    }
  }
}

// ---- list types (pkg/apiserver/schema/listtype) ----

/**
 * validateListSetsAndMaps refuses repeated items of x-kubernetes-list-type=set lists and
 * repeated keys of x-kubernetes-list-type=map lists, at any depth.
 */
export function validateListSetsAndMaps(obj: unknown, s: Schema, path = ''): FieldError[] {
  if (!s || !isPlainObject(obj)) return [];
  const errs: FieldError[] = [];
  if (isPlainObject(s.additionalProperties)) {
    for (const [k, v] of Object.entries(obj)) errs.push(...listTypesOf(v, s.additionalProperties, `${path}[${k}]`));
  }
  if (isPlainObject(s.properties)) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties[k];
      if (isPlainObject(sub)) errs.push(...listTypesOf(v, sub, child(path, k)));
    }
  }
  return errs;
}

function listTypesOf(v: unknown, s: Json, path: string): FieldError[] {
  if (Array.isArray(v)) return listTypesOfArray(v, s, path);
  if (isPlainObject(v)) return validateListSetsAndMaps(v, s, path);
  return [];
}

function listTypesOfArray(list: unknown[], s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of repeatedIndices(list)) errs.push(duplicate(index(path, i), list[i]));
  } else if (listType === 'map') {
    errs.push(...validateListMap(list, s, path));
  }
  const items = itemsOf(s);
  if (items) list.forEach((v, i) => errs.push(...listTypesOf(v, items, index(path, i))));
  return errs;
}

/** UNSPECIFIED marks an item without its map key, distinct from any value (and from null). */
const UNSPECIFIED = Symbol('unspecified key');

function validateListMap(list: unknown[], s: Json, path: string): FieldError[] {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isPlainObject(x)) return [invalid(index(path, i), x, 'must be an object for an array of list-type map')];
  }
  if (list.length <= 1) return [];
  const keyFields = Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as string[]) : [];
  if (keyFields.length === 1) {
    const [field] = keyFields;
    const keys = list.map((x) => (isPlainObject(x) && Object.hasOwn(x, field) ? x[field] : UNSPECIFIED));
    return repeatedIndices(keys).map((i) => duplicate(index(path, i), keys[i] === UNSPECIFIED ? {} : { [field]: keys[i] }));
  }
  const keys = list.map((x) => {
    const key: Json = {};
    if (isPlainObject(x)) for (const f of keyFields) if (Object.hasOwn(x, f)) key[f] = x[f];
    return key;
  });
  return repeatedIndices(keys).map((i) => duplicate(index(path, i), keys[i]));
}

/** repeatedIndices returns, for each value that repeats, the index of its second appearance. */
function repeatedIndices(values: readonly unknown[]): number[] {
  if (values.length <= 1) return [];
  // Scalars compare by value, objects and lists by their serialization, each in its own set.
  const scalars = new Map<unknown, number>();
  const compounds = new Map<string, number>();
  const out: number[] = [];
  values.forEach((v, i) => {
    const compound = typeof v === 'object' && v !== null;
    const seen: Map<unknown, number> = compound ? compounds : scalars;
    const key = compound ? canonicalJSON(v) : v;
    const times = seen.get(key) ?? 0;
    seen.set(key, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

/** canonicalJSON serializes with sorted keys, as Go's json.Marshal of a map does. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): defaults, the validation users meet
 * (upstream apiextensions validation.go), and deletion through the cleanup finalizer.
 */
import { FieldError, FieldPath, forbidden, invalid, notSupported, required } from '../../apierrors';
import { compileCRD } from '../../crd/compile';
import type { CRD } from '../../crd/types';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from '../../selectors/validation';
import { deepEqual } from '../equal';
import type { StrategyOverrides } from '../strategy';

/** CLEANUP_FINALIZER holds a CRD until its custom resources are deleted. */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const KIND_FORMAT = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

function crdOf(obj: KubeObject): CRD {
  return obj as unknown as CRD;
}

/** defaults applies apiextensions v1 defaults: singular and listKind from the kind, conversion None. */
function defaults(obj: KubeObject): void {
  const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
  if (!spec) return;
  const names = isPlainObject(spec.names) ? spec.names : undefined;
  if (names && typeof names.kind === 'string') {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  const conversion = isPlainObject(spec.conversion) ? spec.conversion : (spec.conversion = {});
  conversion.strategy ??= 'None';
}

function validateNames(names: Record<string, unknown>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['plural', 'singular'] as const) {
    const v = names[f];
    if (typeof v !== 'string' || !v) {
      if (f === 'plural') errs.push(required(path.child(f).toString()));
      continue;
    }
    for (const m of isDNS1123Label(v)) errs.push(invalid(path.child(f).toString(), v, m));
  }
  for (const f of ['kind', 'listKind'] as const) {
    const v = names[f];
    if (typeof v !== 'string' || !v) {
      if (f === 'kind') errs.push(required(path.child(f).toString()));
      continue;
    }
    if (!KIND_FORMAT.test(v)) errs.push(invalid(path.child(f).toString(), v, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  }
  if (Array.isArray(names.shortNames)) {
    names.shortNames.forEach((s, i) => {
      if (typeof s === 'string') for (const m of isDNS1123Label(s)) errs.push(invalid(path.child('shortNames').index(i).toString(), s, m));
    });
  }
  return errs;
}

/** structural checks the structural-schema rules users hit most: every field has a type. */
function structural(schema: unknown, path: FieldPath, errs: FieldError[], root: boolean): void {
  if (!isPlainObject(schema)) return;
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (root && schema.type !== 'object') errs.push(invalid(path.child('type').toString(), schema.type ?? '', 'must be object at the root'));
  if (!schema.type && !intOrString && !preserve && !root) errs.push(required(path.child('type').toString(), 'must not be empty for specified object fields'));
  if (isPlainObject(schema.properties) && isPlainObject(schema.additionalProperties)) {
    errs.push(forbidden(path.child('additionalProperties').toString(), 'additionalProperties and properties are mutual exclusive'));
  }
  if (isPlainObject(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) structural(v, path.child('properties').key(k), errs, false);
  if (isPlainObject(schema.items)) structural(schema.items, path.child('items'), errs, false);
  if (isPlainObject(schema.additionalProperties)) structural(schema.additionalProperties, path.child('additionalProperties'), errs, false);
}

/** validate is upstream's ValidateCustomResourceDefinition, the rules users meet. */
export function validateCRD(obj: KubeObject): FieldError[] {
  const crd = crdOf(obj);
  const errs: FieldError[] = [];
  const spec = isPlainObject(obj.spec) ? (obj.spec as Record<string, unknown>) : {};
  const path = FieldPath.root('spec');
  const group = typeof spec.group === 'string' ? spec.group : '';
  if (!group) errs.push(required(path.child('group').toString()));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(invalid(path.child('group').toString(), group, m));
    if (!group.includes('.')) errs.push(invalid(path.child('group').toString(), group, 'should be a domain with at least one dot'));
  }
  const names = isPlainObject(spec.names) ? spec.names : {};
  errs.push(...validateNames(names, path.child('names')));
  const expected = `${String(names.plural ?? '')}.${group}`;
  if (obj.metadata.name !== expected) errs.push(invalid('metadata.name', obj.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') errs.push(notSupported(path.child('scope').toString(), spec.scope, ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  if (versions.length === 0) errs.push(invalid(path.child('versions').toString(), null, 'must have exactly one version marked as storage version'));
  else {
    const storage = versions.filter((v) => v.storage === true).length;
    if (storage !== 1) errs.push(invalid(path.child('versions').toString(), null, 'must have exactly one version marked as storage version'));
    if (!versions.some((v) => v.served === true)) errs.push(invalid(path.child('versions').toString(), null, 'must have at least one version marked as served'));
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      const vp = path.child('versions').index(i);
      const name = typeof v.name === 'string' ? v.name : '';
      if (!name) errs.push(required(vp.child('name').toString()));
      else for (const m of isDNS1123Label(name)) errs.push(invalid(vp.child('name').toString(), name, m));
      if (seen.has(name)) errs.push(new FieldError('Duplicate', vp.child('name').toString(), name));
      seen.add(name);
      const schema = isPlainObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
      const sp = vp.child('schema').child('openAPIV3Schema');
      if (!isPlainObject(schema)) errs.push(required(sp.toString(), 'schemas are required'));
      else structural(schema, sp, errs, true);
    });
  }
  const conversion = isPlainObject(spec.conversion) ? spec.conversion : {};
  if (conversion.strategy !== undefined && conversion.strategy !== 'None') {
    errs.push(notSupported(path.child('conversion').child('strategy').toString(), conversion.strategy, ['None']));
  }
  if (errs.length === 0) errs.push(...compileCRD(crd).errors);
  return errs;
}

/** storageVersionName is the version marked `storage: true`, if any. */
function storageVersionName(spec: Record<string, unknown>): string | undefined {
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  const v = versions.find((x) => x.storage === true);
  return typeof v?.name === 'string' ? v.name : undefined;
}

function statusOf(obj: KubeObject): Record<string, unknown> {
  return isPlainObject(obj.status) ? obj.status : (obj.status = {});
}

function storedVersionsOf(obj: KubeObject): string[] {
  const stored = isPlainObject(obj.status) ? obj.status.storedVersions : undefined;
  return Array.isArray(stored) ? stored.filter((v): v is string => typeof v === 'string') : [];
}

/** prepareForCreate starts the status afresh: only the storage version, as stored (upstream's PrepareForCreate). */
function prepareForCreate(obj: KubeObject): void {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const storage = storageVersionName(spec);
  obj.status = storage ? { storedVersions: [storage] } : {};
}

/** prepareForUpdate records a new storage version in status.storedVersions in the same write (upstream's PrepareForUpdate). */
function prepareForUpdate(obj: KubeObject, _old: KubeObject, subresource?: string): void {
  if (subresource !== undefined) return;
  const storage = storageVersionName(isPlainObject(obj.spec) ? obj.spec : {});
  if (!storage) return;
  const stored = storedVersionsOf(obj);
  if (!stored.includes(storage)) statusOf(obj).storedVersions = [...stored, storage];
}

/**
 * validateStoredVersions is upstream's ValidateCustomResourceDefinitionStoredVersions: the
 * storage version is listed, and every listed version is still in spec.versions.
 */
function validateStoredVersions(obj: KubeObject): FieldError[] {
  const path = 'status.storedVersions';
  const stored = storedVersionsOf(obj);
  if (stored.length === 0) return [invalid(path, null, 'must have at least one stored version')];
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  const errs: FieldError[] = [];
  const listed = new Map<string, number>();
  stored.forEach((v, i) => listed.set(v, i));
  for (const v of versions) {
    const name = typeof v.name === 'string' ? v.name : '';
    const found = listed.has(name);
    if (v.storage === true && !found) errs.push(invalid(path, stored, `must have the storage version ${name}`));
    if (found) listed.delete(name);
  }
  for (const [v, i] of listed) {
    errs.push(
      invalid(
        `${path}[${i}]`,
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  }
  return errs;
}

/** validateAcceptedNames is upstream's ValidateCustomResourceDefinitionNames on status.acceptedNames. */
function validateAcceptedNames(obj: KubeObject): FieldError[] {
  const status = isPlainObject(obj.status) ? obj.status : {};
  const names = isPlainObject(status.acceptedNames) ? status.acceptedNames : {};
  const path = FieldPath.root('status').child('acceptedNames');
  const errs: FieldError[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  for (const f of ['plural', 'singular'] as const) {
    const v = str(names[f]);
    const bad = isDNS1035Label(v);
    if (v && bad.length) errs.push(invalid(path.child(f).toString(), v, bad.join(',')));
  }
  for (const f of ['kind', 'listKind'] as const) {
    const v = str(names[f]);
    const bad = isDNS1035Label(v.toLowerCase());
    if (v && bad.length) errs.push(invalid(path.child(f).toString(), v, `may have mixed case, but should otherwise match: ${bad.join(',')}`));
  }
  for (const f of ['shortNames', 'categories'] as const) {
    const list = Array.isArray(names[f]) ? (names[f] as unknown[]) : [];
    list.forEach((v, i) => {
      const bad = isDNS1035Label(str(v));
      if (bad.length) errs.push(invalid(path.child(f).index(i).toString(), v, bad.join(',')));
    });
  }
  if (str(names.kind) && names.kind === names.listKind) errs.push(invalid(path.child('listKind').toString(), names.listKind, 'kind and listKind may not be the same'));
  return errs;
}

function isEstablished(obj: KubeObject): boolean {
  const conditions = isPlainObject(obj.status) && Array.isArray(obj.status.conditions) ? obj.status.conditions : [];
  return conditions.some((c) => isPlainObject(c) && c.type === 'Established' && c.status === 'True');
}

/**
 * validateUpdate is upstream's ValidateCustomResourceDefinitionUpdate, whole (it replaces
 * validate on update): the spec as on create, the names of an established CRD and the group
 * and plural ever immutable, and the stored versions. A status write validates the status only.
 */
function validateUpdate(obj: KubeObject, old: KubeObject, subresource?: string): FieldError[] {
  if (subresource === 'status') return validateAcceptedNames(obj);
  const errs = validateCRD(obj);
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const oldSpec = isPlainObject(old.spec) ? old.spec : {};
  const names = isPlainObject(spec.names) ? spec.names : {};
  const oldNames = isPlainObject(oldSpec.names) ? oldSpec.names : {};
  const immutable = (path: string, now: unknown, before: unknown) => {
    if (!deepEqual(now, before)) errs.push(invalid(path, now ?? '', 'field is immutable'));
  };
  if (isEstablished(old)) {
    // These decide where and how the custom resources are stored.
    immutable('spec.scope', spec.scope, oldSpec.scope);
    immutable('spec.names.kind', names.kind, oldNames.kind);
  }
  // These make the CRD's name, itself immutable.
  immutable('spec.group', spec.group, oldSpec.group);
  immutable('spec.names.plural', names.plural, oldNames.plural);
  errs.push(...validateAcceptedNames(obj), ...validateStoredVersions(obj));
  return errs;
}

/** strategy is what customresourcedefinitions does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  // kube-apiserver's default table for CRDs: the name and the creation time itself (not an age).
  printer: (crd) => [crd.metadata.name ?? '', crd.metadata.creationTimestamp ?? null],
  nameRule: 'subdomain',
  tracksGeneration: true,
  defaults,
  prepareForCreate,
  prepareForUpdate,
  validate: (obj) => [...validateCRD(obj), ...validateAcceptedNames(obj), ...validateStoredVersions(obj)],
  validateUpdate,
  validateUpdateIsComplete: true,
  // Every deletion waits for the custom resources to be deleted first.
  finalizing: (crd) => !crd.metadata.deletionTimestamp,
  markDeleting: (crd) => {
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) crd.metadata.finalizers = [...(crd.metadata.finalizers ?? []), CLEANUP_FINALIZER];
    const status = isPlainObject(crd.status) ? crd.status : (crd.status = {});
    const conditions = Array.isArray(status.conditions) ? (status.conditions as Record<string, unknown>[]).filter((c) => c.type !== 'Terminating') : [];
    conditions.push({ type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon', lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
    status.conditions = conditions;
  },
};

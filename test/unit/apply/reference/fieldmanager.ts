/**
 * The field manager: what kube-apiserver does to metadata.managedFields on every write, and
 * server-side apply. It follows apimachinery's managedfields.FieldManager and its chain of
 * managers, outermost first:
 *
 *   version check → last-applied updater → last-applied manager → skip non-applied
 *   → cap managers → build manager info → managed-fields updater → strip meta → structured merge
 *
 * applyPatch serves PATCH with application/apply-patch+yaml; updateManagedFields serves
 * create, update and the other patch types (after the patch is applied).
 */

import { StatusError, newBadRequest } from '../../../../src/apierrors';
import type { TypeRef, TypeTable } from '../../../../src/schema/typeinfo';
import { ConflictError, ConflictsError } from './conflict';
import { KUBECTL_MANAGER, allowedConflicts, buildLastApplied, lastAppliedOf, setLastApplied, withoutAllowed } from './lastapplied';
import {
  ManagedFieldsError,
  buildManagerIdentifier,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  isResetManagedFields,
  managedFieldsOf,
  setManagedFields,
  type Managed,
  type ManagedFields,
} from './managedfields';
import { fieldElement } from './fieldpath';
import { dropTypedNulls } from './nulls';
import { Schema } from './schema';
import { FieldSet } from './set';
import { Updater, type VersionConverter } from './updater';
import { MAX_UPDATE_MANAGERS, capUpdateManagers } from './capmanagers';
import { formatValidationErrors, validateTyped } from './validate';
import { deepCopy, equalValues, isMap, type JsonMap } from './value';

/** FieldManagerOptions describe the request a field manager serves. */
export interface FieldManagerOptions {
  /** manager is the field manager (fieldManager parameter, or defaultManager(User-Agent)). */
  manager: string;
  table: TypeTable;
  /** root is the kind's type in the request's version. */
  root: TypeRef;
  /** apiVersion is the request's group-version: `apps/v1`, `v1`. */
  apiVersion: string;
  /** kind, when given, is checked against the applied object's kind. */
  kind?: string;
  /** subresource is `status`, `scale` ... for writes to a subresource. */
  subresource?: string;
  /** now stamps the entries that change. */
  now: Date;
  /**
   * resetFields are fields whose ownership this endpoint does not track because the strategy
   * resets them (status on the main resource, spec on /status), as upstream's GetResetFields.
   */
  resetFields?: FieldSet;
  /** emptyObject is the kind's zero object (upstream's New()); `{}` when absent. */
  emptyObject?: object;
  /** converter compares objects in each manager's version; without one all versions share a layout. */
  converter?: VersionConverter;
}

/** ApplyOptions add force: take over conflicting fields instead of failing. */
export interface ApplyOptions extends FieldManagerOptions {
  force: boolean;
}

/** ApplyResult is the object to store and whether the apply changed it. */
export interface ApplyResult {
  /** object is the object to store: merged, pruned, with managedFields. */
  object: JsonMap;
  /** changed is false when the apply changed nothing but (possibly) managedFields. */
  changed: boolean;
}

/** UpdateOptions describe an ordinary write; operation is always Update. */
export interface UpdateOptions extends FieldManagerOptions {
  operation?: 'Update';
}

/** UpdateResult is the object to store, with its new managedFields. */
export interface UpdateResult {
  object: JsonMap;
}

/** Manager names upstream uses for bookkeeping entries. */
const CURRENT_OPERATION = 'current-operation';
const BEFORE_FIRST_APPLY = 'before-first-apply';
const UNKNOWN_MANAGER = 'unknown';

/** STRIP_SET holds fields never owned by anyone: type and identity metadata. */
const STRIP_SET = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => [fieldElement('metadata'), fieldElement(f)],
  ),
);

const schemas = new WeakMap<TypeTable, Schema>();

/** schemaFor returns the (cached) Schema of a TypeTable. */
export function schemaFor(table: TypeTable): Schema {
  let s = schemas.get(table);
  if (!s) {
    s = new Schema(table);
    schemas.set(table, s);
  }
  return s;
}

function asMap(o: object | undefined): JsonMap {
  return isMap(o) ? o : {};
}

/** withoutManagedFields copies an object without metadata.managedFields. */
function withoutManagedFields(o: JsonMap): JsonMap {
  const c = deepCopy(o);
  setManagedFields(c, undefined);
  return c;
}

function copyManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

function hasUID(o: JsonMap | undefined): boolean {
  const meta = o && isMap(o['metadata']) ? (o['metadata'] as JsonMap) : undefined;
  return typeof meta?.['uid'] === 'string' && meta['uid'].length > 0;
}

/** parseGroupVersion is schema.ParseGroupVersion; undefined for a malformed apiVersion. */
function parseGroupVersion(apiVersion: string): { group: string; version: string } | undefined {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return undefined;
}

function groupVersionString(gv: { group: string; version: string }): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

/** gvkString renders a GroupVersionKind as Go's String(): `apps/v1, Kind=Deployment`. */
function gvkOf(obj: JsonMap): { group: string; version: string; kind: string } {
  const av = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const gv = parseGroupVersion(av) ?? { group: '', version: '' };
  return { ...gv, kind: typeof obj['kind'] === 'string' ? obj['kind'] : '' };
}

function gvkString(gvk: { group: string; version: string; kind: string }): string {
  return `${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}

/** objectGVKNN renders `namespace/name; group/version, Kind=Kind` for error messages. */
function objectGVKNN(obj: JsonMap): string {
  const meta = isMap(obj['metadata']) ? (obj['metadata'] as JsonMap) : {};
  const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  return `${ns}/${name}; ${gvkString(gvkOf(obj))}`;
}

/**
 * newServerError is what kube-apiserver answers for an error that is not a Status: code 500,
 * no reason, the error's text as the message.
 */
function newServerError(message: string): StatusError {
  return new StatusError(500, '', message);
}

/** FieldManager runs the chain for one request. */
class FieldManager {
  private readonly schema: Schema;
  private readonly updater: Updater;
  /** empty is the kind's zero object, the "before" of a create. */
  readonly empty: JsonMap;

  constructor(private readonly opts: FieldManagerOptions) {
    this.schema = schemaFor(opts.table);
    this.updater = new Updater({
      schema: this.schema,
      root: opts.root,
      version: opts.apiVersion,
      ignore: opts.resetFields,
      converter: opts.converter,
    });
    this.empty = withoutManagedFields(asMap(opts.emptyObject));
  }

  private identifier(manager: string, operation: 'Apply' | 'Update'): string {
    return buildManagerIdentifier({
      manager: manager || UNKNOWN_MANAGER,
      operation,
      apiVersion: this.opts.apiVersion,
      subresource: this.opts.subresource,
    });
  }

  /** strip is stripMetaManager: type and identity metadata are never owned. */
  private strip(fields: ManagedFields, id: string): void {
    const vs = fields.get(id);
    if (!vs) return;
    const set = vs.set.difference(STRIP_SET);
    if (set.isEmpty()) fields.delete(id);
    else fields.set(id, { ...vs, set });
  }

  /**
   * update is the Update chain below skip-non-applied: cap managers → build manager info →
   * managed-fields updater → strip meta → structured merge. live and next have no managedFields.
   */
  update(live: JsonMap, next: JsonMap, managed: Managed, manager: string): Managed {
    const id = this.identifier(manager, 'Update');
    // The write is recorded under a placeholder first: if it changed nothing the entry (and
    // its timestamp) is left alone; otherwise it is folded into the manager's entry.
    this.updater.update(live, next, managed.fields, CURRENT_OPERATION);
    this.strip(managed.fields, CURRENT_OPERATION);
    const vs = managed.fields.get(CURRENT_OPERATION);
    if (vs) {
      managed.fields.delete(CURRENT_OPERATION);
      const previous = managed.fields.get(id);
      managed.fields.set(id, previous ? { ...vs, set: vs.set.union(previous.set) } : vs);
      managed.times.set(id, this.opts.now);
    }
    capUpdateManagers(managed, MAX_UPDATE_MANAGERS);
    return managed;
  }

  /**
   * apply is the Apply chain below the last-applied manager: skip-non-applied (which first
   * records an object that has no managedFields as the work of "before-first-apply") → build
   * manager info → managed-fields updater → strip meta → structured merge.
   */
  apply(live: JsonMap, config: JsonMap, managed: Managed, manager: string, force: boolean): { object: JsonMap | undefined; managed: Managed } {
    if (managed.fields.size === 0) managed = this.update(this.empty, live, managed, BEFORE_FIRST_APPLY);
    const id = this.identifier(manager, 'Apply');
    const object = this.updater.apply(live, config, managed.fields, id, force);
    this.strip(managed.fields, id);
    if (object !== undefined) managed.times.set(id, this.opts.now);
    return { object, managed };
  }
}

function decodeOrEmpty(list: unknown): Managed {
  try {
    return decodeManagedFields(list);
  } catch (e) {
    if (e instanceof ManagedFieldsError) return emptyManaged();
    throw e;
  }
}

/**
 * decodeLiveOrNew chooses the managedFields an ordinary write starts from: the request's when
 * it carries valid ones (clients may rewrite managedFields), none when it asks for a reset
 * (`[]` or `[{}]`), else the live object's. Writes to a subresource always start from the live
 * object's.
 */
function decodeLiveOrNew(live: JsonMap, next: JsonMap, isSubresource: boolean): Managed {
  const liveFields = managedFieldsOf(live);
  if (isSubresource) return decodeOrEmpty(liveFields);
  const nextFields = managedFieldsOf(next);
  if (isResetManagedFields(nextFields)) return emptyManaged();
  try {
    const m = decodeManagedFields(nextFields);
    if (m.fields.size > 0) return m;
  } catch (e) {
    if (!(e instanceof ManagedFieldsError)) throw e;
  }
  return decodeOrEmpty(liveFields);
}

/**
 * updateManagedFields records an ordinary write (create, update, patch other than apply):
 * `old` is the stored object (undefined on create), `updated` the object about to be stored.
 * Fields the write added or changed become the manager's (one Update entry per manager,
 * apiVersion and subresource, stamped with `now`) and leave every other manager; removed fields
 * leave everyone. The result is a copy of `updated` with the new managedFields.
 *
 * As upstream, an object updated without any managedFields (or with a reset, `[]`) is not
 * tracked until the next apply, and a failure leaves the stored managedFields in place.
 */
export function updateManagedFields(old: object | undefined, updated: object, opts: UpdateOptions): UpdateResult {
  const fm = new FieldManager(opts);
  const liveWithFields = asMap(old);
  const nextWithFields = asMap(updated);
  const result = withoutManagedFields(nextWithFields);
  try {
    let managed = decodeLiveOrNew(liveWithFields, nextWithFields, Boolean(opts.subresource));
    const isCreate = old === undefined || !hasUID(liveWithFields);
    // skipNonApplied: an existing object without managedFields stays untracked until applied.
    if (managed.fields.size > 0 || isCreate) {
      const live = old === undefined ? fm.empty : withoutManagedFields(liveWithFields);
      managed = fm.update(live, result, managed, opts.manager);
    }
    setManagedFields(result, encodeManagedFields(managed));
  } catch (e) {
    if (e instanceof StatusError) throw e;
    // UpdateNoErrors: keep what was stored rather than lose it.
    const liveFields = managedFieldsOf(liveWithFields);
    setManagedFields(result, Array.isArray(liveFields) ? deepCopy(liveFields) : undefined);
  }
  return { object: result };
}

/**
 * applyPatch is server-side apply: it merges the applied configuration into the live object
 * (undefined when the apply creates it) for opts.manager and returns the object to store, with
 * managedFields. It throws ConflictError (409) when another manager owns a field the apply
 * changes (unless force), BadRequest for a configuration of the wrong kind or version or one
 * that carries managedFields, and a 500 for a configuration that does not fit the schema, all
 * as kube-apiserver. Defaulting and validation of the result are the caller's.
 */
export function applyPatch(live: object | undefined, applied: object, opts: ApplyOptions): ApplyResult {
  const config = deepCopy(asMap(applied));
  const expected = parseGroupVersion(opts.apiVersion) ?? { group: '', version: '' };
  const gvk = gvkOf(config);
  if (opts.kind !== undefined && (gvk.group !== expected.group || gvk.version !== expected.version || gvk.kind !== opts.kind)) {
    throw newBadRequest(`invalid object type: ${gvkString(gvk)}`);
  }
  if (groupVersionString(gvk) !== groupVersionString(expected)) {
    throw newBadRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${groupVersionString(gvk)}, expected: ${groupVersionString(expected)}`,
    );
  }
  if (Array.isArray(managedFieldsOf(config))) throw newBadRequest('metadata.managedFields must be nil');

  const fm = new FieldManager(opts);
  const schema = schemaFor(opts.table);
  const errs = validateTyped(schema, opts.root, config);
  if (errs.length > 0) {
    throw newServerError(`failed to create typed patch object (${objectGVKNN(config)}): ${formatValidationErrors(errs)}`);
  }

  const liveWithFields = live === undefined ? fm.empty : asMap(live);
  let managed: Managed;
  try {
    managed = decodeManagedFields(managedFieldsOf(liveWithFields));
  } catch (e) {
    if (e instanceof ManagedFieldsError) throw newServerError(`failed to decode managed fields: ${e.message}`);
    throw e;
  }
  const liveObj = withoutManagedFields(liveWithFields);

  let outcome: { object: JsonMap | undefined; managed: Managed };
  try {
    outcome = applyWithLastApplied(fm, schema, liveObj, config, managed, opts);
  } catch (e) {
    if (e instanceof ConflictsError) throw new ConflictError(e.conflicts);
    throw e;
  }

  const object = outcome.object ?? deepCopy(liveObj);
  dropTypedNulls(schema, opts.root, object);
  // lastAppliedUpdater: keep kubectl's client-side annotation in step with what it applied.
  if (opts.manager === KUBECTL_MANAGER && lastAppliedOf(object) !== undefined) {
    setLastApplied(object, buildLastApplied(config));
  }
  const changed = !equalValues(liveObj, object);
  setManagedFields(object, encodeManagedFields(outcome.managed));
  return { object, changed };
}

/**
 * applyWithLastApplied is lastAppliedManager: for `kubectl`, conflicts the client-side apply
 * annotation accounts for are forced through; the others are reported.
 */
function applyWithLastApplied(
  fm: FieldManager,
  schema: Schema,
  live: JsonMap,
  config: JsonMap,
  managed: Managed,
  opts: ApplyOptions,
): { object: JsonMap | undefined; managed: Managed } {
  try {
    return fm.apply(live, config, copyManaged(managed), opts.manager, opts.force);
  } catch (e) {
    if (!(e instanceof ConflictsError) || opts.manager !== KUBECTL_MANAGER) throw e;
    const allowed = allowedConflicts(schema, opts.root, live, opts.apiVersion);
    if (!allowed) throw e;
    const remaining = withoutAllowed(e.conflicts, allowed);
    if (remaining.length > 0) throw new ConflictsError(remaining);
    return fm.apply(live, config, copyManaged(managed), opts.manager, true);
  }
}

import type { ValidateFunction } from 'ajv';
import {
  FieldError,
  FieldPath,
  type GroupKind,
  type GroupResource,
  StatusError,
  invalid,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInvalid,
  newNotFound,
  newResourceExpired,
  required,
} from '../apierrors';
import { noAdmission, type Admission, type Attributes, type Operation } from '../admission/interface';
import { FieldSet, fieldElement, managerOrUserAgent, revertNoopManagedFieldsTimestamps, updateManagedFields, validateManagedFields } from '../apply';
import { setValueAtPath, valueAtPath, type KubeObject } from '../meta/object';
import type { TypeRef, TypeTable } from '../schema/typeinfo';
import { groupVersion } from '../resources/descriptor';
import type { ResourceDescriptor } from '../resources/descriptor';
import { checkFieldSelector, parseFieldSelector } from '../selectors/fields';
import { parseLabelSelector } from '../selectors/labels';
import { decode } from '../storage/codec';
import { invalidObj, isStorageError } from '../storage/errors';
import type { KeyValue } from '../storage/interface';
import type { WatchCache } from '../watch/cache';
import type { ObjectAttrs, Predicate } from '../watch/predicate';
import type { CacheWatcher, WatchEncoder, WatchSink } from '../watch/watcher';
import type { RequestContext } from './context';
import { decodeContinue, encodeContinue } from './continue';
import { interpretCreateError, interpretDeleteError, interpretGetError, interpretListError, interpretUpdateError, tooLargeResourceVersion } from './errors';
import { fillSystemFields, generateName, rfc3339, validateObjectMeta, validateObjectMetaUpdate } from './meta';
import { schemaErrors } from './schema';
import type { Finish, Strategy } from './strategy';
import { deepEqual } from './equal';

/** MAX_GENERATE_NAME_ATTEMPTS matches upstream: a generated name that collides is drawn again. */
const MAX_GENERATE_NAME_ATTEMPTS = 8;
/** FRESHNESS_WAIT_MS is how long a read waits for the cache to reach a requested revision (upstream: 3s). */
const FRESHNESS_WAIT_MS = 3_000;

/** ListParams are the list and watch query parameters, already parsed. */
export interface ListParams {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

export interface WatchParams extends ListParams {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export interface ListOutcome {
  items: KeyValue[];
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

export interface DeleteParams {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  /** orphanDependents is the deprecated boolean form of propagationPolicy=Orphan. */
  orphanDependents?: boolean;
}

/** ORPHAN_FINALIZER and FOREGROUND_FINALIZER hand a deletion to the garbage collector. */
export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

/** DeleteOutcome tells whether the object is gone or only marked for deletion (grace period, finalizers). */
export interface DeleteOutcome {
  kv: KeyValue;
  deleted: boolean;
  /**
   * finalized tells that the answer is upstream's finalizeDelete (a Status, or the object for
   * kinds that return it): true for a deletion, or a graceful one already under way; false when
   * the answer is the object this request marked.
   */
  finalized: boolean;
}

/** UpdateOutcome tells whether a PUT created the object. */
export interface UpdateOutcome {
  kv: KeyValue;
  created: boolean;
}

/**
 * UpdatedObject computes the object a PUT or PATCH asks for, given the current one (absent for
 * create-on-update), which it may change. `another` returns another copy of the current object,
 * for the rare step that needs the input again (reporting what pruning removed).
 */
export type UpdatedObject = (current: KubeObject | undefined, another?: () => KubeObject) => Promise<KubeObject> | KubeObject;

export interface StoreOptions {
  resource: ResourceDescriptor;
  strategy: Strategy;
  cache: WatchCache;
  keyRoot: string;
  /** validator loads the generated schema validator of the storage version. */
  validator: () => ValidateFunction;
  /** defaulter loads the generated OpenAPI defaulter of the storage version. */
  defaulter: () => ValidateFunction;
  /** admission is the plugin chain writes pass through. */
  admission?: Admission;
  /** types is the kind's merge structure; with it, writes maintain metadata.managedFields. */
  types?: { table: TypeTable; root: TypeRef };
  now?: () => Date;
}

/**
 * Store is the generic registry of one resource: key layout, the fixed order of strategy hooks
 * around every write, and the resourceVersion semantics of reads. It knows nothing about any
 * particular kind; what differs lives in the Strategy.
 */
export class Store {
  readonly resource: ResourceDescriptor;
  readonly strategy: Strategy;
  readonly cache: WatchCache;
  readonly groupResource: GroupResource;
  readonly groupKind: GroupKind;
  private readonly root: string;
  private readonly validator: () => ValidateFunction;
  private readonly defaulter: () => ValidateFunction;
  private readonly admission: Admission;
  readonly types?: { table: TypeTable; root: TypeRef };
  private readonly now: () => Date;

  constructor(opts: StoreOptions) {
    this.resource = opts.resource;
    this.strategy = opts.strategy;
    this.cache = opts.cache;
    this.root = `${opts.keyRoot}/${opts.resource.etcdPrefix}/`;
    this.validator = opts.validator;
    this.defaulter = opts.defaulter;
    this.admission = opts.admission ?? noAdmission;
    this.types = opts.types;
    this.now = opts.now ?? (() => new Date());
    this.groupResource = { group: opts.resource.group, resource: opts.resource.plural };
    this.groupKind = { group: opts.resource.group, kind: opts.resource.kind };
  }

  /** keyPrefix is where the resource's keys live (`/registry/pods/`). */
  get keyPrefix(): string {
    return this.root;
  }

  key(namespace: string, name: string): string {
    return this.resource.namespaced ? `${this.root}${namespace}/${name}` : `${this.root}${name}`;
  }

  prefixFor(namespace: string): string {
    return this.resource.namespaced && namespace ? `${this.root}${namespace}/` : this.root;
  }

  /** attrs extracts what label and field selectors look at. */
  attrs(obj: KubeObject): ObjectAttrs {
    const fields: Record<string, string> = {
      'metadata.name': obj.metadata.name ?? '',
      'metadata.namespace': obj.metadata.namespace ?? '',
    };
    for (const [name, f] of Object.entries(this.resource.selectableFields)) {
      let v: unknown = obj;
      for (const p of f.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
      fields[name] = v === undefined || v === null ? (f.type === 'boolean' ? 'false' : f.type === 'integer' ? '0' : '') : String(v);
    }
    return { labels: obj.metadata.labels, fields };
  }

  /** predicate parses label and field selectors, refusing fields this resource does not support. */
  predicate(params: ListParams): Predicate {
    const labels = parseLabelSelector(params.labelSelector ?? '');
    const fields = parseFieldSelector(params.fieldSelector ?? '');
    const own = Object.keys(this.resource.selectableFields);
    // Kinds with their own selectable fields answer as upstream's field label conversion does;
    // the rest as the generic default conversion.
    checkFieldSelector(fields, ['metadata.name', 'metadata.namespace', ...own], own.length ? 'notSupported' : 'notKnown');
    if (labels.isEmpty() && fields.isEmpty()) return { empty: true, matches: () => true };
    return { empty: false, matches: (a) => labels.matches(a.labels) && fields.matches(a.fields) };
  }

  // ---- create ----

  async create(ctx: RequestContext, obj: KubeObject): Promise<KeyValue> {
    if (!obj.metadata.name && obj.metadata.generateName) {
      let last: unknown;
      for (let i = 0; i < MAX_GENERATE_NAME_ATTEMPTS; i++) {
        const attempt = structuredClone(obj);
        attempt.metadata.name = generateName(obj.metadata.generateName);
        try {
          return await this.createOnce(ctx, attempt);
        } catch (e) {
          if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
          last = e;
        }
      }
      if (last instanceof StatusError && last.details?.name) {
        // Upstream's NewGenerateNameConflict: the client may retry, the server ran out of tries.
        throw new StatusError(409, 'AlreadyExists', `${last.message}, the server was not able to generate a unique name for the object`, { ...last.details, retryAfterSeconds: 1 });
      }
      throw last;
    }
    return this.createOnce(ctx, obj);
  }

  private async createOnce(ctx: RequestContext, obj: KubeObject): Promise<KeyValue> {
    if (obj.metadata.resourceVersion) {
      // Upstream returns a plain error here, which becomes a 500 without a reason.
      throw new StatusError(500, '', 'resourceVersion should not be set on objects to be created');
    }
    fillSystemFields(obj.metadata, this.now());
    await this.beforeCreate(ctx, obj);
    const name = obj.metadata.name!;
    const key = this.key(obj.metadata.namespace ?? '', name);
    if (this.cache.get(key) && (!this.cache.requiresFreshnessCheck || (await this.freshGet(key)))) throw this.alreadyExists(key, name);
    const finish = (await this.strategy.beginCreate?.(ctx, obj)) ?? noFinish;
    if (ctx.dryRun) {
      await finish(false);
      return { key, value: JSON.stringify(obj), rev: 0 };
    }
    try {
      const kv = await this.cache.create(key, obj);
      await finish(true);
      return kv;
    } catch (e) {
      await finish(false);
      const err = interpretCreateError(e, this.groupResource, name);
      if (err instanceof StatusError && err.reason === 'AlreadyExists') throw this.alreadyExists(key, name);
      throw err;
    }
  }

  /** alreadyExists says so, and says when the existing object is only waiting to be deleted. */
  private alreadyExists(key: string, name: string): StatusError {
    const err = newAlreadyExists(this.groupResource, name);
    const existing = this.cache.get(key);
    if (existing && decode(existing.value).metadata.deletionTimestamp) {
      return new StatusError(err.code, err.reason, `object is being deleted: ${err.message}`, err.details);
    }
    return err;
  }

  /**
   * beforeCreate is the fixed hook order for a new object (upstream rest.BeforeCreate plus the
   * decode-time steps): namespace → schema → defaults → prepareForCreate → validation → zero
   * values → canonicalize. Schema validation comes before any default could hide a missing field.
   */
  private async beforeCreate(ctx: RequestContext, obj: KubeObject): Promise<void> {
    this.ensureNamespace(ctx, obj);
    const s = this.strategy;
    this.checkSchema(obj);
    s.defaults?.(obj);
    this.trackFields(ctx, undefined, obj);
    await this.admission.admit(this.attributes(ctx, 'CREATE', obj.metadata.name ?? '', obj));
    if (s.statusField) {
      if (s.statusOnCreate === 'absent') delete obj[s.statusField];
      else obj[s.statusField] = {};
    }
    if (s.tracksGeneration) obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    s.prepareForCreate?.(obj);
    const errs: FieldError[] = [
      ...validateObjectMeta(obj.metadata, this.resource.namespaced, s.nameRule),
      ...validateManagedFields(obj.metadata.managedFields, FieldPath.root('metadata').child('managedFields')),
      ...(s.validate?.(obj) ?? []),
    ];
    if (errs.length) throw newInvalid(this.groupKind, obj.metadata.name ?? '', errs);
    // Upstream defaults again when it reads the stored object back; defaulting here once more
    // gives what it returns (a Pending claim whose status prepareForCreate had cleared, say).
    s.defaults?.(obj);
    this.defaulter()(obj);
    s.canonicalize?.(obj);
    await this.admission.validate(this.attributes(ctx, 'CREATE', obj.metadata.name ?? '', obj));
  }

  /**
   * trackFields records who changed which fields in metadata.managedFields (Update operations),
   * as upstream's field manager does on every write that is not a server-side apply.
   */
  private trackFields(ctx: RequestContext, old: KubeObject | undefined, obj: KubeObject, subresource?: string): void {
    if (!this.types || ctx.applied) return;
    const result = updateManagedFields(old, obj, {
      manager: managerOrUserAgent(ctx.fieldManager, ctx.userAgent),
      table: this.types.table,
      root: this.types.root,
      apiVersion: groupVersion(this.resource),
      now: this.now(),
      subresource,
      resetFields: this.resetFields(subresource),
    });
    const managed = (result.object.metadata as { managedFields?: unknown } | undefined)?.managedFields;
    if (managed === undefined) delete obj.metadata.managedFields;
    else obj.metadata.managedFields = managed as unknown[];
    if (old) {
      const reverted = revertNoopManagedFieldsTimestamps(obj, old) as KubeObject;
      obj.metadata.managedFields = reverted.metadata.managedFields;
    }
  }

  /**
   * fieldOf is the path a subresource owns when it writes one field of the object: status, or
   * one of the strategy's fieldSubresources (pods/ephemeralcontainers); undefined otherwise.
   */
  fieldOf(subresource: string | undefined): readonly string[] | undefined {
    if (subresource === undefined) return undefined;
    if (subresource === 'status') return this.strategy.statusField ? [this.strategy.statusField] : undefined;
    return this.strategy.fieldSubresources?.[subresource];
  }

  /** resetFields are the fields a write to this endpoint never changes (upstream GetResetFields). */
  resetFields(subresource?: string): FieldSet | undefined {
    const status = this.strategy.statusField;
    if (!status) return undefined;
    return subresource === 'status' ? FieldSet.of([fieldElement('spec')]) : FieldSet.of([fieldElement(status)]);
  }

  /** attributes describes a request to admission. */
  private attributes(ctx: RequestContext, operation: Operation, name: string, object?: KubeObject, oldObject?: KubeObject, subresource = ''): Attributes {
    return {
      operation,
      resource: this.resource,
      subresource,
      namespace: this.resource.namespaced ? (object?.metadata.namespace ?? oldObject?.metadata.namespace ?? ctx.namespace) : '',
      name,
      object,
      oldObject,
      user: ctx.user,
      dryRun: ctx.dryRun === true,
    };
  }

  /** checkSchema refuses an object that does not match the kind's OpenAPI schema. */
  private checkSchema(obj: KubeObject): void {
    const details = this.strategy.requiredDetails;
    const errs = schemaErrors(this.validator(), obj).map((e) => {
      const detail = e.type === 'Required' && !e.detail ? details?.[e.field.replace(/\[\d+\]/g, '[*]')] : undefined;
      return detail ? required(e.field, detail) : e;
    });
    if (errs.length) throw newInvalid(this.groupKind, obj.metadata.name ?? '', errs);
  }

  private ensureNamespace(ctx: RequestContext, obj: KubeObject): void {
    const expected = this.resource.namespaced ? ctx.namespace : '';
    const actual = obj.metadata.namespace ?? '';
    if (actual === expected) return;
    if (actual === '' || expected === '') {
      if (expected) obj.metadata.namespace = expected;
      else delete obj.metadata.namespace;
      return;
    }
    throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  }

  // ---- get ----

  async get(ctx: RequestContext, name: string, resourceVersion?: string): Promise<KeyValue> {
    const key = this.key(ctx.namespace, name);
    const rv = parseResourceVersion(resourceVersion);
    if (rv !== undefined && rv > 0) await this.waitFor(rv);
    else if (rv === undefined && this.cache.requiresFreshnessCheck) await this.waitFresh();
    let kv: KeyValue | undefined;
    try {
      kv = this.cache.get(key);
    } catch (e) {
      throw interpretGetError(e, this.groupResource, name);
    }
    if (!kv) throw newNotFound(this.groupResource, name);
    return kv;
  }

  /**
   * waitFresh makes a read without resourceVersion consistent when other servers write to the
   * same storage: the cache first catches up with the storage's current revision.
   */
  private async waitFresh(): Promise<void> {
    try {
      await this.cache.waitUntilFresh(FRESHNESS_WAIT_MS);
    } catch (e) {
      throw interpretListError(e, this.groupResource);
    }
  }

  /**
   * freshGet reads the cache once it is current. Writes use it where the cache's answer decides
   * the outcome (a miss before update or delete, a hit before create) and another server may
   * have just changed the object.
   */
  private async freshGet(key: string): Promise<KeyValue | undefined> {
    await this.waitFresh();
    return this.cache.get(key);
  }

  private async waitFor(rev: number): Promise<void> {
    try {
      await this.cache.waitForRevision(rev, FRESHNESS_WAIT_MS);
    } catch (e) {
      if (isStorageError(e, 'TooLargeResourceVersion')) throw tooLargeResourceVersion(`Too large resource version: ${rev}, current: ${this.cache.currentRevision}`);
      throw e;
    }
  }

  // ---- list ----

  async list(ctx: RequestContext, params: ListParams): Promise<ListOutcome> {
    const predicate = this.predicate(params);
    validateListParams(params, false);
    const prefix = this.prefixFor(ctx.namespace);
    const limit = params.limit && params.limit > 0 ? params.limit : 0;
    try {
      if (params.continue) {
        const token = decodeContinue(params.continue, prefix);
        return await this.listAt(prefix, predicate, token.rev, limit, token.lastKey, true);
      }
      const rv = parseResourceVersion(params.resourceVersion);
      if (params.resourceVersionMatch === 'Exact' && rv) {
        return await this.listAt(prefix, predicate, rv, limit, undefined, false);
      }
      if (rv) await this.waitFor(rv);
      else if (rv === undefined && this.cache.requiresFreshnessCheck) await this.cache.waitUntilFresh(FRESHNESS_WAIT_MS);
      const r = this.cache.list({ prefix, predicate, limit });
      return this.outcome(r.items, r.revision, r.more, r.remaining, prefix, predicate);
    } catch (e) {
      throw interpretListError(e, this.groupResource);
    }
  }

  /** listAt serves a consistent snapshot at an older revision: continued pages and Exact lists. */
  private async listAt(prefix: string, predicate: Predicate, rev: number, limit: number, after: string | undefined, continuing: boolean): Promise<ListOutcome> {
    if (rev === this.cache.currentRevision) {
      const r = this.cache.list({ prefix, predicate, limit, after });
      return this.outcome(r.items, r.revision, r.more, r.remaining, prefix, predicate);
    }
    try {
      const filter = predicate.empty ? undefined : (kv: KeyValue) => predicate.matches(this.attrs(decode(kv.value)));
      const r = await this.cache.listFromStorage(prefix, { revision: rev, after, limit, filter });
      return this.outcome(r.items, r.revision, r.more, undefined, prefix, predicate);
    } catch (e) {
      if (isStorageError(e, 'Compacted')) {
        if (continuing) {
          throw newResourceExpired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw newResourceExpired(`The resourceVersion for the provided list is too old.`);
      }
      throw e;
    }
  }

  private outcome(items: KeyValue[], revision: number, more: boolean, remaining: number | undefined, prefix: string, predicate: Predicate): ListOutcome {
    const out: ListOutcome = { items, revision };
    if (more && items.length) {
      out.continue = encodeContinue(items[items.length - 1].key, prefix, revision);
      if (remaining !== undefined && predicate.empty) out.remainingItemCount = remaining;
    }
    return out;
  }

  // ---- watch ----

  async watch(ctx: RequestContext, params: WatchParams, encoder: WatchEncoder, sink: WatchSink, timeoutMs: number): Promise<CacheWatcher> {
    const predicate = this.predicate(params);
    validateListParams(params, true);
    const rv = parseResourceVersion(params.resourceVersion);
    const streaming = params.sendInitialEvents === true;
    // rv unset or "0": start from the current state with synthetic ADDED events; a streaming list
    // does the same and closes the initial state with a bookmark.
    const from = streaming || !rv ? undefined : rv;
    if (rv) await this.waitFor(rv);
    try {
      return this.cache.watch({
        prefix: this.prefixFor(ctx.namespace),
        predicate,
        encoder,
        sink,
        from,
        initialEventsEnd: streaming,
        bookmarks: params.allowWatchBookmarks === true,
        timeoutMs,
      });
    } catch (e) {
      if (isStorageError(e, 'Compacted')) throw newResourceExpired(e.message);
      throw interpretListError(e, this.groupResource);
    }
  }

  // ---- update ----

  async update(ctx: RequestContext, name: string, updated: UpdatedObject, opts: { subresource?: string; forceAllowCreate?: boolean } = {}): Promise<UpdateOutcome> {
    const key = this.key(ctx.namespace, name);
    let existing = this.cache.get(key);
    if (!existing && this.cache.requiresFreshnessCheck) existing = await this.freshGet(key);
    if (!existing) return this.createOnUpdate(ctx, name, updated, opts.forceAllowCreate === true);
    let created = false;
    let kv: KeyValue;
    let finish: Finish = noFinish;
    try {
      kv = await this.cache.guaranteedUpdate(key, async (current) => {
        // A retry after a conflict starts over: undo what the previous attempt reserved.
        await finish(false);
        finish = noFinish;
        const old = decode(current.value);
        // A second parse is cheaper than structuredClone of the parsed object.
        const another = () => decode(current.value);
        const obj = await updated(another(), another);
        this.checkIdentity(ctx, name, obj);
        // A uid in the body is a storage precondition (upstream's UpdatedObjectInfo.Preconditions),
        // checked against the stored object before anything else.
        if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
          throw invalidObj(key, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
        }
        const requested = obj.metadata.resourceVersion;
        if (!requested) {
          if (!this.strategy.allowUnconditionalUpdate) {
            throw newInvalid(this.groupKind, name, [invalid('metadata.resourceVersion', 0, 'must be specified for an update')]);
          }
        } else if (requested !== old.metadata.resourceVersion) {
          throw newConflict(this.groupResource, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
        await this.beforeUpdate(ctx, obj, old, opts.subresource);
        delete obj.metadata.resourceVersion;
        if (this.shouldDeleteDuringUpdate(obj, old)) throw new EmptiedFinalizers(obj, current);
        const oldComparable = { ...old, metadata: { ...old.metadata, resourceVersion: undefined } };
        if (deepEqual(obj, oldComparable)) return undefined;
        finish = (await this.strategy.beginUpdate?.(ctx, obj, old)) ?? noFinish;
        if (ctx.dryRun) throw new DryRunResult(obj);
        return obj;
      });
    } catch (e) {
      await finish(false);
      if (e instanceof DryRunResult) return { kv: { key, value: JSON.stringify(e.obj), rev: 0 }, created };
      if (e instanceof EmptiedFinalizers) return { kv: await this.deleteWithoutFinalizers(ctx, name, e), created };
      throw interpretUpdateError(e, this.groupResource, name);
    }
    await finish(true);
    return { kv, created };
  }

  private async createOnUpdate(ctx: RequestContext, name: string, updated: UpdatedObject, force: boolean): Promise<UpdateOutcome> {
    if (!this.strategy.allowCreateOnUpdate && !force) throw newNotFound(this.groupResource, name);
    const obj = await updated(undefined);
    this.checkIdentity(ctx, name, obj);
    delete obj.metadata.resourceVersion;
    const kv = await this.createOnce(ctx, obj);
    return { kv, created: true };
  }

  /**
   * checkIdentity refuses a body whose name or namespace disagrees with the URL, with the
   * messages of upstream's checkName (handlers/rest.go), which PUT and PATCH run; a create's
   * namespace check (ensureNamespace) words it differently.
   */
  private checkIdentity(ctx: RequestContext, name: string, obj: KubeObject): void {
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw newBadRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    const namespace = obj.metadata.namespace;
    if (ctx.namespace && namespace && namespace !== ctx.namespace) {
      throw newBadRequest(`the namespace of the object (${namespace}) does not match the namespace on the request (${ctx.namespace})`);
    }
    obj.metadata.name = name;
  }

  /** beforeUpdate is the fixed hook order for a changed object (upstream rest.BeforeUpdate). */
  private async beforeUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject, subresource?: string): Promise<void> {
    this.ensureNamespace(ctx, obj);
    const s = this.strategy;
    this.checkSchema(obj);
    s.defaults?.(obj);
    await this.admission.admit(this.attributes(ctx, 'UPDATE', obj.metadata.name ?? '', obj, old, subresource ?? ''));
    const meta = obj.metadata;
    meta.generation = old.metadata.generation;
    if (meta.generation === undefined) delete meta.generation;
    const owned = this.fieldOf(subresource);
    if (owned) {
      // A write to status (or another subresource that owns one field) changes only that field;
      // everything else stays as stored.
      const value = valueAtPath(obj, owned);
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, structuredClone(old));
      setValueAtPath(obj, owned, value);
      delete obj.metadata.resourceVersion;
    } else if (subresource === undefined || subresource === 'scale') {
      if (s.statusField) {
        if (old[s.statusField] === undefined) delete obj[s.statusField];
        else obj[s.statusField] = structuredClone(old[s.statusField]);
      }
      s.prepareForUpdate?.(obj, old, subresource);
      if (s.tracksGeneration && contentChanged(obj, old, s.generationCovers ?? 'spec')) meta.generation = (old.metadata.generation ?? 0) + 1;
    } else {
      // Action subresources (binding) are the server's own writes: taken as computed.
      s.prepareForUpdate?.(obj, old, subresource);
    }
    const m = obj.metadata;
    if (!m.uid) m.uid = old.metadata.uid;
    this.trackFields(ctx, old, obj, subresource);
    if (old.metadata.creationTimestamp) m.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) m.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds === undefined) {
      m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    }
    if (old.metadata.deletionTimestamp) {
      const added = (m.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) {
        throw newInvalid(this.groupKind, m.name ?? '', [
          new FieldError('Forbidden', 'metadata.finalizers', undefined, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`),
        ]);
      }
    }
    const errs: FieldError[] = [
      ...validateObjectMeta(m, this.resource.namespaced, s.nameRule),
      ...validateObjectMetaUpdate(m, old.metadata),
      ...validateManagedFields(m.managedFields, FieldPath.root('metadata').child('managedFields')),
      ...((s.validateUpdateIsComplete ? undefined : s.validate?.(obj)) ?? []),
      ...(s.validateUpdate?.(obj, old, subresource) ?? []),
    ];
    if (errs.length) throw newInvalid(this.groupKind, m.name ?? '', errs);
    s.defaults?.(obj);
    this.defaulter()(obj);
    s.canonicalize?.(obj);
    await this.admission.validate(this.attributes(ctx, 'UPDATE', m.name ?? '', obj, old, subresource ?? ''));
  }

  /**
   * shouldDeleteDuringUpdate is upstream's ShouldDeleteDuringUpdate: an update that leaves an
   * object being deleted (with no grace period left) nothing to wait for deletes it instead of
   * storing it, so watchers see DELETED rather than a last MODIFIED.
   */
  private shouldDeleteDuringUpdate(obj: KubeObject, old: KubeObject): boolean {
    if (!old.metadata.deletionTimestamp || this.isFinalizing(obj)) return false;
    return !old.metadata.deletionGracePeriodSeconds;
  }

  /**
   * deleteWithoutFinalizers removes an object whose last finalizer an update removed. Like
   * upstream, it answers with the updated object, not with the deleted state.
   */
  private async deleteWithoutFinalizers(ctx: RequestContext, name: string, emptied: EmptiedFinalizers): Promise<KeyValue> {
    const { obj, current } = emptied;
    obj.metadata.resourceVersion = decode(current.value).metadata.resourceVersion;
    const answer = (rev: number): KeyValue => ({ key: current.key, value: JSON.stringify(obj), rev });
    if (ctx.dryRun) return answer(0);
    try {
      const deleted = await this.cache.delete(current.key, { cachedExisting: current });
      await this.strategy.afterDelete?.(ctx, decode(deleted.value));
      return answer(deleted.rev);
    } catch (e) {
      // Another update removing the last finalizer got there first.
      if (isStorageError(e, 'KeyNotFound')) return answer(current.rev);
      throw interpretDeleteError(e, this.groupResource, name);
    }
  }

  // ---- delete ----

  /** isFinalizing tells an object whose deletion must wait (finalizers, or the kind's own rule). */
  private isFinalizing(obj: KubeObject): boolean {
    return (obj.metadata.finalizers ?? []).length > 0 || this.strategy.finalizing?.(obj) === true;
  }

  /**
   * delete is upstream's Store.Delete. BeforeDelete checks the preconditions and starts a
   * graceful deletion where the kind has one; an object that must wait (a grace period,
   * finalizers, the garbage collector's finalizers to add or remove) is updated and kept,
   * anything else is removed from storage.
   */
  async delete(ctx: RequestContext, name: string, params: DeleteParams = {}): Promise<DeleteOutcome> {
    const key = this.key(ctx.namespace, name);
    let existing = this.cache.get(key);
    if (!existing && this.cache.requiresFreshnessCheck) existing = await this.freshGet(key);
    if (!existing) throw newNotFound(this.groupResource, name);
    // options is upstream's DeleteOptions, which BeforeDelete may change (the grace period).
    const options: DeleteParams = { ...params };
    const first = decode(existing.value);
    const { graceful, pending } = this.beforeDelete(first, options);
    if (pending) return { kv: existing, deleted: false, finalized: true };
    await this.admission.validate(this.attributes(ctx, 'DELETE', name, undefined, decode(existing.value)));
    let current = existing;
    let ignoreNotFound = false;
    if (graceful || this.isFinalizing(first) || this.gcFinalizers(first, options) !== undefined) {
      const marked = await this.markForDeletion(ctx, key, name, options, existing);
      if (!marked.deleteNow) return { kv: marked.kv, deleted: false, finalized: marked.finalized };
      if (ctx.dryRun) return { kv: marked.kv, deleted: true, finalized: true };
      current = marked.kv;
      ignoreNotFound = marked.graceful;
      // The update moved the resourceVersion a precondition may name.
      if (options.preconditions?.resourceVersion !== undefined) {
        options.preconditions = { ...options.preconditions, resourceVersion: decode(current.value).metadata.resourceVersion };
      }
    }
    if (ctx.dryRun) return { kv: existing, deleted: true, finalized: true };
    try {
      const kv = await this.cache.delete(key, { cachedExisting: current, validate: (cur) => void this.checkPreconditions(decode(cur.value), options, name) });
      await this.strategy.afterDelete?.(ctx, decode(kv.value));
      return { kv, deleted: true, finalized: true };
    } catch (e) {
      // A graceless deletion of a kind with grace periods races with whoever else deletes it.
      if (ignoreNotFound && isStorageError(e, 'KeyNotFound')) return { kv: current, deleted: true, finalized: true };
      throw interpretDeleteError(e, this.groupResource, name);
    }
  }

  /**
   * beforeDelete is upstream's rest.BeforeDelete: the preconditions (a conflict on the kind,
   * checked before anything else), then graceful deletion for kinds that have it: the first
   * graceful delete sets deletionTimestamp and the grace period and moves generation; a later
   * one may only shorten the period, otherwise it is pending. May mutate obj and options.
   */
  private beforeDelete(obj: KubeObject, options: DeleteParams): { graceful: boolean; pending: boolean } {
    const m = obj.metadata;
    const p = options.preconditions;
    // Upstream names the kind here (a GroupResource made of the kind): `ConfigMap`, `Deployment.apps`.
    const kind: GroupResource = { group: this.resource.group, resource: this.resource.kind };
    if (p?.uid !== undefined && p.uid !== (m.uid ?? '')) {
      throw newConflict(kind, m.name ?? '', `the UID in the precondition (${p.uid}) does not match the UID in record (${m.uid ?? ''}). The object might have been deleted and then recreated`);
    }
    if (p?.resourceVersion !== undefined && p.resourceVersion !== (m.resourceVersion ?? '')) {
      throw newConflict(kind, m.name ?? '', `the ResourceVersion in the precondition (${p.resourceVersion}) does not match the ResourceVersion in record (${m.resourceVersion ?? ''}). The object might have been modified`);
    }
    // Negative periods count as one second.
    if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0) options.gracePeriodSeconds = 1;
    if (m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds < 0) m.deletionGracePeriodSeconds = 1;
    const check = this.strategy.checkGracefulDelete;
    if (!check) return { graceful: false, pending: false };
    if (m.deletionTimestamp) {
      const current = m.deletionGracePeriodSeconds;
      // Marked with no period left (or a delete that failed after the update): delete now.
      if (!current) return { graceful: false, pending: false };
      if (options.gracePeriodSeconds === undefined) {
        options.gracePeriodSeconds = current;
        return { graceful: false, pending: true };
      }
      let period = options.gracePeriodSeconds;
      if (period >= current) return { graceful: false, pending: true };
      // Only a shorter period: move deletionTimestamp back, but never into the past.
      let at = Date.parse(m.deletionTimestamp) + (period - current) * 1000;
      const now = this.now().getTime();
      if (at < now) {
        at = now;
        if (period !== 0) period = 1;
      }
      m.deletionTimestamp = rfc3339(new Date(at));
      m.deletionGracePeriodSeconds = period;
      return { graceful: true, pending: false };
    }
    const period = check(obj, options.gracePeriodSeconds);
    if (period === undefined) return { graceful: false, pending: false };
    options.gracePeriodSeconds = period;
    m.deletionTimestamp = rfc3339(new Date(this.now().getTime() + period * 1000));
    m.deletionGracePeriodSeconds = period;
    // Controllers must notice that the object is going away: the first graceful delete moves generation.
    if ((m.generation ?? 0) > 0) m.generation = m.generation! + 1;
    return { graceful: true, pending: false };
  }

  /** checkPreconditions is the storage layer's own check of DeleteOptions preconditions. */
  private checkPreconditions(obj: KubeObject, options: DeleteParams, name: string): void {
    const p = options.preconditions;
    if (p?.uid !== undefined && p.uid !== (obj.metadata.uid ?? '')) {
      throw newConflict(this.groupResource, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
    }
    if (p?.resourceVersion !== undefined && p.resourceVersion !== (obj.metadata.resourceVersion ?? '')) {
      throw newConflict(this.groupResource, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`);
    }
  }

  /**
   * gcFinalizers is upstream's deletionFinalizersForGarbageCollection: the finalizers the
   * garbage collector needs for this deletion (orphan, foregroundDeletion), or undefined when
   * the object already has exactly those.
   */
  private gcFinalizers(obj: KubeObject, options: DeleteParams): string[] | undefined {
    const existing = obj.metadata.finalizers ?? [];
    const has = (f: string) => existing.includes(f);
    const policy = options.propagationPolicy;
    const orphan =
      options.orphanDependents !== undefined
        ? options.orphanDependents
        : policy !== undefined
          ? policy === 'Orphan'
          : has(ORPHAN_FINALIZER) || (!has(FOREGROUND_FINALIZER) && this.strategy.defaultPropagationPolicy === 'Orphan');
    const foreground =
      options.orphanDependents !== undefined
        ? false
        : policy !== undefined
          ? policy === 'Foreground'
          : (has(FOREGROUND_FINALIZER) && !has(ORPHAN_FINALIZER)) || (!has(ORPHAN_FINALIZER) && !has(FOREGROUND_FINALIZER) && this.strategy.defaultPropagationPolicy === 'Foreground');
    const next = existing.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
    if (orphan) next.push(ORPHAN_FINALIZER);
    if (foreground) next.push(FOREGROUND_FINALIZER);
    const before = new Set(existing);
    const after = new Set(next);
    const same = before.size === after.size && [...after].every((f) => before.has(f));
    return same ? undefined : next;
  }

  /**
   * markForDeletion is upstream's updateForGracefulDeletionAndFinalizers: one update that sets
   * the graceful deletion and the garbage collector's finalizers, or marks an object with
   * finalizers as deleting (markAsDeleting). deleteNow tells that nothing is left to wait for.
   */
  private async markForDeletion(
    ctx: RequestContext,
    key: string,
    name: string,
    options: DeleteParams,
    existing: KeyValue,
  ): Promise<{ kv: KeyValue; deleteNow: boolean; finalized: boolean; graceful: boolean }> {
    let waiting = false;
    let lastGraceful = 0;
    const tryUpdate = (cur: KeyValue): KubeObject | undefined => {
      const obj = decode(cur.value);
      this.checkPreconditions(obj, options, name);
      const { graceful, pending } = this.beforeDelete(obj, options);
      if (pending) throw ALREADY_DELETING;
      // Finalizers follow DeleteOptions only until the deletion has started (pending above).
      const finalizers = this.gcFinalizers(obj, options);
      if (finalizers) {
        if (finalizers.length) obj.metadata.finalizers = finalizers;
        else delete obj.metadata.finalizers;
      }
      waiting = this.isFinalizing(obj);
      if (!graceful) {
        if (!waiting) throw DELETE_NOW;
        this.markAsDeleting(obj);
      } else {
        lastGraceful = options.gracePeriodSeconds ?? 0;
      }
      return deepEqual(obj, decode(cur.value)) ? undefined : obj;
    };
    let kv: KeyValue;
    try {
      if (ctx.dryRun) {
        const obj = tryUpdate(existing);
        kv = obj ? { key, value: JSON.stringify(obj), rev: 0 } : existing;
      } else {
        kv = await this.cache.guaranteedUpdate(key, tryUpdate, { cachedExisting: existing });
      }
    } catch (e) {
      if (e === DELETE_NOW) return { kv: existing, deleteNow: true, finalized: false, graceful: false };
      if (e === ALREADY_DELETING) return { kv: existing, deleteNow: false, finalized: true, graceful: false };
      throw interpretUpdateError(e, this.groupResource, name);
    }
    // Finalizers always wait; so does a grace period. A graceful deletion with no period deletes now.
    if (waiting || lastGraceful > 0) return { kv, deleteNow: false, finalized: false, graceful: true };
    return { kv, deleteNow: true, finalized: false, graceful: true };
  }

  /**
   * markAsDeleting is upstream's markAsDeleting for an object whose deletion waits for
   * finalizers: deletionTimestamp now (or kept if earlier), grace period 0, generation moved on
   * the first mark. The kind's own markDeleting runs once, when the deletion starts.
   */
  private markAsDeleting(obj: KubeObject): void {
    const m = obj.metadata;
    const first = !m.deletionTimestamp;
    // Kinds whose deletion waits on their own rule (namespaces, CRDs) have their own Delete
    // upstream, which only sets deletionTimestamp: no grace period, generation left alone.
    const ownRule = this.strategy.finalizing?.(obj) === true;
    if (first && !ownRule && (m.generation ?? 0) > 0) m.generation = m.generation! + 1;
    const now = this.now();
    if (!m.deletionTimestamp || Date.parse(m.deletionTimestamp) > now.getTime()) m.deletionTimestamp = rfc3339(now);
    if (!ownRule) m.deletionGracePeriodSeconds = 0;
    if (first) this.strategy.markDeleting?.(obj);
  }

  /** deleteCollection deletes every object a list would return, one by one. */
  async deleteCollection(ctx: RequestContext, params: ListParams, del: DeleteParams): Promise<ListOutcome> {
    const listed = await this.list(ctx, { ...params, limit: 0, continue: undefined });
    const deleted: KeyValue[] = [];
    for (const kv of listed.items) {
      const obj = decode(kv.value);
      try {
        const r = await this.delete({ ...ctx, namespace: obj.metadata.namespace ?? '' }, obj.metadata.name ?? '', del);
        deleted.push(r.kv);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return { items: deleted, revision: this.cache.currentRevision };
  }
}

const noFinish: Finish = async () => {};

/** contentChanged tells whether what generation covers differs between two states. */
function contentChanged(obj: KubeObject, old: KubeObject, covers: 'spec' | 'specAndAnnotations' | 'content'): boolean {
  if (covers === 'spec') return !deepEqual(obj.spec, old.spec);
  if (covers === 'specAndAnnotations') return !deepEqual(obj.spec, old.spec) || !deepEqual(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {});
  const strip = (o: KubeObject) => ({ ...o, metadata: undefined });
  return !deepEqual(strip(obj), strip(old));
}

/** DryRunResult carries a dry-run update's result out of guaranteedUpdate without writing. */
class DryRunResult {
  constructor(readonly obj: KubeObject) {}
}

/** EmptiedFinalizers carries an update that must become a deletion out of guaranteedUpdate. */
class EmptiedFinalizers {
  constructor(
    readonly obj: KubeObject,
    readonly current: KeyValue,
  ) {}
}

/** DELETE_NOW and ALREADY_DELETING end a deletion's update early (upstream errDeleteNow, errAlreadyDeleting). */
const DELETE_NOW = Symbol('delete now');
const ALREADY_DELETING = Symbol('already deleting');

/** parseResourceVersion reads a resourceVersion parameter; "" is undefined, "0" is 0. */
export function parseResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  if (!/^\d+$/.test(rv)) {
    throw newBadRequest(`invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  }
  return Number(rv);
}

/** validateListParams applies upstream's ValidateListOptions to the resourceVersion parameters. */
function validateListParams(p: WatchParams, watch: boolean): void {
  const errs: FieldError[] = [];
  const match = p.resourceVersionMatch ?? '';
  if (match && match !== 'Exact' && match !== 'NotOlderThan') {
    errs.push(new FieldError('NotSupported', 'resourceVersionMatch', match, 'supported values: "Exact", "NotOlderThan", ""'));
  }
  if (p.continue && p.resourceVersion) {
    throw newBadRequest('specifying resource version is not allowed when using continue');
  }
  if (watch) {
    if (p.sendInitialEvents !== undefined) {
      if (match !== 'NotOlderThan') {
        errs.push(new FieldError('Forbidden', 'resourceVersionMatch', undefined, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
      }
      if (!p.allowWatchBookmarks && p.sendInitialEvents) {
        errs.push(new FieldError('Forbidden', 'allowWatchBookmarks', undefined, 'sendInitialEvents requires setting allowWatchBookmarks to true'));
      }
    } else if (match) {
      errs.push(new FieldError('Forbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
  } else if (match) {
    if (!p.resourceVersion) errs.push(new FieldError('Forbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (p.continue) errs.push(new FieldError('Forbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch is forbidden when continue is provided'));
    if (match === 'Exact' && p.resourceVersion === '0') {
      errs.push(new FieldError('Forbidden', 'resourceVersionMatch', undefined, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (errs.length) throw newInvalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errs);
}


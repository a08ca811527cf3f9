import type { RouterContext } from '@koa/router';
import type { Context } from 'koa';
import { Readable } from 'node:stream';
import { stringify as toYaml } from 'yaml';
import { StatusError, newBadRequest, newMethodNotSupported, newNotFoundPath, newUnsupportedMediaType } from '../apierrors';
import type { UserInfo } from '../auth/user';
import { isPlainObject, type KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { ListParams, Store, WatchParams } from '../registry/store';
import { groupVersion, type ResourceDescriptor } from '../resources/descriptor';
import { decode } from '../storage/codec';
import type { KeyValue } from '../storage/interface';
import { negotiateObject, type OutputFormat } from '../server/negotiation';
import type { EndpointFactory, Handler, ResourceEndpoints } from './factory';
import { PATCH_TYPES, jsonPatch, mergePatch, patchTypeOf, type PatchType } from './patch';
import { Query, decodeBody, dropNulls, mediaType, parseJson, readBody } from './request';
import { renderTable, type IncludeObject, type TableSpec } from './table';
import { jsonWatchEncoder, openWatchStream, protobufWatchEncoder, tableWatchEncoder } from './watch';
import { PROTOBUF_CONTENT_TYPE, PROTOBUF_WATCH_CONTENT_TYPE, ProtobufError, decodeObject as decodeProtobufObject, encodeItem, encodeListFromItems, encodeObject, hasProtobuf } from '../protobuf';
import { duplicateFields, reportFields, type DuplicateField, type FieldValidation } from './fieldvalidation';
import { createOptions, deleteOptions, patchOptions, updateOptions, type DeleteRequestOptions, type WriteOptions } from './options';
import type { VersionConversion } from './conversion';
import { applyPatch } from '../apply';
import { isPatchError, patchErrorToStatus, strategicMergePatch, strategicMergePatchSupported } from '../patch/strategic';
import type { TypeRef, TypeTable } from '../schema/typeinfo';
import { quantityDecodeError } from '../schema/quantities';
import type { ScaleSpec } from '../registry/strategy';
import { scaleOf, updateScale } from './scale';

/** MIN_REQUEST_TIMEOUT_S is kube-apiserver's --min-request-timeout: watches without a timeout last 1-2x this. */
const MIN_REQUEST_TIMEOUT_S = 1800;

/** StoreLookup finds the store of a group-resource (one store serves all versions of it). */
export interface StoreLookup {
  storeFor(group: string, plural: string): Store | undefined;
}

/**
 * Pruner normalizes a decoded object as decoding into the kind would (unknown fields removed,
 * nulls handled as the kind's decoder does), in place, and returns the removed fields' paths.
 * `original`, when given, rebuilds `obj` as it was before: a pruner that needs it only when it
 * removed something saves copying every object on the way in.
 */
export type Pruner = (obj: Record<string, unknown>, original?: () => Record<string, unknown>) => string[];

/** HandlerOptions are what the generic handlers need besides the stores. */
export interface HandlerOptions {
  stores: StoreLookup;
  /** typeInfo finds a resource's merge structure (strategic merge patch, apply). */
  typeInfo: (d: ResourceDescriptor) => { table: TypeTable; root: TypeRef } | undefined;
  /** pruner finds a served version's pruner (unknown-field handling): generated, or compiled for a CRD. */
  pruner: (d: ResourceDescriptor) => Pruner | undefined;
  /** conversion converts between a served version and the storage version; undefined when they are one. */
  conversion: (d: ResourceDescriptor) => VersionConversion | undefined;
  now?: () => Date;
  /** watchTimeoutSeconds overrides the random 1800-3600s default (tests). */
  defaultWatchTimeoutSeconds?: () => number;
}

/** userOf reads the authenticated user the auth middleware left in ctx.state. */
export function userOf(ctx: Context): UserInfo {
  const user = (ctx.state as { user?: UserInfo }).user;
  if (!user) throw new StatusError(500, 'InternalError', 'no user on request');
  return user;
}

/**
 * createEndpointFactory builds the generic handlers that the generated route modules bind to
 * each resource. Every verb goes through the resource's Store; what varies per resource is
 * data (the descriptor) and the strategy behind the store.
 */
export function createEndpointFactory(opts: HandlerOptions): EndpointFactory {
  const now = opts.now ?? (() => new Date());
  const watchTimeout = opts.defaultWatchTimeoutSeconds ?? (() => MIN_REQUEST_TIMEOUT_S * (1 + Math.random()));

  function storeOf(d: ResourceDescriptor): Store {
    const s = opts.stores.storeFor(d.group, d.plural);
    if (!s) throw new Error(`no store for ${d.plural}.${d.group}`);
    return s;
  }

  function prunerFor(d: ResourceDescriptor): () => Pruner {
    let fn: Pruner | undefined;
    return () => {
      if (fn) return fn;
      const found = opts.pruner(d);
      if (!found) throw new Error(`no pruner for ${d.kind} in ${d.group}/${d.version}`);
      return (fn = found);
    };
  }

  function resource<T>(d: ResourceDescriptor): ResourceEndpoints<T> {
    let store: Store | undefined;
    const get = () => (store ??= storeOf(d));
    const h = new ResourceHandlers(d, get, now, watchTimeout, prunerFor(d), opts.typeInfo, opts.conversion(d));
    return {
      list: (ctx) => h.list(ctx as RouterContext),
      create: (ctx) => h.create(ctx as RouterContext),
      deletecollection: (ctx) => h.deleteCollection(ctx as RouterContext),
      get: (ctx) => h.get(ctx as RouterContext),
      update: (ctx) => h.update(ctx as RouterContext),
      patch: (ctx) => h.patch(ctx as RouterContext),
      delete: (ctx) => h.delete(ctx as RouterContext),
      watch: (ctx) => h.watch(ctx as RouterContext, true),
      watchlist: (ctx) => h.watch(ctx as RouterContext, false),
      connect: (ctx) => h.unsupported(ctx as RouterContext, ''),
    };
  }

  function subresource<T>(d: ResourceDescriptor, name: string): ResourceEndpoints<T> {
    let store: Store | undefined;
    const get = () => (store ??= storeOf(d));
    const h = new ResourceHandlers(d, get, now, watchTimeout, prunerFor(d), opts.typeInfo, opts.conversion(d), name);
    const refuse: Handler = (ctx) => h.unsupported(ctx as RouterContext, name);
    // Everything a subresource does not serve is refused; each kind serves a few verbs.
    const only = (served: Partial<Record<Exclude<keyof ResourceEndpoints, 'kind'>, Handler>>): ResourceEndpoints<T> => ({
      list: refuse,
      create: refuse,
      deletecollection: refuse,
      get: refuse,
      update: refuse,
      patch: refuse,
      delete: refuse,
      watch: refuse,
      watchlist: refuse,
      connect: refuse,
      ...served,
    });
    if (name === 'scale') {
      return only({ get: (ctx) => h.scaleGet(ctx as RouterContext), update: (ctx) => h.scaleUpdate(ctx as RouterContext), patch: (ctx) => h.scalePatch(ctx as RouterContext) });
    }
    // status, and the other subresources of the resource's own kind whose field the strategy
    // names (pods/ephemeralcontainers), read the object and write their field of it.
    if (name === 'status' || d.subresources.some((s) => s.name === name && s.kind === d.kind && s.group === d.group)) {
      const owned = (serve: (ctx: RouterContext) => Promise<void>): Handler => (ctx) => (get().fieldOf(name) ? serve(ctx as RouterContext) : h.unsupported(ctx as RouterContext, name));
      return only({ get: owned((ctx) => h.get(ctx)), update: owned((ctx) => h.update(ctx)), patch: owned((ctx) => h.patch(ctx)) });
    }
    // Action subresources (binding, eviction) take a POST the resource's strategy serves.
    return only({ create: (ctx) => h.subresourceAction(ctx as RouterContext, name) });
  }

  return { resource, subresource };
}

/** ResourceHandlers serves one resource (or one of its subresources) in one version. */
class ResourceHandlers {
  private readonly apiVersion: string;

  constructor(
    private readonly d: ResourceDescriptor,
    private readonly store: () => Store,
    private readonly now: () => Date,
    private readonly watchTimeout: () => number,
    private readonly pruner: () => Pruner,
    private readonly typeInfo: HandlerOptions['typeInfo'],
    private readonly conversion: VersionConversion | undefined,
    private readonly subresource?: string,
  ) {
    this.apiVersion = groupVersion(d);
    this.types = typeInfo(d);
  }

  private readonly types: { table: TypeTable; root: TypeRef } | undefined;

  private context(ctx: RouterContext, dryRun = false): RequestContext {
    if (this.d.deprecationWarning) addWarning(ctx, this.d.deprecationWarning);
    const fieldManager = typeof ctx.query.fieldManager === 'string' ? ctx.query.fieldManager : undefined;
    return { namespace: this.d.namespaced ? (ctx.params.namespace ?? '') : '', user: userOf(ctx), dryRun, fieldManager, userAgent: ctx.get('user-agent') };
  }

  private query(ctx: RouterContext): Query {
    return new Query(ctx.query);
  }

  /** negotiate picks the response format; protobuf only for kinds that have a message. */
  private negotiate(ctx: RouterContext, list: boolean): OutputFormat {
    return negotiateObject(ctx.get('accept'), list, hasProtobuf(this.apiVersion, list ? this.d.listKind : this.d.kind));
  }

  /** view renders a stored value in this endpoint's version. */
  private view(value: string): string {
    return this.conversion ? JSON.stringify(this.conversion.fromStorage(decode(value))) : value;
  }

  /** protobufItem is a stored value's list-item encoding in this version, made once per value. */
  private protobufItem(kv: KeyValue): Uint8Array {
    let byVersion = protobufItems.get(kv);
    if (!byVersion) protobufItems.set(kv, (byVersion = new Map()));
    let bytes = byVersion.get(this.apiVersion);
    if (!bytes) byVersion.set(this.apiVersion, (bytes = encodeItem(this.apiVersion, this.d.kind, decode(this.view(kv.value)))));
    return bytes;
  }

  /** toStorage converts an object of this endpoint's version to the storage version. */
  private toStorage(obj: KubeObject): KubeObject {
    return this.conversion ? this.conversion.toStorage(obj) : obj;
  }

  /** fromStorage converts a stored object to this endpoint's version. */
  private fromStorage(obj: KubeObject): KubeObject {
    return this.conversion ? this.conversion.fromStorage(obj) : obj;
  }

  private tableSpec(): TableSpec {
    const s = this.store();
    return { columns: this.d.printerColumns, printer: s.strategy.printer };
  }

  // ---- reads ----

  async get(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const format = this.negotiate(ctx, false);
    const kv = await this.store().get(this.context(ctx), ctx.params.name, q.string('resourceVersion'));
    this.writeObject(ctx, 200, kv, format, q);
  }

  async list(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    if (q.bool('watch')) return this.watch(ctx, false);
    const format = this.negotiate(ctx, true);
    const params = listParams(q);
    const outcome = await this.store().list(this.context(ctx), params);
    const meta: Record<string, unknown> = { resourceVersion: String(outcome.revision) };
    if (outcome.continue) meta.continue = outcome.continue;
    if (outcome.remainingItemCount !== undefined) meta.remainingItemCount = outcome.remainingItemCount;
    if (format.kind === 'table') {
      const objects = outcome.items.map((kv) => decode(this.view(kv.value)));
      this.send(ctx, 200, renderTable(this.tableSpec(), objects, {
        version: format.version,
        include: includeObject(q),
        resourceVersion: meta.resourceVersion as string,
        continue: outcome.continue,
        remainingItemCount: outcome.remainingItemCount,
        now: this.now(),
      }));
      return;
    }
    if (format.kind === 'protobuf') {
      // Each stored value's item encoding is kept beside it (per version), like its JSON.
      const items = outcome.items.map((kv) => this.protobufItem(kv));
      this.sendProtobuf(ctx, 200, encodeListFromItems(this.apiVersion, this.d.listKind, meta, items));
      return;
    }
    if (format.kind === 'partial') {
      const items = outcome.items.map((kv) => JSON.stringify(partial(decode(kv.value), format.version)));
      this.send(ctx, 200, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/${format.version}","metadata":${JSON.stringify(meta)},"items":[${items.join(',')}]}`);
      return;
    }
    // Items are already serialized; the list is assembled around them, never re-encoded.
    const head = `{"kind":"${this.d.listKind}","apiVersion":"${this.apiVersion}","metadata":${JSON.stringify(meta)},"items":[`;
    const pretty = q.bool('pretty') === true;
    if (format.kind === 'json' && !pretty && outcome.items.length > STREAM_LIST_ITEMS) {
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = Readable.from(listChunks(head, outcome.items, (v) => this.view(v)));
      return;
    }
    const body = `${head}${outcome.items.map((kv) => this.view(kv.value)).join(',')}]}`;
    if (format.kind === 'yaml') this.sendYaml(ctx, 200, body);
    else this.send(ctx, 200, body, pretty);
  }

  async watch(ctx: RouterContext, single: boolean): Promise<void> {
    const q = this.query(ctx);
    const format = this.negotiate(ctx, true);
    const params: WatchParams = {
      ...listParams(q),
      allowWatchBookmarks: q.bool('allowWatchBookmarks'),
      sendInitialEvents: q.bool('sendInitialEvents'),
      timeoutSeconds: q.int('timeoutSeconds'),
    };
    if (single) {
      const byName = `metadata.name=${ctx.params.name}`;
      params.fieldSelector = params.fieldSelector ? `${params.fieldSelector},${byName}` : byName;
    }
    const rctx = this.context(ctx);
    const timeoutSeconds = params.timeoutSeconds && params.timeoutSeconds > 0 ? params.timeoutSeconds : this.watchTimeout();
    const view = (v: string) => this.view(v);
    const encoder =
      format.kind === 'table'
        ? tableWatchEncoder(this.apiVersion, this.tableSpec(), format.version, includeObject(q), view, this.now)
        : format.kind === 'protobuf'
          ? protobufWatchEncoder(this.apiVersion, this.apiVersion, this.d.kind, view)
          : jsonWatchEncoder(this.apiVersion, this.apiVersion, this.d.kind, view);
    // Validate and resolve the starting point before committing to a streaming response, so
    // errors (410 Gone, bad selectors) are ordinary Status answers.
    const { sink, closed } = deferredStream(ctx, format.kind === 'protobuf' ? PROTOBUF_WATCH_CONTENT_TYPE : 'application/json');
    const watcher = await this.store().watch(rctx, params, encoder, sink.sink, timeoutSeconds * 1000);
    sink.open();
    const timer = setTimeout(() => watcher.stop(), timeoutSeconds * 1000);
    await closed();
    clearTimeout(timer);
    watcher.stop();
  }

  // ---- writes ----

  async create(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const format = this.negotiate(ctx, false);
    const options = createOptions(q);
    const rctx = this.context(ctx, options.dryRun);
    const createAction = this.store().strategy.createAction;
    if (createAction) {
      const body = decodeActionBody(await readBody(ctx), mediaType(ctx), { apiVersion: this.apiVersion, kind: this.d.kind });
      this.send(ctx, 201, JSON.stringify(await createAction(rctx, body)));
      return;
    }
    const obj = this.toStorage(this.decodeChecked(ctx, await readBody(ctx), options.fieldValidation));
    const kv = await this.store().create(rctx, obj);
    this.writeObject(ctx, 201, kv, format, q);
  }

  async update(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const format = this.negotiate(ctx, false);
    const options = updateOptions(q);
    const rctx = this.context(ctx, options.dryRun);
    const obj = this.toStorage(this.decodeChecked(ctx, await readBody(ctx), options.fieldValidation));
    const outcome = await this.store().update(rctx, ctx.params.name, () => obj, { subresource: this.subresource });
    this.writeObject(ctx, outcome.created ? 201 : 200, outcome.kv, format, q);
  }

  async patch(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const type = patchTypeOf(mediaType(ctx), this.patchTypes());
    const format = this.negotiate(ctx, false);
    const body = await readBody(ctx);
    const options = patchOptions(q, type);
    const directive = options.fieldValidation;
    const rctx = this.context(ctx, options.dryRun);
    if (type === 'application/apply-patch+yaml') return this.apply(ctx, q, options, rctx, body, format);
    const text = body.toString('utf8');
    const patch = parseJson(text);
    const duplicates = directive === 'Ignore' ? [] : duplicateFields(text, patch);
    let warned = false;
    const outcome = await this.store().update(
      rctx,
      ctx.params.name,
      (current, another) => {
        if (!current) throw newBadRequest('patch on a missing object');
        const patched = this.applyPatch(type, this.fromStorage(current), patch);
        // The patched object may share values with `patch`, which pruning changes: the rebuilt
        // original starts from the text again.
        const original = another && (() => this.applyPatch(type, this.fromStorage(another()), parseJson(text)));
        const unknown = this.pruner()(patched, original);
        const warnings = reportFields(directive, { unknown, duplicates });
        if (!warned) for (const w of warnings) addWarning(ctx, w);
        warned = true;
        return this.toStorage(patched);
      },
      { subresource: this.subresource },
    );
    this.writeObject(ctx, 200, outcome.kv, format, q);
  }

  /** patchTypes are what this resource accepts: strategic merge needs patch metadata (not CRs). */
  private patchTypes(): readonly PatchType[] {
    const smp = this.types !== undefined && strategicMergePatchSupported(this.types.table, this.types.root);
    return PATCH_TYPES.filter(
      (t) =>
        t === 'application/json-patch+json' ||
        t === 'application/merge-patch+json' ||
        (smp && t === 'application/strategic-merge-patch+json') ||
        (this.types !== undefined && t === 'application/apply-patch+yaml'),
    );
  }

  /**
   * apply serves server-side apply: the applied configuration is merged into the live object
   * with field ownership (conflicts, force), and a missing object is created from it.
   */
  private async apply(ctx: RouterContext, q: Query, options: WriteOptions, rctx: RequestContext, body: Buffer, format: OutputFormat): Promise<void> {
    const types = this.types!;
    const directive = options.fieldValidation;
    const force = options.force === true;
    const fieldManager = options.fieldManager;
    const applied = decodeBody(body, 'application/yaml');
    const text = body.toString('utf8');
    const duplicates = directive === 'Ignore' || !text.trimStart().startsWith('{') ? [] : duplicateFields(text, applied);
    dropNulls(applied);
    const unknown = this.pruner()(applied, () => decodeBody(body, 'application/yaml'));
    for (const w of reportFields(directive, { unknown, duplicates })) addWarning(ctx, w);
    const outcome = await this.store().update(
      { ...rctx, applied: true },
      ctx.params.name,
      (current) =>
        this.toStorage(applyPatch(current && this.fromStorage(current), applied, {
          manager: fieldManager!,
          force,
          table: types.table,
          root: types.root,
          apiVersion: this.apiVersion,
          kind: this.d.kind,
          now: this.now(),
          subresource: this.subresource,
          resetFields: this.store().resetFields(this.subresource),
        }).object as KubeObject),
      { subresource: this.subresource, forceAllowCreate: this.subresource === undefined },
    );
    this.writeObject(ctx, outcome.created ? 201 : 200, outcome.kv, format, q);
  }

  private applyPatch(type: PatchType, current: KubeObject, patch: unknown): KubeObject {
    let result: unknown;
    if (type === 'application/json-patch+json') result = jsonPatch(current, patch);
    else if (type === 'application/strategic-merge-patch+json') {
      try {
        result = strategicMergePatch(current, patch, this.types!.table, this.types!.root);
      } catch (e) {
        if (isPatchError(e)) throw patchErrorToStatus(e);
        throw e;
      }
    } else result = mergePatch(current, patch);
    if (!isPlainObject(result) || !isPlainObject(result.metadata)) throw newBadRequest('the patched object is not an object with metadata');
    // Nulls are left to the pruner, which patch() runs next.
    this.checkTypeMeta(result);
    return result as KubeObject;
  }

  async delete(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const format = this.negotiate(ctx, false);
    const params = await deleteParams(ctx, q);
    const rctx = this.context(ctx, params.dryRun);
    const outcome = await this.store().delete(rctx, ctx.params.name, params);
    // Upstream answers 202 only for an object kept after a request that set orphanDependents=false
    // (kept for old clients); everything else, deleted or only marked, is 200.
    const status = !outcome.deleted && params.orphanDependents === false ? 202 : 200;
    if (!outcome.finalized || this.store().strategy.returnDeletedObject) {
      this.writeObject(ctx, status, outcome.kv, format, q);
      return;
    }
    const obj = decode(outcome.kv.value);
    const details: Record<string, unknown> = { name: obj.metadata.name };
    if (this.d.group) details.group = this.d.group;
    details.kind = this.d.plural;
    details.uid = obj.metadata.uid;
    this.send(ctx, status, JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details }));
  }

  async deleteCollection(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const params = await deleteParams(ctx, q);
    const rctx = this.context(ctx, params.dryRun);
    const outcome = await this.store().deleteCollection(rctx, listParams(q), params);
    const body = `{"kind":"${this.d.listKind}","apiVersion":"${this.apiVersion}","metadata":{"resourceVersion":"${outcome.revision}"},"items":[${outcome.items.map((kv) => this.view(kv.value)).join(',')}]}`;
    this.send(ctx, 200, body);
  }

  // ---- scale ----

  private scaleSpec(): ScaleSpec {
    const spec = this.store().strategy.scale;
    if (!spec) throw newMethodNotSupported({ group: this.d.group, resource: `${this.d.plural}/scale` }, 'scale');
    return spec;
  }

  private sendScale(ctx: RouterContext, scale: Record<string, unknown>, q: Query): void {
    const format = this.negotiate(ctx, false);
    const json = JSON.stringify(scale);
    if (format.kind === 'yaml') this.sendYaml(ctx, 200, json);
    else this.send(ctx, 200, json, q.bool('pretty') === true);
  }

  async scaleGet(ctx: RouterContext): Promise<void> {
    const spec = this.scaleSpec();
    const kv = await this.store().get(this.context(ctx), ctx.params.name);
    this.sendScale(ctx, scaleOf(decode(kv.value), spec), this.query(ctx));
  }

  async scaleUpdate(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const spec = this.scaleSpec();
    const options = updateOptions(q);
    const rctx = this.context(ctx);
    const body = decodeBody(await readBody(ctx), mediaType(ctx));
    if (body.kind !== undefined && body.kind !== 'Scale') throw newBadRequest(`${String(body.kind)} in version "v1" cannot be handled as a Scale`);
    const scale = await updateScale(this.store(), rctx, ctx.params.name, spec, () => body, options.dryRun);
    this.sendScale(ctx, scale, q);
  }

  async scalePatch(ctx: RouterContext): Promise<void> {
    const q = this.query(ctx);
    const spec = this.scaleSpec();
    const rctx = this.context(ctx);
    const type = patchTypeOf(mediaType(ctx), this.patchTypes());
    const options = patchOptions(q, type);
    const patch = parseJson((await readBody(ctx)).toString('utf8'));
    const scaleRoot = this.typeInfo(SCALE_KIND);
    const scale = await updateScale(
      this.store(),
      rctx,
      ctx.params.name,
      spec,
      (current) => {
        if (type === 'application/json-patch+json') return jsonPatch(current as KubeObject, patch) as Record<string, unknown>;
        if (type === 'application/strategic-merge-patch+json' && scaleRoot) {
          return strategicMergePatch(current, patch, scaleRoot.table, scaleRoot.root) as Record<string, unknown>;
        }
        return mergePatch(current, patch) as Record<string, unknown>;
      },
      options.dryRun,
    );
    this.sendScale(ctx, scale, q);
  }

  /** subresourceAction serves POST <resource>/<name>/<sub> through the strategy's action. */
  async subresourceAction(ctx: RouterContext, sub: string): Promise<void> {
    const action = this.store().strategy.subresourceActions?.[sub];
    if (!action) return this.unsupported(ctx, sub);
    const options = createOptions(this.query(ctx));
    const kind = this.d.subresources.find((s) => s.name === sub);
    const target = kind ? { apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind } : { apiVersion: this.apiVersion, kind: this.d.kind };
    const body = decodeActionBody(await readBody(ctx), mediaType(ctx), target);
    const result = await action(this.context(ctx, options.dryRun), ctx.params.name, body);
    this.send(ctx, 201, JSON.stringify(result));
  }

  unsupported(ctx: RouterContext, sub: string): void {
    const what = sub ? `${this.d.plural}/${sub}` : this.d.plural;
    throw newMethodNotSupported({ group: this.d.group, resource: what }, ctx.method.toLowerCase());
  }

  // ---- encoding ----

  /** decodeChecked decodes a body and applies the fieldValidation directive to it. */
  private decodeChecked(ctx: RouterContext, body: Buffer, directive: FieldValidation): KubeObject {
    const type = mediaType(ctx);
    const text = directive !== 'Ignore' && (type === '' || type === 'application/json') ? body.toString('utf8') : undefined;
    let duplicates: DuplicateField[] = [];
    const obj = this.decodeObject(body, type, (parsed) => {
      if (text !== undefined) duplicates = duplicateFields(text, parsed);
    });
    const unknown = this.pruner()(obj, () => this.decodeObject(body, type));
    // Upstream's transformDecodeError words a strict decoding error of a create or update body.
    const decodeError = `${this.d.kind} in version "${this.d.version}" cannot be handled as a ${this.d.kind}: `;
    for (const w of reportFields(directive, { unknown, duplicates, text, decodeError })) addWarning(ctx, w);
    return obj;
  }

  /** decodeObject decodes a body; `parsed` sees the object as decoded, before any change. */
  private decodeObject(body: Buffer, contentType: string, parsed?: (obj: Record<string, unknown>) => void): KubeObject {
    // Nulls are the pruner's to handle: a custom resource keeps some (see Pruner).
    const obj = contentType === PROTOBUF_CONTENT_TYPE ? decodeProtobufBody(body, { apiVersion: this.apiVersion, kind: this.d.kind }) : decodeBody(body, contentType);
    parsed?.(obj);
    this.checkTypeMeta(obj);
    // Typed fields that parse themselves (resource.Quantity) fail the decode itself upstream.
    const quantityErr = this.types && quantityDecodeError(this.types.table, this.types.root, obj);
    if (quantityErr) throw newBadRequest(`${this.d.kind} in version "${this.d.version}" cannot be handled as a ${this.d.kind}: ${quantityErr}`);
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    return obj as KubeObject;
  }

  /** checkTypeMeta defaults apiVersion and kind, and refuses an object of another kind or version. */
  private checkTypeMeta(obj: Record<string, unknown>): void {
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    if (apiVersion && apiVersion !== this.apiVersion) {
      throw newBadRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${this.apiVersion})`);
    }
    if (kind && kind !== this.d.kind) {
      throw newBadRequest(`${kind} in version "${this.d.version}" cannot be handled as a ${this.d.kind}: no kind "${kind}" is registered for version "${this.apiVersion}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`);
    }
    obj.apiVersion = this.apiVersion;
    obj.kind = this.d.kind;
  }

  private writeObject(ctx: RouterContext, status: number, kv: KeyValue, format: OutputFormat, q: Query): void {
    const value = this.view(kv.value);
    if (format.kind === 'json') return this.send(ctx, status, value, q.bool('pretty') === true);
    if (format.kind === 'yaml') return this.sendYaml(ctx, status, value);
    const obj = decode(value);
    if (format.kind === 'protobuf') return this.sendProtobuf(ctx, status, encodeObject(obj));
    if (format.kind === 'partial') return this.send(ctx, status, JSON.stringify(partial(obj, format.version)));
    this.send(ctx, status, renderTable(this.tableSpec(), [obj], { version: format.version, include: includeObject(q), resourceVersion: obj.metadata.resourceVersion, now: this.now() }));
  }

  private send(ctx: Context, status: number, json: string, pretty = false): void {
    ctx.status = status;
    ctx.type = 'application/json';
    ctx.body = pretty ? JSON.stringify(JSON.parse(json), null, 2) + '\n' : json;
  }

  private sendProtobuf(ctx: Context, status: number, body: Buffer): void {
    ctx.status = status;
    ctx.type = PROTOBUF_CONTENT_TYPE;
    ctx.body = body;
  }

  private sendYaml(ctx: Context, status: number, json: string): void {
    ctx.status = status;
    ctx.type = 'application/yaml';
    ctx.body = toYaml(JSON.parse(json));
  }
}


/** protobufItems keeps each cached value's protobuf item encoding for as long as the value lives. */
const protobufItems = new WeakMap<KeyValue, Map<string, Uint8Array>>();

/** SCALE_KIND names autoscaling/v1 Scale, whose merge structure strategic patches of scale use. */
const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as ResourceDescriptor;

/** STREAM_LIST_ITEMS is the list size above which the body is streamed in chunks: the client
 * starts receiving while the rest is encoded, and no single huge string is built. */
const STREAM_LIST_ITEMS = 500;
/** LIST_CHUNK_ITEMS items go into one chunk (about 64-300 KiB for typical objects). */
const LIST_CHUNK_ITEMS = 100;

/** listChunks yields a list response in pieces: head, groups of items, tail. */
function* listChunks(head: string, items: readonly KeyValue[], view: (v: string) => string): Generator<Buffer> {
  for (let i = 0; i < items.length; i += LIST_CHUNK_ITEMS) {
    const group = items.slice(i, i + LIST_CHUNK_ITEMS).map((kv) => view(kv.value)).join(',');
    yield Buffer.from(i === 0 ? head + group : ',' + group);
  }
  yield Buffer.from(']}');
}

/** addWarning sends a Warning header as kube-apiserver formats it (code 299, agent "-"). */
export function addWarning(ctx: Context, message: string): void {
  ctx.append('Warning', `299 - ${JSON.stringify(message)}`);
}

function partial(obj: KubeObject, version: string): unknown {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

function includeObject(q: Query): IncludeObject {
  const v = q.string('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') {
    throw newBadRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
  }
  return v;
}

function listParams(q: Query): ListParams {
  const limit = q.int('limit');
  return {
    labelSelector: q.string('labelSelector'),
    fieldSelector: q.string('fieldSelector'),
    resourceVersion: q.string('resourceVersion'),
    resourceVersionMatch: q.string('resourceVersionMatch'),
    limit: limit && limit > 0 ? limit : undefined,
    continue: q.string('continue') || undefined,
  };
}

/** deleteParams reads a delete's DeleteOptions: a body (JSON, YAML or protobuf) when there is one, else the query. */
async function deleteParams(ctx: RouterContext, q: Query): Promise<DeleteRequestOptions> {
  const body = await readBody(ctx);
  if (body.length === 0) return deleteOptions(q, undefined);
  const type = mediaType(ctx);
  // Go clients (helm) send DeleteOptions in protobuf; a group's own DeleteOptions kind is accepted too.
  const options = type === PROTOBUF_CONTENT_TYPE ? decodeProtobufBody(body, { apiVersion: 'v1', kind: 'DeleteOptions' }) : decodeBody(body, type || 'application/json');
  dropNulls(options);
  return deleteOptions(q, options);
}

/**
 * decodeActionBody reads the body of a POST the strategy serves itself (reviews, bindings,
 * evictions, TokenRequests) as the kind it names: JSON, YAML or protobuf.
 */
function decodeActionBody(body: Buffer, type: string, target: { apiVersion: string; kind: string }): Record<string, unknown> {
  const obj = type === PROTOBUF_CONTENT_TYPE ? decodeProtobufBody(body, target) : decodeBody(body, type);
  dropNulls(obj);
  return obj;
}

/** decodeProtobufBody decodes a protobuf request body; kinds without a message answer 415. */
function decodeProtobufBody(body: Buffer, target: { apiVersion: string; kind: string }): Record<string, unknown> {
  if (!hasProtobuf(target.apiVersion, target.kind)) throw newUnsupportedMediaType(PROTOBUF_CONTENT_TYPE, ['application/json', 'application/yaml']);
  try {
    return decodeProtobufObject(body, target).object as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ProtobufError) {
      if (e.reason === 'NoMessage') throw newUnsupportedMediaType(PROTOBUF_CONTENT_TYPE, ['application/json', 'application/yaml']);
      throw newBadRequest(`the object provided is unrecognized: ${e.message}`);
    }
    throw e;
  }
}

/**
 * deferredStream prepares a watch response but only commits it (status line and headers) once
 * the watch has started, so a refused watch still gets an ordinary Status response.
 */
function deferredStream(ctx: Context, contentType: string): { sink: { sink: import('../watch/watcher').WatchSink; open(): void }; closed: () => Promise<void> } {
  const pending: (string | Buffer)[] = [];
  let stream: ReturnType<typeof openWatchStream> | undefined;
  let closedEarly = false;
  const sink = {
    write: (chunk: string | Buffer) => {
      if (stream) stream.sink.write(chunk);
      else pending.push(chunk);
    },
    buffered: () => (stream ? stream.sink.buffered() : 0),
    close: () => {
      if (stream) stream.sink.close();
      else closedEarly = true;
    },
  };
  return {
    sink: {
      sink,
      open: () => {
        stream = openWatchStream(ctx, contentType);
        for (const chunk of pending) stream.sink.write(chunk);
        pending.length = 0;
        if (closedEarly) stream.sink.close();
      },
    },
    closed: () => (stream ? stream.closed : Promise.resolve()),
  };
}

export { newNotFoundPath };

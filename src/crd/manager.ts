/**
 * CustomResources serves the custom resources of every CustomResourceDefinition, as
 * apiextensions-apiserver does: it accepts the names no other CRD of the group holds and
 * establishes the CRD (status acceptedNames, conditions NamesAccepted and Established; the
 * naming and establishing controllers), registers a store for its storage version and its
 * served versions, under the accepted names, with discovery and routing, and on deletion
 * deletes every custom resource before letting the CRD go. status.storedVersions is the
 * registry strategy's (src/registry/apiextensions/customresourcedefinitions.ts).
 */
import { StatusError } from '../apierrors';
import { CLEANUP_FINALIZER } from '../registry/apiextensions/customresourcedefinitions';
import type { RequestContext } from '../registry/context';
import { customResourceStrategy, type CustomResourceRules } from '../registry/custom';
import { deepEqual } from '../registry/equal';
import { rfc3339 } from '../registry/meta';
import { passThrough, type Registry } from '../registry/registry';
import type { Store } from '../registry/store';
import type { ResourceDescriptor } from '../resources/descriptor';
import { goQuote } from '../selectors/validation';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { compileCRD, type VersionSchemas } from './compile';
import { descriptorsForCRD, storageVersionOf } from './descriptors';
import type { CRD, CRDNames } from './types';

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiextensions-controller', groups: ['system:masters'] }, fieldManager: 'kube-apiserver' };
/** RETRY_MS is how soon unfinished cleanup is tried again. */
const RETRY_MS = 500;

interface Served {
  crdName: string;
  uid: string;
  generation: number;
  /** namesKey identifies the accepted names the descriptors were made with. */
  namesKey: string;
  descriptors: ResourceDescriptor[];
  schemas: Map<string, VersionSchemas>;
  storageKey: string;
}

/** CustomResources is the run-time registry of custom resource kinds. */
export class CustomResources {
  private readonly served = new Map<string, Served>();
  /**
   * written holds the CRDs as this controller last wrote them, until the cache catches up (the
   * mutation cache of upstream's naming controller): names just accepted count as taken.
   */
  private readonly written = new Map<string, CRD>();
  private unsubscribe?: () => void;
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
    /** compiledIn names the drop-in CRDs: their stores, routes and table rows are generated. */
    private readonly compiledIn: ReadonlySet<string> = new Set(),
  ) {}

  private crdStore(): Store {
    const s = this.registry.storeFor('apiextensions.k8s.io', 'customresourcedefinitions');
    if (!s) throw new Error('customresourcedefinitions are not served');
    return s;
  }

  /** start serves the CRDs already stored, then follows changes. */
  async start(): Promise<void> {
    const store = this.crdStore();
    this.unsubscribe = store.cache.subscribe((e) => {
      const crd = decode(e.value) as unknown as CRD;
      const name = crd.metadata.name ?? '';
      this.enqueue(() => (e.type === 'DELETED' ? this.retire(crd) : this.reconcile(name)));
    });
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) {
      const name = (decode(kv.value) as unknown as CRD).metadata.name ?? '';
      this.enqueue(() => this.reconcile(name));
    }
    await this.chain;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
  }

  /** onChange is told when the set of served custom resources changes (discovery, OpenAPI). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** descriptors lists every served custom resource version. */
  descriptors(): ResourceDescriptor[] {
    return [...this.served.values()].filter((s) => !this.compiledIn.has(s.crdName)).flatMap((s) => s.descriptors);
  }

  /** rulesFor returns a custom resource's storage-version rules (drop-in CRDs' strategies ask). */
  rulesFor(d: { group: string; plural: string; storageVersion: string }): CustomResourceRules | undefined {
    const schemas = this.served.get(`${d.group}/${d.plural}`)?.schemas.get(d.storageVersion);
    return schemas ? rulesOf(schemas) : undefined;
  }

  /** schemasFor returns a served version's compiled schemas. */
  schemasFor(d: { group: string; version: string; plural: string }): VersionSchemas | undefined {
    return this.served.get(`${d.group}/${d.plural}`)?.schemas.get(d.version);
  }

  /** servedCRDs lists each served CRD with its served versions' descriptors. */
  servedCRDs(): { crd: CRD; descriptors: readonly ResourceDescriptor[] }[] {
    const out: { crd: CRD; descriptors: readonly ResourceDescriptor[] }[] = [];
    for (const s of this.served.values()) {
      const crd = this.crdFor(s.descriptors[0]?.group ?? '', s.descriptors[0]?.plural ?? '');
      if (crd) out.push({ crd, descriptors: s.descriptors });
    }
    return out;
  }

  /** crdFor returns the stored CRD serving a group-resource. */
  crdFor(group: string, plural: string): CRD | undefined {
    const s = this.served.get(`${group}/${plural}`);
    return s ? this.stored(s.crdName) : undefined;
  }

  /** stored reads a CRD from the cache, or as last written here when that is newer. */
  private stored(name: string): CRD | undefined {
    const store = this.crdStore();
    const kv = store.cache.get(store.key('', name));
    const cached = kv ? (decode(kv.value) as unknown as CRD) : undefined;
    const mine = this.written.get(name);
    if (!mine) return cached;
    if (cached && Number(cached.metadata.resourceVersion ?? 0) >= Number(mine.metadata.resourceVersion ?? 0)) {
      this.written.delete(name);
      return cached;
    }
    return cached && cached.metadata.uid === mine.metadata.uid ? mine : cached;
  }

  private enqueue(task: () => Promise<void>): void {
    // CRD changes are applied one at a time, in order.
    this.chain = this.chain.then(task).catch((e: unknown) => this.log.error('custom resources', e));
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  /**
   * reconcile brings one CRD's status and serving up to date, as upstream's naming and
   * establishing controllers and the CRD handler do together: it decides which requested names
   * the CRD may have (NamesAccepted), serves the custom resources under the accepted names, and
   * then marks the CRD Established. A CRD being deleted has its custom resources deleted.
   */
  private async reconcile(name: string): Promise<void> {
    if (this.stopped) return;
    const crd = this.stored(name);
    if (!crd) return;
    if (crd.metadata.deletionTimestamp) {
      await this.cleanup(crd);
      return;
    }
    const status = { ...(crd.status ?? {}) } as Record<string, unknown>;
    let accepted = acceptedNamesOf(status);
    let conditions = conditionsOf(status);
    let namesChanged = false;
    if (!namesEqual(crd.spec.names, accepted)) {
      const next = this.calculateNames(crd, accepted, conditions);
      namesChanged = !deepEqual(next.accepted, accepted);
      if (namesChanged || !conditionEquivalent(next.namesAccepted, findCondition(conditions, 'NamesAccepted'))) {
        accepted = next.accepted;
        conditions = setCondition(conditions, next.namesAccepted);
        conditions = setCondition(conditions, next.established);
      }
    }
    const namesAccepted = isConditionTrue(conditions, 'NamesAccepted');
    const established = isConditionTrue(conditions, 'Established');
    // Custom resources are served under the accepted names before the CRD is said Established,
    // so a client that waited for Established finds them.
    if (namesAccepted || established) {
      const servable = await this.serve(crd, accepted);
      if (servable && !established) {
        conditions = setCondition(conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
      }
    }
    if (deepEqual(accepted, acceptedNamesOf(crd.status ?? {})) && deepEqual(conditions, conditionsOf(crd.status ?? {}))) return;
    status.acceptedNames = accepted;
    status.conditions = conditions;
    const written = await ignoreGone(
      this.crdStore().update(
        SYSTEM,
        name,
        (current) => {
          if (!current) throw new StatusError(404, 'NotFound', 'gone');
          // Written against the state it was computed from: a newer CRD is reconciled again.
          const next = structuredClone(current);
          next.metadata.resourceVersion = crd.metadata.resourceVersion as string | undefined;
          next.status = status;
          return next;
        },
        { subresource: 'status' },
      ),
    );
    if (!written) return;
    this.written.set(name, decode(written.kv.value) as unknown as CRD);
    // Names this CRD gave up (or could not take) may now be free for the rest of its group.
    if (namesChanged) this.requeueGroup(crd.spec.group, name);
  }

  /** requeueGroup reconciles the other CRDs of a group again. */
  private requeueGroup(group: string, except: string): void {
    const store = this.crdStore();
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) {
      const other = decode(kv.value) as unknown as CRD;
      const otherName = other.metadata.name ?? '';
      if (other.spec?.group === group && otherName !== except) this.enqueue(() => this.reconcile(otherName));
    }
  }

  /** acceptedNamesForGroup collects the names the CRDs of a group have been given (this one's too). */
  private acceptedNamesForGroup(group: string): { resources: Set<string>; kinds: Set<string> } {
    const resources = new Set<string>();
    const kinds = new Set<string>();
    const store = this.crdStore();
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) {
      const listed = decode(kv.value) as unknown as CRD;
      if (listed.spec?.group !== group) continue;
      const item = this.stored(listed.metadata.name ?? '') ?? listed;
      const names = acceptedNamesOf(item.status ?? {});
      for (const n of [names.plural, names.singular ?? '', ...(names.shortNames ?? [])]) resources.add(n);
      for (const n of [names.kind, names.listKind ?? '']) kinds.add(n);
    }
    return { resources, kinds };
  }

  /**
   * calculateNames is upstream's naming controller: each requested name is accepted unless
   * another CRD of the group already has it; names already accepted stay.
   */
  private calculateNames(crd: CRD, accepted: CRDNames, conditions: Condition[]): { accepted: CRDNames; namesAccepted: Condition; established: Condition } {
    const { resources, kinds } = this.acceptedNamesForGroup(crd.spec.group);
    const requested = crd.spec.names;
    const next: CRDNames = { ...accepted };
    let namesAccepted: Condition = { type: 'NamesAccepted', status: 'Unknown' };
    const conflict = (reason: string, message: string) => {
      namesAccepted = { type: 'NamesAccepted', status: 'False', reason, message };
    };
    const check = (wanted: string, current: string, used: Set<string>) => (wanted === current || !used.has(wanted) ? undefined : `${goQuote(wanted)} is already in use`);
    let err = check(requested.plural, accepted.plural, resources);
    if (err) conflict('PluralConflict', err);
    else next.plural = requested.plural;
    err = check(requested.singular ?? '', accepted.singular ?? '', resources);
    if (err) conflict('SingularConflict', err);
    else next.singular = requested.singular;
    if (!deepEqual(requested.shortNames ?? [], accepted.shortNames ?? [])) {
      const mine = new Set(accepted.shortNames ?? []);
      const errs = (requested.shortNames ?? []).filter((n) => !mine.has(n)).flatMap((n) => check(n, '', resources) ?? []);
      if (errs.length) conflict('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
      else next.shortNames = requested.shortNames;
    }
    err = check(requested.kind, accepted.kind, kinds);
    if (err) conflict('KindConflict', err);
    else next.kind = requested.kind;
    err = check(requested.listKind ?? '', accepted.listKind ?? '', kinds);
    if (err) conflict('ListKindConflict', err);
    else next.listKind = requested.listKind;
    next.categories = requested.categories;
    if (namesAccepted.status === 'Unknown') namesAccepted = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
    let established: Condition = findCondition(conditions, 'Established') ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
    if (established.status !== 'True' && namesAccepted.status === 'True') {
      established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
    }
    return { accepted: normalizeNames(next), namesAccepted, established };
  }

  /**
   * serve registers (or refreshes) the store and descriptors of a CRD under its accepted names;
   * false when it cannot be served.
   */
  private async serve(crd: CRD, accepted: CRDNames): Promise<boolean> {
    const name = crd.metadata.name ?? '';
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    const previous = this.served.get(key);
    const generation = Number(crd.metadata.generation ?? 0);
    const namesKey = JSON.stringify(accepted);
    const asServed = withNames(crd, accepted);
    if (previous && previous.uid === crd.metadata.uid && previous.generation === generation) {
      // The definition is current; only the accepted names (short names, categories) may have moved.
      if (previous.namesKey !== namesKey) {
        previous.descriptors = descriptorsForCRD(asServed);
        previous.namesKey = namesKey;
        this.notify();
      }
      return true;
    }
    const compiled = compileCRD(crd);
    if (compiled.errors.length) {
      this.log.error(`CRD ${name} cannot be served: ${compiled.errors.map((e) => e.message()).join('; ')}`);
      return false;
    }
    const conflict = [...this.served.values()].find((s) => s.storageKey === key && s.crdName !== name);
    if (conflict) return false;
    const descriptors = descriptorsForCRD(asServed);
    const storageVersion = storageVersionOf(crd);
    const storage = crd.spec.versions.find((v) => v.name === storageVersion);
    const storageDescriptor =
      descriptors.find((d) => d.version === storageVersion) ??
      descriptorsForCRD({ ...asServed, spec: { ...asServed.spec, versions: asServed.spec.versions.map((v) => ({ ...v, served: v.name === storageVersion })) } })[0];
    const schemas = compiled.versions.get(storageVersion)!;
    const entry: Served = { crdName: name, uid: crd.metadata.uid ?? '', generation, namesKey, descriptors, schemas: compiled.versions, storageKey: key };
    if (this.compiledIn.has(name)) {
      // A drop-in's store, routes and discovery are generated; only its rules and status are ours.
      this.served.set(key, entry);
      return true;
    }
    // A changed definition replaces the store's strategy and schemas; its data stays. The
    // strategy validates and defaults, from the compiled schemas.
    if (previous) this.registry.removeStore(crd.spec.group, crd.spec.names.plural);
    await this.registry.addStore(storageDescriptor, customResourceStrategy(storageDescriptor, storage?.subresources?.scale, rulesOf(schemas)), {
      validator: passThrough,
      defaulter: passThrough,
      types: schemas.types,
    });
    this.served.set(key, entry);
    this.notify();
    return true;
  }

  /** cleanup deletes every custom resource of a deleting CRD, then releases its finalizer. */
  private async cleanup(crd: CRD): Promise<void> {
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    const store = this.registry.storeFor(crd.spec.group, crd.spec.names.plural);
    if (store) {
      const all = store.cache.list({ predicate: { empty: true, matches: () => true } }).items;
      for (const kv of all) {
        const obj = decode(kv.value);
        await ignoreGone(store.delete({ ...SYSTEM, namespace: obj.metadata.namespace ?? '' }, obj.metadata.name ?? '', { propagationPolicy: 'Background' }));
      }
      if (store.cache.list({ predicate: { empty: true, matches: () => true } }).items.length > 0) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.enqueue(async () => {
            const crdStore = this.crdStore();
            const kv = crdStore.cache.get(crdStore.key('', crd.metadata.name ?? ''));
            if (kv) await this.cleanup(decode(kv.value) as unknown as CRD);
          });
        }, RETRY_MS);
        this.timers.add(t);
        return;
      }
    }
    this.served.delete(key);
    this.registry.removeStore(crd.spec.group, crd.spec.names.plural);
    this.notify();
    await ignoreGone(
      this.crdStore().update(SYSTEM, crd.metadata.name ?? '', (current) => {
        if (!current) throw new StatusError(404, 'NotFound', 'gone');
        current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
        if (current.metadata.finalizers.length === 0) delete current.metadata.finalizers;
        return current;
      }),
    );
  }

  private async retire(crd: CRD): Promise<void> {
    const name = crd.metadata.name ?? '';
    this.written.delete(name);
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    const s = this.served.get(key);
    if (s && s.uid === crd.metadata.uid) {
      this.served.delete(key);
      this.registry.removeStore(crd.spec.group, crd.spec.names.plural);
      this.notify();
    }
    // The names it held are free again.
    this.requeueGroup(crd.spec.group, name);
  }
}

/** rulesOf turns a version's compiled schemas into the strategy's defaulting and validation hooks. */
export function rulesOf(schemas: VersionSchemas): CustomResourceRules {
  return {
    defaults: (obj) => schemas.defaults(obj),
    validate: (obj) => schemas.validate(obj),
    validateUpdate: (obj, old) => schemas.validate(obj, old),
  };
}

/** Condition is one entry of a CRD's status.conditions. */
interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

function conditionsOf(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]).map((c) => ({ ...c })) : [];
}

function findCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

function isConditionTrue(conditions: readonly Condition[], type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** conditionEquivalent is upstream's IsCRDConditionEquivalent: all but the transition time. */
function conditionEquivalent(a: Condition, b: Condition | undefined): boolean {
  return b !== undefined && a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}

/** setCondition is upstream's SetCRDCondition: the transition time moves only with the status. */
function setCondition(conditions: readonly Condition[], c: Condition): Condition[] {
  const now = rfc3339(new Date());
  const existing = findCondition(conditions, c.type);
  const next: Condition = { type: c.type, status: c.status, lastTransitionTime: now, reason: c.reason, message: c.message };
  if (!existing) return [...conditions, next];
  if (existing.status === c.status && existing.lastTransitionTime) next.lastTransitionTime = existing.lastTransitionTime;
  return conditions.map((x) => (x.type === c.type ? next : x));
}

/** acceptedNamesOf reads status.acceptedNames (plural and kind are always there, maybe empty). */
function acceptedNamesOf(status: Record<string, unknown>): CRDNames {
  const names = (status.acceptedNames ?? {}) as Partial<CRDNames>;
  return normalizeNames({ ...names, plural: names.plural ?? '', kind: names.kind ?? '' });
}

/** normalizeNames orders the names as upstream serializes them and leaves out empty optional ones. */
function normalizeNames(n: CRDNames): CRDNames {
  const out: CRDNames = { plural: n.plural } as CRDNames;
  if (n.singular) out.singular = n.singular;
  if (n.shortNames?.length) out.shortNames = [...n.shortNames];
  out.kind = n.kind;
  if (n.listKind) out.listKind = n.listKind;
  if (n.categories?.length) out.categories = [...n.categories];
  return out;
}

/** namesEqual compares requested and accepted names (absent and empty lists alike). */
function namesEqual(a: CRDNames, b: CRDNames): boolean {
  return deepEqual(normalizeNames(a), normalizeNames(b));
}

/** withNames is a CRD as served: its accepted names in place of the requested ones. */
function withNames(crd: CRD, names: CRDNames): CRD {
  return { ...crd, spec: { ...crd.spec, names: { ...names } } };
}

async function ignoreGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
    throw e;
  }
}


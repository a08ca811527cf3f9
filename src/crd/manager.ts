/**
 * CustomResources serves the custom resources of every CustomResourceDefinition, as
 * apiextensions-apiserver does: it accepts a CRD's names and establishes it (status conditions
 * NamesAccepted and Established, acceptedNames, storedVersions), registers a store for its
 * storage version and its served versions with discovery and routing, and on deletion deletes
 * every custom resource before letting the CRD go.
 */
import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import { CLEANUP_FINALIZER } from '../registry/apiextensions/customresourcedefinitions';
import type { RequestContext } from '../registry/context';
import { customResourceStrategy, type CustomResourceRules } from '../registry/custom';
import { passThrough, type Registry } from '../registry/registry';
import type { Store } from '../registry/store';
import type { ResourceDescriptor } from '../resources/descriptor';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { compileCRD, type VersionSchemas } from './compile';
import { descriptorsForCRD, storageVersionOf } from './descriptors';
import type { CRD } from './types';

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiextensions-controller', groups: ['system:masters'] }, fieldManager: 'kube-apiserver' };
/** RETRY_MS is how soon unfinished cleanup is tried again. */
const RETRY_MS = 500;

interface Served {
  crdName: string;
  uid: string;
  generation: number;
  descriptors: ResourceDescriptor[];
  schemas: Map<string, VersionSchemas>;
  storageKey: string;
}

/** CustomResources is the run-time registry of custom resource kinds. */
export class CustomResources {
  private readonly served = new Map<string, Served>();
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
      this.enqueue(() => (e.type === 'DELETED' ? this.retire(crd) : this.reconcile(crd)));
    });
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) {
      this.enqueue(() => this.reconcile(decode(kv.value) as unknown as CRD));
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
    if (!s) return undefined;
    const store = this.crdStore();
    const kv = store.cache.get(store.key('', s.crdName));
    return kv ? (decode(kv.value) as unknown as CRD) : undefined;
  }

  private enqueue(task: () => Promise<void>): void {
    // CRD changes are applied one at a time, in order.
    this.chain = this.chain.then(task).catch((e: unknown) => this.log.error('custom resources', e));
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private async reconcile(crd: CRD): Promise<void> {
    if (this.stopped) return;
    const name = crd.metadata.name ?? '';
    if (crd.metadata.deletionTimestamp) {
      await this.cleanup(crd);
      return;
    }
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    const previous = this.served.get(key);
    const generation = Number(crd.metadata.generation ?? 0);
    if (previous && previous.uid === crd.metadata.uid && previous.generation === generation) {
      // Only the status moved (our own establishing, say): the served definition is current.
      await this.establish(crd);
      return;
    }
    const compiled = compileCRD(crd);
    if (compiled.errors.length) {
      this.log.error(`CRD ${name} cannot be served: ${compiled.errors.map((e) => e.message()).join('; ')}`);
      return;
    }
    const conflict = [...this.served.values()].find((s) => s.storageKey === key && s.crdName !== name);
    if (conflict) return;
    const descriptors = descriptorsForCRD(crd);
    const storageVersion = storageVersionOf(crd);
    const storage = crd.spec.versions.find((v) => v.name === storageVersion);
    const storageDescriptor = descriptors.find((d) => d.version === storageVersion) ?? { ...descriptorsForCRD({ ...crd, spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, served: v.name === storageVersion })) } })[0] };
    const schemas = compiled.versions.get(storageVersion)!;
    if (this.compiledIn.has(name)) {
      // A drop-in's store, routes and discovery are generated; only its rules and status are ours.
      this.served.set(key, { crdName: name, uid: crd.metadata.uid ?? '', generation, descriptors, schemas: compiled.versions, storageKey: key });
      await this.establish(crd);
      return;
    }
    // A changed definition replaces the store's strategy and schemas; its data stays.
    if (previous) this.registry.removeStore(crd.spec.group, crd.spec.names.plural);
    // The strategy validates and defaults, from the compiled schemas, in upstream's order.
    await this.registry.addStore(storageDescriptor, customResourceStrategy(storageDescriptor, storage?.subresources?.scale, rulesOf(schemas)), {
      validator: passThrough,
      defaulter: passThrough,
      types: schemas.types,
    });
    this.served.set(key, { crdName: name, uid: crd.metadata.uid ?? '', generation, descriptors, schemas: compiled.versions, storageKey: key });
    this.notify();
    await this.establish(crd);
  }

  /** establish accepts the names and marks the CRD Established, as upstream's controllers do. */
  private async establish(crd: CRD): Promise<void> {
    const status = crd.status ?? {};
    const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Record<string, unknown>[];
    const established = conditions.some((c) => c.type === 'Established' && c.status === 'True');
    const storage = storageVersionOf(crd);
    const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
    if (established && stored.includes(storage)) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const names = crd.spec.names;
    await ignoreGone(
      this.crdStore().update(
        SYSTEM,
        crd.metadata.name ?? '',
        (current) => {
          if (!current) throw new StatusError(404, 'NotFound', 'gone');
          const c = current as unknown as CRD;
          const next = { ...(c.status ?? {}) } as Record<string, unknown>;
          next.acceptedNames = {
            kind: names.kind,
            listKind: names.listKind ?? `${names.kind}List`,
            plural: names.plural,
            singular: names.singular ?? names.kind.toLowerCase(),
            ...(names.shortNames?.length ? { shortNames: names.shortNames } : {}),
            ...(names.categories?.length ? { categories: names.categories } : {}),
          };
          const keep = ((next.conditions as Record<string, unknown>[] | undefined) ?? []).filter((x) => x.type !== 'NamesAccepted' && x.type !== 'Established');
          next.conditions = [
            ...keep,
            { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
            { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
          ];
          const versions = new Set<string>((next.storedVersions as string[] | undefined) ?? []);
          versions.add(storage);
          next.storedVersions = [...versions];
          (current as KubeObject).status = next;
          return current;
        },
        { subresource: 'status' },
      ),
    );
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
    const key = `${crd.spec.group}/${crd.spec.names.plural}`;
    const s = this.served.get(key);
    if (!s || s.uid !== crd.metadata.uid) return;
    this.served.delete(key);
    this.registry.removeStore(crd.spec.group, crd.spec.names.plural);
    this.notify();
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

async function ignoreGone<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
    throw e;
  }
}


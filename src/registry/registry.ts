import type { ValidateFunction } from 'ajv';
import { noAdmission, type Admission } from '../admission/interface';
import type { KubeObject } from '../meta/object';
import type { TypeRef, TypeTable } from '../schema/typeinfo';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { Storage } from '../storage/interface';
import { WatchCache } from '../watch/cache';
import { Store } from './store';
import { strategyFor, type StrategyDeps } from './strategies';
import type { Strategy } from './strategy';
import type { CustomResourceRules } from './custom';

/** DEFAULT_SERVICE_CIDR is kube-apiserver's default --service-cluster-ip-range. */
export const DEFAULT_SERVICE_CIDR = '10.0.0.0/24';
/** DEFAULT_NODE_PORT_RANGE is kube-apiserver's default --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export interface RegistryOptions {
  storage: Storage;
  resources: readonly ResourceDescriptor[];
  /** validators loads the generated validator module of a group-version. */
  validators: Readonly<Record<string, () => Readonly<Record<string, ValidateFunction>>>>;
  /** defaulters loads the generated OpenAPI defaulter module of a group-version (none: no zero values filled). */
  defaulters?: Readonly<Record<string, () => Readonly<Record<string, ValidateFunction>>>>;
  keyRoot?: string;
  /** serviceClusterIPRange is --service-cluster-ip-range (default 10.0.0.0/24). */
  serviceClusterIPRange?: string;
  /** serviceNodePortRange is --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  now?: () => Date;
  bookmarkIntervalMs?: number;
  /** typeInfo finds a resource's merge structure (managedFields tracking). */
  typeInfo?: (r: ResourceDescriptor) => { table: TypeTable; root: TypeRef } | undefined;
  /** customRules finds a custom resource's validation rules (CEL), once its CRD is compiled. */
  customRules?: (r: ResourceDescriptor) => CustomResourceRules | undefined;
  /** admission builds the admission chain once the stores exist (plugins read them). */
  admission?: (registry: Registry) => Admission;
}

/**
 * Registry holds one Store (and its watch cache) per stored group-resource. A resource served in
 * several versions has one store, in its storage version.
 */
export class Registry {
  private readonly stores = new Map<string, Store>();
  private admissionChain: Admission = noAdmission;
  private readonly deps: StrategyDeps;
  private readonly keyRoot: string;
  private started = false;
  private readonly addedListeners = new Set<(store: Store) => void>();
  private rulesLookup?: (r: ResourceDescriptor) => CustomResourceRules | undefined;

  /** setCustomRules installs where custom resources' rules are found (the CRD manager). */
  setCustomRules(lookup: (r: ResourceDescriptor) => CustomResourceRules | undefined): void {
    this.rulesLookup = lookup;
  }

  constructor(private readonly opts: RegistryOptions) {
    this.keyRoot = opts.keyRoot ?? '/registry';
    this.deps = {
      storeFor: (group, plural) => this.storeFor(group, plural),
      storage: opts.storage,
      keyRoot: this.keyRoot,
      serviceClusterIPRange: opts.serviceClusterIPRange ?? DEFAULT_SERVICE_CIDR,
      serviceNodePortRange: opts.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE,
      customRules: (r) => this.rulesLookup?.(r),
    };
    for (const r of opts.resources) {
      if (r.version !== r.storageVersion || this.stores.has(`${r.group}/${r.plural}`)) continue;
      // Custom resources (drop-in CRDs) are validated and defaulted by their strategy, from the
      // CRD's compiled schema, in upstream's order; the generated functions are not used.
      const validator = r.custom ? () => passThrough : lazyFunction(opts.validators, r, 'validator');
      const defaulter = opts.defaulters && !r.custom ? lazyFunction(opts.defaulters, r, 'defaulter') : () => passThrough;
      this.createStore(r, strategyFor(r, this.deps), validator, defaulter, opts.typeInfo?.(r));
    }
    if (opts.admission) this.admissionChain = opts.admission(this);
  }

  private createStore(
    r: ResourceDescriptor,
    strategy: Strategy,
    validator: () => ValidateFunction,
    defaulter: () => ValidateFunction,
    types: { table: TypeTable; root: TypeRef } | undefined,
  ): Store {
    // The store's attrs function is needed by its cache; wire them through a late binding.
    let store: Store | undefined;
    const cache = new WatchCache({
      storage: this.opts.storage,
      prefix: `${this.keyRoot}/${r.etcdPrefix}/`,
      attrs: (obj: KubeObject) => store!.attrs(obj),
      bookmarkIntervalMs: this.opts.bookmarkIntervalMs,
    });
    // Stores reach the chain through the registry: plugins need the stores, so it comes last.
    const admission: Admission = { admit: (a) => this.admissionChain.admit(a), validate: (a) => this.admissionChain.validate(a) };
    store = new Store({ resource: r, strategy, cache, keyRoot: this.keyRoot, validator, defaulter, admission, types, now: this.opts.now });
    this.stores.set(`${r.group}/${r.plural}`, store);
    return store;
  }

  /**
   * addStore serves a resource defined at run time (a custom resource's storage version) and
   * fills its watch cache before returning.
   */
  async addStore(r: ResourceDescriptor, strategy: Strategy, schemas: { validator: ValidateFunction; defaulter: ValidateFunction; types?: { table: TypeTable; root: TypeRef } }): Promise<Store> {
    const store = this.createStore(r, strategy, () => schemas.validator, () => schemas.defaulter, schemas.types);
    if (this.started) await store.cache.start();
    for (const l of this.addedListeners) l(store);
    return store;
  }

  /** removeStore stops serving a run-time resource (its data stays in storage until deleted). */
  removeStore(group: string, plural: string): void {
    const key = `${group}/${plural}`;
    this.stores.get(key)?.cache.stop();
    this.stores.delete(key);
  }

  /** onStoreAdded tells a listener of stores added at run time (custom resources). */
  onStoreAdded(listener: (store: Store) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  /** setAdmission installs the admission chain (after construction: plugins read the stores). */
  setAdmission(admission: Admission): void {
    this.admissionChain = admission;
  }

  storeFor(group: string, plural: string): Store | undefined {
    return this.stores.get(`${group}/${plural}`);
  }

  all(): Store[] {
    return [...this.stores.values()];
  }

  /** start fills every watch cache; the server is ready when they are. */
  async start(): Promise<void> {
    await Promise.all(this.all().map((s) => s.cache.start()));
    this.started = true;
  }

  stop(): void {
    for (const s of this.all()) s.cache.stop();
  }
}

/** passThrough is a schema function that accepts and changes nothing. */
export const passThrough = (() => true) as unknown as ValidateFunction;

/** lazyFunction loads a kind's generated function from its group-version module on first use. */
function lazyFunction(
  modules: Readonly<Record<string, () => Readonly<Record<string, ValidateFunction>>>>,
  r: ResourceDescriptor,
  what: string,
): () => ValidateFunction {
  let fn: ValidateFunction | undefined;
  return () => {
    if (fn) return fn;
    const found = modules[r.validatorModule]?.()[r.kind];
    if (!found) throw new Error(`no generated ${what} for ${r.kind} in ${r.validatorModule}`);
    return (fn = found);
  };
}

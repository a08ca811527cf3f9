import type { ValidateFunction } from 'ajv';
import { noAdmission, type Admission } from '../admission/interface';
import type { KubeObject } from '../meta/object';
import type { TypeRef, TypeTable } from '../schema/typeinfo';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { Storage } from '../storage/interface';
import { WatchCache } from '../watch/cache';
import { Store } from './store';
import { strategyFor, type StrategyDeps } from './strategies';

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

  constructor(opts: RegistryOptions) {
    const keyRoot = opts.keyRoot ?? '/registry';
    const deps: StrategyDeps = {
      storeFor: (group, plural) => this.storeFor(group, plural),
      storage: opts.storage,
      keyRoot,
      serviceClusterIPRange: opts.serviceClusterIPRange ?? DEFAULT_SERVICE_CIDR,
      serviceNodePortRange: opts.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE,
    };
    for (const r of opts.resources) {
      if (r.version !== r.storageVersion) continue;
      const key = `${r.group}/${r.plural}`;
      if (this.stores.has(key)) continue;
      const validator = lazyFunction(opts.validators, r, 'validator');
      const defaulter = opts.defaulters ? lazyFunction(opts.defaulters, r, 'defaulter') : () => noDefaults;
      // The store's attrs function is needed by its cache; wire them through a late binding.
      let store: Store | undefined;
      const cache = new WatchCache({
        storage: opts.storage,
        prefix: `${keyRoot}/${r.etcdPrefix}/`,
        attrs: (obj: KubeObject) => store!.attrs(obj),
        bookmarkIntervalMs: opts.bookmarkIntervalMs,
      });
      // Stores reach the chain through the registry: plugins need the stores, so it comes last.
      const admission: Admission = { admit: (a) => this.admissionChain.admit(a), validate: (a) => this.admissionChain.validate(a) };
      store = new Store({ resource: r, strategy: strategyFor(r, deps), cache, keyRoot, validator, defaulter, admission, types: opts.typeInfo?.(r), now: opts.now });
      this.stores.set(key, store);
    }
    if (opts.admission) this.admissionChain = opts.admission(this);
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
  }

  stop(): void {
    for (const s of this.all()) s.cache.stop();
  }
}

const noDefaults = (() => true) as unknown as ValidateFunction;

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

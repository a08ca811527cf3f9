/**
 * QuotaAccess: the ResourceQuotas of a namespace, read from the watch cache and written back with
 * compare-and-swap on their resourceVersion. Admission and the quota controller share it and its
 * per-namespace lock, so concurrent creates are charged one after the other and never both slip
 * under a limit; a write that lost a race anyway (another server on the same etcd) is a Conflict
 * the caller retries with fresh numbers.
 */
import { StatusError } from '../../apierrors';
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { RequestContext } from '../../registry/context';
import type { Store } from '../../registry/store';
import { decode } from '../../storage/codec';
import { everything } from '../../watch/predicate';
import { formatAmount, resourceList, toObject, type Amount, type ResourceList } from '../resources';
import { matchesScopes, resourceOfName, tracksResource, usageOf } from './usage';

/** StoreLookup finds the store of a group-resource. */
export interface StoreLookup {
  storeFor(group: string, plural: string): Store | undefined;
}

const ZERO: Amount = { q: { numerator: 0n, scale: 0 }, format: 'DecimalSI' };

/** QUOTA_WRITER is the identity of status writes (the resource quota controller's). */
const QUOTA_WRITER = { name: 'system:serviceaccount:kube-system:resourcequota-controller', groups: ['system:masters', 'system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };

/** QuotaStatus is a quota's status.hard and status.used, parsed. */
export interface QuotaStatus {
  hard: ResourceList;
  used: ResourceList;
}

export class QuotaAccess {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly stores: StoreLookup,
    readonly now: () => Date = () => new Date(),
  ) {}

  private get quotaStore(): Store {
    const s = this.stores.storeFor('', 'resourcequotas');
    if (!s) throw new Error('resourcequotas are not served');
    return s;
  }

  /** withLock runs fn after every earlier holder of the namespace's lock has finished. */
  withLock<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(namespace) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(namespace, tail);
    void tail.then(() => {
      if (this.locks.get(namespace) === tail) this.locks.delete(namespace);
    });
    return run;
  }

  /** quotas lists the namespace's ResourceQuotas by name. */
  quotas(namespace: string): KubeObject[] {
    const store = this.quotaStore;
    return store.cache
      .list({ prefix: store.prefixFor(namespace), predicate: everything })
      .items.map((kv) => decode(kv.value))
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  /** specHard is a quota's spec.hard. */
  specHard(quota: KubeObject): ResourceList {
    return resourceList(isPlainObject(quota.spec) ? quota.spec.hard : undefined);
  }

  /** status reads status.hard and status.used. */
  status(quota: KubeObject): QuotaStatus {
    const status = isPlainObject(quota.status) ? quota.status : {};
    return { hard: resourceList(status.hard), used: resourceList(status.used) };
  }

  /** isSynced tells whether status.hard matches spec.hard and status.used covers it. */
  isSynced(quota: KubeObject): boolean {
    const spec = this.specHard(quota);
    const { hard, used } = this.status(quota);
    if (spec.size !== hard.size) return false;
    for (const [k, v] of spec) {
      const h = hard.get(k);
      if (!h || formatAmount(h) !== formatAmount(v) || !used.has(k)) return false;
    }
    return true;
  }

  /** computeUsed counts what a quota's hard resources are used for by the namespace's objects. */
  computeUsed(quota: KubeObject, hardNames: readonly string[]): ResourceList {
    const namespace = quota.metadata.namespace ?? '';
    const used: ResourceList = new Map(hardNames.map((n) => [n, ZERO]));
    const byStore = new Map<Store, string[]>();
    for (const name of hardNames) {
      const gr = resourceOfName(name);
      const store = gr && this.stores.storeFor(gr.group, gr.plural);
      if (!store) continue;
      byStore.set(store, [...(byStore.get(store) ?? []), name]);
    }
    const now = this.now();
    for (const [store, names] of byStore) {
      for (const kv of store.cache.list({ prefix: store.prefixFor(namespace), predicate: everything }).items) {
        const obj = decode(kv.value);
        if (!matchesScopes(quota, store.resource, obj)) continue;
        const usage = usageOf(store.resource, obj, now);
        for (const n of names) {
          const u = usage.get(n);
          if (u && tracksResource(store.resource, n)) {
            const cur = used.get(n)!;
            used.set(n, cur.q.numerator === 0n ? { q: addQ(cur, u), format: u.format } : { q: addQ(cur, u), format: cur.format });
          }
        }
      }
    }
    return used;
  }

  /**
   * writeStatus stores status.hard and status.used on the quota as it was read (`basedOn`); a
   * quota changed since is a Conflict.
   */
  async writeStatus(basedOn: KubeObject, status: QuotaStatus): Promise<KubeObject> {
    const namespace = basedOn.metadata.namespace ?? '';
    const ctx: RequestContext = { namespace, user: QUOTA_WRITER };
    const out = await this.quotaStore.update(
      ctx,
      basedOn.metadata.name ?? '',
      (current) => {
        if (!current) throw new StatusError(404, 'NotFound', `resourcequotas "${basedOn.metadata.name ?? ''}" not found`);
        return { ...current, metadata: { ...current.metadata, resourceVersion: basedOn.metadata.resourceVersion }, status: { hard: toObject(status.hard), used: toObject(status.used) } };
      },
      { subresource: 'status' },
    );
    return decode(out.kv.value);
  }

  /** recalculate brings every (or the named) quota of a namespace up to date, under the lock. */
  recalculate(namespace: string, only?: string): Promise<void> {
    return this.withLock(namespace, async () => {
      for (const quota of this.quotas(namespace)) {
        if (only !== undefined && quota.metadata.name !== only) continue;
        await this.syncQuota(quota);
      }
    });
  }

  /** syncQuota recounts one quota (the caller holds the lock); returns the stored quota. */
  async syncQuota(quota: KubeObject): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const hard = this.specHard(quota);
      const used = this.computeUsed(quota, [...hard.keys()]);
      const current = this.status(quota);
      if (this.isSynced(quota) && sameList(current.used, used)) return quota;
      try {
        return await this.writeStatus(quota, { hard, used });
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= MAX_SYNC_ATTEMPTS) throw e;
        const fresh = this.quotas(quota.metadata.namespace ?? '').find((q) => q.metadata.name === quota.metadata.name);
        if (!fresh) return quota;
        quota = fresh;
      }
    }
  }
}

/** MAX_SYNC_ATTEMPTS bounds retries of a recount that keeps losing races. */
const MAX_SYNC_ATTEMPTS = 5;

function addQ(a: Amount, b: Amount) {
  const s = Math.max(a.q.scale, b.q.scale);
  return { numerator: a.q.numerator * 10n ** BigInt(s - a.q.scale) + b.q.numerator * 10n ** BigInt(s - b.q.scale), scale: s };
}

function sameList(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || formatAmount(o) !== formatAmount(v)) return false;
  }
  return true;
}

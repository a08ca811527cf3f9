/**
 * The resource quota controller (k8s.io/kubernetes pkg/controller/resourcequota): keeps each
 * ResourceQuota's status — `hard` from the spec, `used` counted from the namespace's objects.
 * It counts a quota when it appears or its spec changes, replenishes it when counted objects go
 * away (deleted, or pods reaching a terminal phase), and recounts everything periodically to
 * correct charges admission made for writes that then failed.
 */
import type { QuotaAccess } from '../admission/quota/access';
import { isPlainObject, type KubeObject } from '../meta/object';
import type { Registry } from '../registry/registry';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { everything } from '../watch/predicate';
import { tracksResource } from '../admission/quota/usage';

/** RESYNC_MS is kube-controller-manager's --resource-quota-sync-period default (5m). */
export const RESYNC_MS = 5 * 60_000;
/** DEBOUNCE_MS gathers a burst of deletions (a namespace emptied, a deletecollection) into one recount. */
const DEBOUNCE_MS = 20;
const RETRY_MS = 1_000;

export class ResourceQuotaController {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private resync?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly access: QuotaAccess,
    private readonly log: Logger,
    private readonly resyncMs = RESYNC_MS,
  ) {}

  async start(): Promise<void> {
    const quotas = this.registry.storeFor('', 'resourcequotas');
    if (!quotas) return;
    this.unsubscribe.push(
      quotas.cache.subscribe((e, object) => {
        if (e.type === 'DELETED') return;
        const q = object();
        if (!this.access.isSynced(q)) this.enqueue(q.metadata.namespace ?? '', 0);
      }),
    );
    for (const store of this.registry.all()) {
      if (!store.resource.namespaced || store === quotas) continue;
      this.unsubscribe.push(
        store.cache.subscribe((e, object) => {
          if (e.type === 'ADDED') return;
          const obj = object();
          const ns = obj.metadata.namespace ?? '';
          if (e.type === 'MODIFIED' && !(store.resource.group === '' && store.resource.plural === 'pods' && leftQuota(obj, e.prevValue))) return;
          const tracked = this.access.quotas(ns).some((q) => Object.keys(isPlainObject(q.spec) && isPlainObject(q.spec.hard) ? q.spec.hard : {}).some((n) => tracksResource(store.resource, n)));
          if (tracked) this.enqueue(ns, DEBOUNCE_MS);
        }),
      );
    }
    for (const kv of quotas.cache.list({ predicate: everything }).items) {
      const q = decode(kv.value);
      await this.access.recalculate(q.metadata.namespace ?? '', q.metadata.name).catch((e: unknown) => this.log.error('resource quota sync failed', e));
    }
    this.resync = setInterval(() => this.resyncAll(), this.resyncMs);
    this.resync.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    for (const t of this.timers.values()) clearTimeout(t);
    if (this.resync) clearInterval(this.resync);
  }

  private resyncAll(): void {
    const quotas = this.registry.storeFor('', 'resourcequotas');
    if (!quotas) return;
    const namespaces = new Set(quotas.cache.list({ predicate: everything }).items.map((kv) => decode(kv.value).metadata.namespace ?? ''));
    for (const ns of namespaces) this.enqueue(ns, 0);
  }

  private enqueue(namespace: string, delay: number): void {
    if (this.stopped || this.timers.has(namespace)) return;
    const t = setTimeout(() => {
      this.timers.delete(namespace);
      this.access.recalculate(namespace).catch((e: unknown) => {
        this.log.error(`resource quota sync of ${namespace} failed`, e);
        this.enqueue(namespace, RETRY_MS);
      });
    }, delay);
    this.timers.set(namespace, t);
  }
}

/** leftQuota tells a pod update that ends its compute usage (terminal phase, deletion). */
function leftQuota(pod: KubeObject, prevValue: string | undefined): boolean {
  const phase = (p: KubeObject) => (isPlainObject(p.status) ? p.status.phase : undefined);
  const terminal = (p: KubeObject) => phase(p) === 'Succeeded' || phase(p) === 'Failed';
  if (!terminal(pod) && pod.metadata.deletionTimestamp === undefined) return false;
  if (!prevValue) return true;
  const prev = decode(prevValue);
  return (terminal(pod) && !terminal(prev)) || (pod.metadata.deletionTimestamp !== undefined && prev.metadata.deletionTimestamp === undefined);
}

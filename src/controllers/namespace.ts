import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';

/** NAMESPACE_FINALIZER is the spec finalizer this controller owns. */
const NAMESPACE_FINALIZER = 'kubernetes';
/** RETRY_MS is how soon a namespace whose content is not gone yet (finalizers) is looked at again. */
const RETRY_MS = 1_000;

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:masters'] } };

/**
 * NamespaceController empties Terminating namespaces, as kube-controller-manager's namespace
 * controller does: it deletes every namespaced object in them, and once nothing is left it
 * removes the `kubernetes` spec finalizer, which lets the namespace itself go.
 */
export class NamespaceController {
  private unsubscribe?: () => void;
  private readonly pending = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
  ) {}

  start(): void {
    const store = this.registry.storeFor('', 'namespaces')!;
    this.unsubscribe = store.cache.subscribe((e) => {
      if (e.type !== 'DELETED' && decode(e.value).metadata.deletionTimestamp) this.enqueue(decode(e.value).metadata.name ?? '');
    });
    // Namespaces left Terminating by a previous run.
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) {
      const ns = decode(kv.value);
      if (ns.metadata.deletionTimestamp) this.enqueue(ns.metadata.name ?? '');
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
  }

  private enqueue(name: string, delay = 0): void {
    if (this.stopped || this.pending.has(name)) return;
    this.pending.add(name);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending.delete(name);
      this.sync(name).then(
        (done) => {
          if (!done) this.enqueue(name, RETRY_MS);
        },
        (e: unknown) => {
          this.log.error(`namespace controller: ${name}`, e);
          this.enqueue(name, RETRY_MS);
        },
      );
    }, delay);
    this.timers.add(t);
  }

  /** sync deletes what is left in a namespace; true when the namespace could be finalized. */
  private async sync(name: string): Promise<boolean> {
    const nsStore = this.registry.storeFor('', 'namespaces')!;
    const kv = nsStore.cache.get(nsStore.key('', name));
    if (!kv || !decode(kv.value).metadata.deletionTimestamp) return true;
    let remaining = 0;
    for (const store of this.registry.all()) {
      if (!store.resource.namespaced) continue;
      const ctx = { ...SYSTEM, namespace: name };
      const listed = await store.list(ctx, {});
      if (listed.items.length === 0) continue;
      await store.deleteCollection(ctx, {}, {});
      remaining += (await store.list(ctx, {})).items.length;
    }
    if (remaining > 0) return false;
    try {
      await nsStore.update(SYSTEM, name, (current) => {
        const ns = current as KubeObject;
        const spec = (ns.spec ?? {}) as { finalizers?: string[] };
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
        ns.spec = spec;
        return ns;
      });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return true;
      throw e;
    }
    return true;
  }
}

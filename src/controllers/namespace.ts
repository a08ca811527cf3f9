import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { WorkQueue } from './workqueue';

/** NAMESPACE_FINALIZER is the spec finalizer this controller owns. */
const NAMESPACE_FINALIZER = 'kubernetes';
const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:masters'] } };

/**
 * NamespaceController empties Terminating namespaces, as kube-controller-manager's namespace
 * controller does: it deletes every namespaced object in them, and once nothing is left it
 * removes the `kubernetes` spec finalizer, which lets the namespace itself go.
 */
export class NamespaceController {
  private unsubscribe?: () => void;
  private readonly queue: WorkQueue<string>;

  constructor(
    private readonly registry: Registry,
    log: Logger,
  ) {
    this.queue = new WorkQueue<string>('namespace controller', (name) => name, (name) => this.sync(name), log);
  }

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
    this.unsubscribe?.();
    this.queue.stop();
  }

  private enqueue(name: string): void {
    this.queue.add(name);
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

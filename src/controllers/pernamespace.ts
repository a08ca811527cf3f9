/**
 * PerNamespaceObjectController keeps one object in every active namespace (the `default`
 * ServiceAccount, the `kube-root-ca.crt` ConfigMap): created when a namespace appears, recreated
 * when deleted, and put back when the spec's `repair` finds it changed. Namespaces being deleted
 * are left alone.
 */
import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import type { Store } from '../registry/store';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { everything } from '../watch/predicate';

export interface PerNamespaceObject {
  /** controller names the controller in logs and as the writer's identity. */
  controller: string;
  group: string;
  plural: string;
  name: string;
  /** desired builds the object for a namespace. */
  desired(namespace: string): KubeObject;
  /** repair, when given, returns the existing object put right, or undefined when it is right. */
  repair?(existing: KubeObject): KubeObject | undefined;
}

/** RETRY_MS is how soon a namespace whose object could not be written is tried again. */
const RETRY_MS = 1_000;
/**
 * REPAIR_INTERVAL_MS spaces the repairs of one namespace's object. Servers sharing an etcd each
 * run this controller; should two disagree on the desired object, they take turns instead of
 * flooding the store.
 */
const REPAIR_INTERVAL_MS = 30_000;

export class PerNamespaceObjectController {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<string>();
  private readonly repairedAt = new Map<string, number>();
  private stopped = false;
  private readonly ctx: RequestContext;

  constructor(
    private readonly registry: Registry,
    private readonly spec: PerNamespaceObject,
    private readonly log: Logger,
  ) {
    this.ctx = { namespace: '', user: { name: `system:serviceaccount:kube-system:${spec.controller}`, groups: ['system:masters', 'system:authenticated'] } };
  }

  private get namespaces(): Store {
    return this.registry.storeFor('', 'namespaces')!;
  }

  private get store(): Store {
    const s = this.registry.storeFor(this.spec.group, this.spec.plural);
    if (!s) throw new Error(`${this.spec.controller}: ${this.spec.plural} are not served`);
    return s;
  }

  /** start ensures the object in every namespace and follows namespaces and the objects. */
  async start(): Promise<void> {
    this.unsubscribe.push(
      this.namespaces.cache.subscribe((e) => {
        const namespace = e.attrs.fields['metadata.name'] ?? '';
        if (e.type === 'DELETED') this.repairedAt.delete(namespace);
        else this.enqueue(namespace);
      }),
      this.store.cache.subscribe((e) => {
        if (e.attrs.fields['metadata.name'] === this.spec.name) this.enqueue(e.attrs.fields['metadata.namespace'] ?? '');
      }),
    );
    for (const kv of this.namespaces.cache.list({ predicate: everything }).items) {
      const namespace = decode(kv.value).metadata.name ?? '';
      // Storage trouble at start is retried like any other failure, not fatal to the server.
      await this.sync(namespace).catch((e: unknown) => {
        this.log.error(`${this.spec.controller}: ${namespace}`, e);
        this.enqueue(namespace, RETRY_MS);
      });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    for (const t of this.timers) clearTimeout(t);
  }

  private enqueue(namespace: string, delay = 0): void {
    if (this.stopped || !namespace || this.pending.has(namespace)) return;
    this.pending.add(namespace);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending.delete(namespace);
      this.sync(namespace).catch((e: unknown) => {
        this.log.error(`${this.spec.controller}: ${namespace}`, e);
        this.enqueue(namespace, RETRY_MS);
      });
    }, delay);
    this.timers.add(t);
  }

  /** sync creates the namespace's object if it is missing, and repairs it if it changed. */
  async sync(namespace: string): Promise<void> {
    const nsKv = this.namespaces.cache.get(this.namespaces.key('', namespace));
    if (!nsKv || decode(nsKv.value).metadata.deletionTimestamp) return;
    const store = this.store;
    const existing = store.cache.get(store.key(namespace, this.spec.name));
    try {
      if (!existing) {
        await store.create({ ...this.ctx, namespace }, this.spec.desired(namespace));
        return;
      }
      const repaired = this.spec.repair?.(decode(existing.value));
      if (!repaired) return;
      const wait = (this.repairedAt.get(namespace) ?? -Infinity) + REPAIR_INTERVAL_MS - Date.now();
      if (wait > 0) {
        this.enqueue(namespace, wait);
        return;
      }
      this.repairedAt.set(namespace, Date.now());
      // The repair carries the resourceVersion it read: a write in between conflicts, and its
      // own event brings the object back here.
      await store.update({ ...this.ctx, namespace }, this.spec.name, () => repaired);
    } catch (e) {
      // The namespace went away or started terminating, or someone else wrote first.
      if (e instanceof StatusError && (e.reason === 'AlreadyExists' || e.code === 404 || e.code === 403 || e.code === 409)) return;
      throw e;
    }
  }
}

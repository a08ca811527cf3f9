import { StatusError } from '../apierrors';
import type { KubeObject, OwnerReference } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type Store } from '../registry/store';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';
import { WorkQueue } from './workqueue';

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:masters'] } };

interface Node {
  store: Store;
  namespace: string;
  name: string;
  owners: readonly OwnerReference[];
  deleting: boolean;
  finalizers: readonly string[];
}

type Work = { kind: 'dependent'; uid: string } | { kind: 'orphan'; uid: string } | { kind: 'foreground'; uid: string };

/**
 * GarbageCollector deletes objects whose owners are gone, as kube-controller-manager's garbage
 * collector does: it keeps an owner→dependents graph from every watch cache, deletes dependents
 * of deleted owners (Background), strips owner references for Orphan deletions and holds
 * Foreground deletions until the blocking dependents are gone.
 */
export class GarbageCollector {
  private readonly nodes = new Map<string, Node>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly queue: WorkQueue<Work>;

  constructor(
    private readonly registry: Registry,
    log: Logger,
  ) {
    this.queue = new WorkQueue<Work>('garbage collector', (w) => `${w.kind}/${w.uid}`, (w) => this.process(w), log);
  }

  start(): void {
    for (const store of this.registry.all()) this.follow(store);
    // Custom resources' stores appear at run time; their objects can own and be owned too.
    this.unsubscribe.push(this.registry.onStoreAdded((store) => this.follow(store)));
  }

  private follow(store: Store): void {
    for (const kv of store.cache.list({ predicate: { empty: true, matches: () => true } }).items) this.observe(store, decode(kv.value));
    this.unsubscribe.push(
      store.cache.subscribe((e, object) => {
        const obj = object();
        if (e.type === 'DELETED') this.forget(obj);
        else this.observe(store, obj);
      }),
    );
  }

  stop(): void {
    for (const u of this.unsubscribe) u();
    this.queue.stop();
  }

  private observe(store: Store, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const previous = this.nodes.get(uid);
    for (const o of previous?.owners ?? []) this.dependents.get(o.uid)?.delete(uid);
    const node: Node = {
      store,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name ?? '',
      // The object may be shared with other subscribers and the writer: keep copies.
      owners: obj.metadata.ownerReferences?.map((o) => ({ ...o })) ?? [],
      deleting: obj.metadata.deletionTimestamp !== undefined,
      finalizers: [...(obj.metadata.finalizers ?? [])],
    };
    this.nodes.set(uid, node);
    for (const o of node.owners) {
      let set = this.dependents.get(o.uid);
      if (!set) this.dependents.set(o.uid, (set = new Set()));
      set.add(uid);
    }
    this.review(uid, node);
  }

  /** review queues what an object's state asks of the collector. */
  private review(uid: string, node: Node): void {
    if (node.deleting && node.finalizers.includes(ORPHAN_FINALIZER)) this.enqueue({ kind: 'orphan', uid });
    if (node.deleting && node.finalizers.includes(FOREGROUND_FINALIZER)) this.enqueue({ kind: 'foreground', uid });
    if (node.owners.some((o) => !this.nodes.has(o.uid))) this.enqueue({ kind: 'dependent', uid });
  }

  private forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const node = this.nodes.get(uid);
    this.nodes.delete(uid);
    for (const o of node?.owners ?? []) {
      this.dependents.get(o.uid)?.delete(uid);
      // An owner waiting in the foreground may now be free to go.
      const owner = this.nodes.get(o.uid);
      if (owner?.deleting && owner.finalizers.includes(FOREGROUND_FINALIZER)) this.enqueue({ kind: 'foreground', uid: o.uid });
    }
    for (const dep of this.dependents.get(uid) ?? []) this.enqueue({ kind: 'dependent', uid: dep });
  }

  private enqueue(w: Work): void {
    this.queue.add(w);
  }

  private async process(w: Work): Promise<boolean> {
    const node = this.nodes.get(w.uid);
    if (!node) return true;
    if (w.kind === 'dependent') return this.collectDependent(w.uid, node);
    if (w.kind === 'orphan') return this.orphan(w.uid, node);
    return this.foreground(w.uid, node);
  }

  /** collectDependent deletes an object none of whose owners exist, or drops the dangling references. */
  private async collectDependent(uid: string, node: Node): Promise<boolean> {
    const present = node.owners.filter((o) => this.nodes.has(o.uid));
    if (present.length === node.owners.length) return true;
    const ctx = { ...SYSTEM, namespace: node.namespace };
    if (present.length === 0) {
      await ignoreNotFound(node.store.delete(ctx, node.name, { propagationPolicy: 'Background', preconditions: { uid } }));
      return true;
    }
    await this.updateOwners(node, uid, (refs) => refs.filter((o) => this.nodes.has(o.uid)));
    return true;
  }

  /** orphan strips the owner's references from its dependents, then lets the owner go. */
  private async orphan(uid: string, node: Node): Promise<boolean> {
    for (const dep of [...(this.dependents.get(uid) ?? [])]) {
      const d = this.nodes.get(dep);
      if (d) await this.updateOwners(d, dep, (refs) => refs.filter((o) => o.uid !== uid));
    }
    await this.removeFinalizer(node, ORPHAN_FINALIZER);
    return true;
  }

  /**
   * foreground deletes the owner's dependents and removes its finalizer once no dependent that
   * blocks owner deletion is left.
   */
  private async foreground(uid: string, node: Node): Promise<boolean> {
    let blocking = 0;
    for (const dep of [...(this.dependents.get(uid) ?? [])]) {
      const d = this.nodes.get(dep);
      if (!d) continue;
      if (d.owners.some((o) => o.uid === uid && o.blockOwnerDeletion)) blocking++;
      if (!d.deleting) await ignoreNotFound(d.store.delete({ ...SYSTEM, namespace: d.namespace }, d.name, { propagationPolicy: 'Foreground', preconditions: { uid: dep } }));
    }
    if (blocking > 0) return false;
    await this.removeFinalizer(node, FOREGROUND_FINALIZER);
    return true;
  }

  private async updateOwners(node: Node, uid: string, change: (refs: OwnerReference[]) => OwnerReference[]): Promise<void> {
    await ignoreNotFound(
      node.store.update({ ...SYSTEM, namespace: node.namespace, fieldManager: 'generic-garbage-collector' }, node.name, (current) => {
        if (!current || current.metadata.uid !== uid) throw new StatusError(404, 'NotFound', 'gone');
        const refs = change(current.metadata.ownerReferences ?? []);
        if (refs.length) current.metadata.ownerReferences = refs;
        else delete current.metadata.ownerReferences;
        return current;
      }),
    );
  }

  private async removeFinalizer(node: Node, finalizer: string): Promise<void> {
    await ignoreNotFound(
      node.store.update({ ...SYSTEM, namespace: node.namespace, fieldManager: 'generic-garbage-collector' }, node.name, (current) => {
        if (!current) throw new StatusError(404, 'NotFound', 'gone');
        current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        if (current.metadata.finalizers.length === 0) delete current.metadata.finalizers;
        return current;
      }),
    );
  }
}

async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
    throw e;
  }
}

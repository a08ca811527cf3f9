/**
 * Informer: an in-process controller's decoded view of one resource, kept current from the
 * store's watch cache (what client-go's informer and lister are to kube-controller-manager).
 * Changes arrive synchronously after the cache applied them, in order.
 */
import type { KubeObject } from '../meta/object';
import type { Store } from '../registry/store';
import { decode } from '../storage/codec';
import { everything } from '../watch/predicate';

/** InformerEvent is one change, decoded: the object after it (before it, for DELETED). */
export interface InformerEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  item: T | undefined;
  old: T | undefined;
}

/**
 * Informer indexes a resource by namespace and name, converting each object once with `convert`
 * (undefined skips the object).
 */
export class Informer<T> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly handlers = new Set<(e: InformerEvent<T>) => void>();
  private unsubscribe?: () => void;

  constructor(
    readonly store: Store,
    private readonly convert: (obj: KubeObject) => T | undefined,
  ) {}

  /** start loads the current objects and follows the cache; call once the cache has started. */
  start(): this {
    if (this.unsubscribe) return this;
    this.unsubscribe = this.store.cache.subscribe((e) => {
      const obj = decode(e.value);
      const ns = obj.metadata.namespace ?? '';
      const name = obj.metadata.name ?? '';
      const old = this.get(ns, name);
      if (e.type === 'DELETED') this.remove(ns, name);
      else this.put(ns, name, obj);
      const item = e.type === 'DELETED' ? undefined : this.get(ns, name);
      for (const h of this.handlers) h({ type: e.type, object: obj, item, old });
    });
    for (const kv of this.store.cache.list({ predicate: everything }).items) {
      const obj = decode(kv.value);
      this.put(obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj);
    }
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** onChange registers a handler for every later change. */
  onChange(h: (e: InformerEvent<T>) => void): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  /** list returns the items of a namespace ('' for cluster-scoped ones), or of all namespaces. */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.items.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  namespaceMap(namespace: string): ReadonlyMap<string, T> | undefined {
    return this.byNamespace.get(namespace);
  }

  private put(ns: string, name: string, obj: KubeObject): void {
    const item = this.convert(obj);
    if (item === undefined) {
      this.remove(ns, name);
      return;
    }
    this.items.set(`${ns}/${name}`, item);
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(name, item);
  }

  private remove(ns: string, name: string): void {
    this.items.delete(`${ns}/${name}`);
    const m = this.byNamespace.get(ns);
    if (m) {
      m.delete(name);
      if (m.size === 0) this.byNamespace.delete(ns);
    }
  }
}

/**
 * Correlation of a new object with its old version for validation ratcheting (upstream's
 * common.CorrelatedObject): object fields correlate by name, map values by key, items of
 * x-kubernetes-list-type=map lists by their keys; sets and atomic lists do not correlate by item.
 * A rule's failure on a node that did not change (or whose nearest correlatable ancestor did not
 * change) is a warning, not an error, unless the rule uses oldSelf.
 */
import type { Structural } from './schema';
import { deepEqualJson } from './values';

type Json = Record<string, unknown>;
const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** mapListKey is the composite key of a map-list item (undefined when a key is missing or not scalar). */
function compositeKey(item: unknown, keys: readonly string[]): string | undefined {
  if (!isJsonObject(item)) return undefined;
  const parts: string[] = [];
  for (const k of keys) {
    const v = item[k];
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    parts.push(`${typeof v}:${String(v)}`);
  }
  return JSON.stringify(parts);
}

/** MapList finds the old item of a map list with the same keys as a new one. */
export class MapList {
  private readonly byKey = new Map<string, unknown>();

  constructor(
    items: readonly unknown[],
    private readonly keys: readonly string[],
  ) {
    for (const item of items) {
      const k = compositeKey(item, keys);
      if (k !== undefined && !this.byKey.has(k)) this.byKey.set(k, item);
    }
  }

  get(item: unknown): unknown {
    const k = compositeKey(item, this.keys);
    return k === undefined ? undefined : this.byKey.get(k);
  }

  /** of returns the map list of `items` when `s` is an x-kubernetes-list-type=map list schema. */
  static of(s: Structural, items: unknown): MapList | undefined {
    if (s.type !== 'array' || s.listType !== 'map' || s.listMapKeys.length === 0 || !Array.isArray(items) || items.length === 0) return undefined;
    return new MapList(items, s.listMapKeys);
  }
}

/** CorrelatedObject is a node of the new object with its correlated old value. */
export class CorrelatedObject {
  private equal: boolean | undefined;
  private mapList: MapList | undefined | null = null;
  private readonly children = new Map<string | number, CorrelatedObject | undefined>();

  constructor(
    readonly value: unknown,
    readonly oldValue: unknown,
    readonly schema: Structural,
  ) {}

  /** key correlates a field or map key; undefined when either side lacks it. */
  key(field: string): CorrelatedObject | undefined {
    if (this.children.has(field)) return this.children.get(field);
    let child: CorrelatedObject | undefined;
    if (isJsonObject(this.value) && isJsonObject(this.oldValue) && Object.hasOwn(this.value, field) && Object.hasOwn(this.oldValue, field)) {
      const ps = this.schema.properties?.get(field) ?? this.schema.additionalProperties;
      if (ps) child = new CorrelatedObject(this.value[field], this.oldValue[field], ps);
    }
    this.children.set(field, child);
    return child;
  }

  /** index correlates a list item; only map-list items correlate. */
  index(i: number): CorrelatedObject | undefined {
    if (this.children.has(i)) return this.children.get(i);
    let child: CorrelatedObject | undefined;
    if (Array.isArray(this.value) && Array.isArray(this.oldValue) && i < this.value.length && this.schema.items) {
      if (this.mapList === null) this.mapList = this.schema.listType === 'map' ? MapList.of(this.schema, this.oldValue) : undefined;
      const old = this.mapList?.get(this.value[i]);
      if (old !== undefined) child = new CorrelatedObject(this.value[i], old, this.schema.items);
    }
    this.children.set(i, child);
    return child;
  }

  /** cachedDeepEqual tells whether the node is unchanged, reusing what children found. */
  cachedDeepEqual(): boolean {
    if (this.equal !== undefined) return this.equal;
    this.equal = this.computeEqual();
    return this.equal;
  }

  private computeEqual(): boolean {
    const v = this.value;
    const o = this.oldValue;
    if ((v === null || v === undefined) && (o === null || o === undefined)) return true;
    if (v === null || v === undefined || o === null || o === undefined) return false;
    if (Array.isArray(v) !== Array.isArray(o) || isJsonObject(v) !== isJsonObject(o)) return false;
    if (Array.isArray(v) && Array.isArray(o)) {
      if (v.length !== o.length) return false;
      for (let i = 0; i < v.length; i++) {
        const child = this.index(i);
        if (!child) return this.mapList ? false : deepEqualJson(o, v);
        if (!child.cachedDeepEqual()) return false;
      }
      return true;
    }
    if (isJsonObject(v) && isJsonObject(o)) {
      if (Object.keys(v).length !== Object.keys(o).length) return false;
      for (const k of Object.keys(v)) {
        const child = this.key(k);
        if (!child || !child.cachedDeepEqual()) return false;
      }
      return true;
    }
    return deepEqualJson(o, v);
  }
}

/** Ratcheting is the correlation state while walking the new object (upstream's ratchetingOptions). */
export interface Ratcheting {
  readonly current?: CorrelatedObject;
  readonly nearestParent?: CorrelatedObject;
}

/** ratchetKey descends into a field. apiVersion and kind at the root never ratchet. */
export function ratchetKey(r: Ratcheting, field: string): Ratcheting {
  if (!r.current) return r;
  if (!r.nearestParent && (field === 'apiVersion' || field === 'kind')) return {};
  return { current: r.current.key(field), nearestParent: r.current };
}

/** ratchetIndex descends into a list item. */
export function ratchetIndex(r: Ratcheting, i: number): Ratcheting {
  if (!r.current) return r;
  return { current: r.current.index(i), nearestParent: r.current };
}

/** shouldRatchet tells whether errors at this node become warnings. */
export function shouldRatchet(r: Ratcheting): boolean {
  if (r.current) return r.current.cachedDeepEqual();
  return r.nearestParent?.cachedDeepEqual() ?? false;
}

/**
 * ratchetsAt tells whether a schema error at a JSON pointer into the new object falls on a part
 * of it the update did not change (OpenAPI schema ratcheting, as kube-openapi's ratcheting
 * validator): the pointer is followed with the same correlation the rules use.
 */
export function ratchetsAt(root: CorrelatedObject, pointer: string): boolean {
  let r: Ratcheting = { current: root };
  if (pointer !== '') {
    for (const raw of pointer.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      r = Array.isArray(r.current?.value) && /^\d+$/.test(seg) ? ratchetIndex(r, Number(seg)) : ratchetKey(r, seg);
      if (!r.current && !r.nearestParent) return false;
    }
  }
  return shouldRatchet(r);
}

/**
 * Random objects for the equivalence tests, generated from a TypeTable so they exercise the
 * typed paths (structs, granular and atomic maps, sets, list-maps with one or two keys and key
 * defaults) along with what real objects throw at the engine now and then: duplicate list keys,
 * nulls, empty maps and lists, wrong types, undeclared fields, `__proto__` keys, and strings that
 * sort or escape differently in Go and JavaScript. Everything is driven by a seeded generator,
 * so a failure names the seed that reproduces it.
 */

import { resolve, type TypeRef, type TypeTable } from '../../../src/schema/typeinfo';
import { mulberry32 } from '../../support/random';

export type Json = unknown;
export type Obj = Record<string, unknown>;

/** Rng draws test cases from a seeded mulberry32. */
export class Rng {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** STRINGS holds the values strings are drawn from: collisions are wanted, and so are odd characters. */
const STRINGS = ['', 'a', 'b', 'web', 'envoy', 'TCP', 'UDP', 'x<y&z>', 'line\nbreak', '\u2028', '\u{1f680}', '\uff21', '\ud800', '\ufffd', 'é'];
const KEYS = ['a', 'b', 'app', 'tier', 'x.io/y', 'é', '\u{1f680}', '\uff21', '__proto__'];
const NUMBERS = [0, 1, 2, 80, 443, -1, 2.5, 1e21];

/** setOwn writes a property as JSON.parse would, `__proto__` included. */
export function setOwn(m: Obj, key: string, value: unknown): void {
  Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Gen generates values of one TypeTable. */
export class Gen {
  /** undefinedValues lets fields be explicitly undefined (objects built in code, not parsed). */
  constructor(
    private readonly rng: Rng,
    private readonly table: TypeTable,
    private readonly undefinedValues = false,
  ) {}

  scalar(): Json {
    switch (this.rng.int(4)) {
      case 0:
        return this.rng.pick(NUMBERS);
      case 1:
        return this.rng.chance(0.5);
      default:
        return this.rng.pick(STRINGS);
    }
  }

  /** untyped is arbitrary JSON. */
  untyped(depth: number): Json {
    const r = this.rng.int(10);
    if (depth > 3 || r < 5) return this.rng.chance(0.1) ? null : this.scalar();
    if (r < 8) {
      const m: Obj = {};
      for (let i = this.rng.int(3); i > 0; i--) setOwn(m, this.rng.pick(KEYS), this.untyped(depth + 1));
      return m;
    }
    return Array.from({ length: this.rng.int(3) }, () => this.untyped(depth + 1));
  }

  /** value draws a value of type ref (now and then one of the wrong kind). */
  value(ref: TypeRef | undefined, depth: number): Json {
    if (this.rng.chance(0.02)) return null;
    if (this.rng.chance(0.01)) return this.untyped(depth);
    const node = resolve(this.table, ref);
    switch (node.kind) {
      case 'scalar':
        if (node.type === 'boolean') return this.rng.chance(0.5);
        if (node.type === 'integer' || node.type === 'number') return this.rng.pick(NUMBERS);
        return this.rng.chance(0.9) ? this.rng.pick(STRINGS) : this.rng.pick(NUMBERS);
      case 'untyped':
        return this.untyped(depth);
      case 'map': {
        const m: Obj = {};
        if (depth > 6) return m;
        for (let i = this.rng.int(4); i > 0; i--) setOwn(m, this.rng.pick(KEYS), this.value(node.values, depth + 1));
        return m;
      }
      case 'struct': {
        const m: Obj = {};
        if (depth > 6) return m;
        const fields = Object.keys(node.fields);
        const n = depth === 0 ? Math.min(fields.length, 3 + this.rng.int(4)) : this.rng.int(Math.min(fields.length, 4) + 1);
        for (let i = 0; i < n; i++) {
          const f = this.rng.pick(fields);
          setOwn(m, f, this.undefinedValues && this.rng.chance(0.03) ? undefined : this.value(node.fields[f], depth + 1));
        }
        if (this.rng.chance(node.preserveUnknownFields ? 0.5 : 0.02)) setOwn(m, this.rng.pick(KEYS), this.untyped(depth + 1));
        return m;
      }
      case 'list': {
        if (depth > 6) return [];
        const n = this.rng.int(4);
        const items: Json[] = [];
        for (let i = 0; i < n; i++) {
          if (node.listType === 'map') items.push(this.listMapItem(node.items, node.mapKeys ?? [], depth + 1));
          else if (node.listType === 'set') items.push(this.rng.chance(0.05) ? this.untyped(depth) : this.rng.pick(['a', 'b', 'c', 1, 2]));
          else items.push(this.value(node.items, depth + 1));
        }
        return items;
      }
    }
  }

  /** listMapItem is an item keyed from a small pool of key values, now and then missing a key. */
  private listMapItem(ref: TypeRef, keys: readonly string[], depth: number): Json {
    const item = this.value(ref, depth);
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const m = item as Obj;
    for (const k of keys) {
      if (this.rng.chance(0.1)) delete m[k];
      else setOwn(m, k, k === 'containerPort' || k === 'port' ? this.rng.pick([80, 443]) : this.rng.pick(['web', 'envoy', 'TCP', 'UDP']));
    }
    return m;
  }

  /**
   * perturb returns a changed copy of value (undefined: removed). Unchanged subtrees are
   * shared with value, as the store's objects share nothing but are often equal.
   */
  perturb(ref: TypeRef | undefined, value: Json, depth: number): Json {
    const r = this.rng.next();
    if (r < 0.45) return value;
    if (r < 0.5) return undefined;
    if (r < 0.58) return this.value(ref, depth);
    if (Array.isArray(value)) {
      const node = resolve(this.table, ref);
      const itemRef = node.kind === 'list' ? node.items : undefined;
      let items = value.map((x) => this.perturb(itemRef, x, depth + 1)).filter((x) => x !== undefined);
      if (this.rng.chance(0.2) && items.length > 0) items.push(items[this.rng.int(items.length)]);
      if (this.rng.chance(0.2)) items = items.reverse();
      if (this.rng.chance(0.2)) {
        const fresh = this.value(ref, depth);
        if (Array.isArray(fresh)) items.push(...fresh);
      }
      return items;
    }
    if (value !== null && typeof value === 'object') {
      const node = resolve(this.table, ref);
      const out: Obj = {};
      for (const k of Object.keys(value)) {
        const childRef = node.kind === 'struct' ? node.fields[k] : node.kind === 'map' ? node.values : undefined;
        const v = this.perturb(childRef, (value as Obj)[k], depth + 1);
        if (v !== undefined || (this.undefinedValues && this.rng.chance(0.1))) setOwn(out, k, v);
      }
      const fresh = this.value(ref, depth);
      if (this.rng.chance(0.3) && fresh !== null && typeof fresh === 'object' && !Array.isArray(fresh)) {
        for (const k of Object.keys(fresh)) if (!(k in out)) setOwn(out, k, (fresh as Obj)[k]);
      }
      return out;
    }
    return this.rng.chance(0.5) ? value : this.value(ref, depth);
  }
}

/** deepFreeze freezes a value and everything below it (so a test sees any write to an input). */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Obj)[k]);
  }
  return v;
}

/** sharesWith reports whether any object inside a is also inside b. */
export function sharesWith(a: Json, b: Json): boolean {
  const seen = new Set<unknown>();
  const collect = (v: Json): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    for (const k of Object.keys(v)) collect((v as Obj)[k]);
  };
  collect(b);
  const find = (v: Json): boolean => {
    if (v === null || typeof v !== 'object') return false;
    if (seen.has(v)) return true;
    return Object.keys(v).some((k) => find((v as Obj)[k]));
  };
  return find(a);
}

/** clone copies a value exactly: `__proto__` keys and explicitly undefined fields included. */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x: unknown) => clone(x)) as unknown as T;
  if (v !== null && typeof v === 'object') {
    const out: Obj = {};
    for (const k of Object.keys(v)) setOwn(out, k, clone((v as Obj)[k]));
    return out as T;
  }
  return v;
}

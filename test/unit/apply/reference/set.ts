/**
 * FieldSet is fieldpath.Set: a trie of path elements. A node lists its members (paths that end
 * here) and its children (elements under which further members live); being a child does not
 * make an element a member. Both lists are kept sorted in upstream's element order, so the
 * FieldsV1 rendering comes out in upstream's byte order without a separate sort.
 */

import {
  FieldsV1Error,
  comparePathElements,
  parsePathElement,
  pathElementsEqual,
  serializePathElement,
  type Path,
  type PathElement,
} from './fieldpath';
import { goJSONString, isMap } from './value';

/** SetChild pairs an element with the subset of paths below it. */
export interface SetChild {
  readonly element: PathElement;
  readonly set: FieldSet;
}

function search<T>(items: readonly T[], pe: PathElement, key: (t: T) => PathElement): { index: number; found: boolean } {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePathElements(key(items[mid]), pe);
    if (c === 0) return { index: mid, found: true };
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return { index: lo, found: false };
}

const self = (pe: PathElement): PathElement => pe;
const elementOf = (c: SetChild): PathElement => c.element;

/** FieldSet is a set of field paths (see the file comment). */
export class FieldSet {
  private readonly memberList: PathElement[];
  private readonly childList: { element: PathElement; set: FieldSet }[];

  private constructor(members: PathElement[], children: { element: PathElement; set: FieldSet }[]) {
    this.memberList = members;
    this.childList = children;
  }

  /** empty makes a set with no paths. */
  static empty(): FieldSet {
    return new FieldSet([], []);
  }

  /** of makes a set of the given paths. */
  static of(...paths: Path[]): FieldSet {
    const s = FieldSet.empty();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** members are the elements that are members at this node, in order. */
  get members(): readonly PathElement[] {
    return this.memberList;
  }

  /** children are the elements with members below them, in order. */
  get children(): readonly SetChild[] {
    return this.childList;
  }

  /** copy makes an independent copy. */
  copy(): FieldSet {
    return new FieldSet(
      [...this.memberList],
      this.childList.map((c) => ({ element: c.element, set: c.set.copy() })),
    );
  }

  /**
   * insert adds a path (in place). Parents are not added; the empty path is ignored. The set
   * operations share subtrees with their operands, so only insert into a set you built.
   */
  insert(path: Path): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]);
    node.insertMember(path[path.length - 1]);
    return this;
  }

  /** insertMember adds an element as a member of this node (in place). */
  insertMember(pe: PathElement): void {
    const { index, found } = search(this.memberList, pe, self);
    if (!found) this.memberList.splice(index, 0, pe);
  }

  /** descend returns the child set under pe, creating it (in place). */
  descend(pe: PathElement): FieldSet {
    const { index, found } = search(this.childList, pe, elementOf);
    if (found) return this.childList[index].set;
    const set = FieldSet.empty();
    this.childList.splice(index, 0, { element: pe, set });
    return set;
  }

  /** hasMember reports pe as a member of this node. */
  hasMember(pe: PathElement): boolean {
    return search(this.memberList, pe, self).found;
  }

  /** child returns the subset under pe, if any. */
  child(pe: PathElement): FieldSet | undefined {
    const { index, found } = search(this.childList, pe, elementOf);
    return found ? this.childList[index].set : undefined;
  }

  /** has reports the path as a member. */
  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.child(path[i]);
      if (!node) return false;
    }
    return node.hasMember(path[path.length - 1]);
  }

  /** withPrefix is the subset below pe, without pe (an empty set when there is none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.child(pe) ?? FieldSet.empty();
  }

  /** isEmpty reports a set without members at any depth. */
  isEmpty(): boolean {
    if (this.memberList.length > 0) return false;
    return this.childList.every((c) => c.set.isEmpty());
  }

  /** size counts members at every depth. */
  size(): number {
    return this.memberList.length + this.childList.reduce((n, c) => n + c.set.size(), 0);
  }

  /** equals compares structure, as upstream's Equals (an empty child is not nothing). */
  equals(o: FieldSet): boolean {
    if (this.memberList.length !== o.memberList.length || this.childList.length !== o.childList.length) return false;
    for (let i = 0; i < this.memberList.length; i++) {
      if (!pathElementsEqual(this.memberList[i], o.memberList[i])) return false;
    }
    for (let i = 0; i < this.childList.length; i++) {
      if (!pathElementsEqual(this.childList[i].element, o.childList[i].element)) return false;
      if (!this.childList[i].set.equals(o.childList[i].set)) return false;
    }
    return true;
  }

  /** union holds the paths of either set. */
  union(o: FieldSet): FieldSet {
    const members = mergeSorted(this.memberList, o.memberList, self, 'union').map((p) => p.a ?? p.b!);
    const children: { element: PathElement; set: FieldSet }[] = [];
    for (const p of mergeSorted(this.childList, o.childList, elementOf, 'union')) {
      if (p.a && p.b) children.push({ element: p.a.element, set: p.a.set.union(p.b.set) });
      else children.push((p.a ?? p.b)!);
    }
    return new FieldSet(members, children);
  }

  /** intersection holds the members of both sets. */
  intersection(o: FieldSet): FieldSet {
    const members = mergeSorted(this.memberList, o.memberList, self, 'both').map((p) => p.a!);
    const children: { element: PathElement; set: FieldSet }[] = [];
    for (const p of mergeSorted(this.childList, o.childList, elementOf, 'both')) {
      const res = p.a!.set.intersection(p.b!.set);
      if (!res.isEmpty()) children.push({ element: p.a!.element, set: res });
    }
    return new FieldSet(members, children);
  }

  /**
   * difference holds the members of this set not in o. As upstream, a member of o does not
   * remove paths below it (parent − child = parent, child − parent = child).
   */
  difference(o: FieldSet): FieldSet {
    const members = mergeSorted(this.memberList, o.memberList, self, 'left').map((p) => p.a!);
    const children: { element: PathElement; set: FieldSet }[] = [];
    for (const c of this.childList) {
      const other = o.child(c.element);
      if (!other) {
        children.push(c);
        continue;
      }
      const diff = c.set.difference(other);
      if (!diff.isEmpty()) children.push({ element: c.element, set: diff });
    }
    return new FieldSet(members, children);
  }

  /** recursiveDifference also removes everything below a member of o. */
  recursiveDifference(o: FieldSet): FieldSet {
    const members = mergeSorted(this.memberList, o.memberList, self, 'left').map((p) => p.a!);
    const children: { element: PathElement; set: FieldSet }[] = [];
    for (const c of this.childList) {
      if (o.hasMember(c.element)) continue;
      const other = o.child(c.element);
      if (!other) {
        children.push(c);
        continue;
      }
      const diff = c.set.recursiveDifference(other);
      if (!diff.isEmpty()) children.push({ element: c.element, set: diff });
    }
    return new FieldSet(members, children);
  }

  /** leaves keeps the members that have nothing below them. */
  leaves(): FieldSet {
    const members = this.memberList.filter((m) => !this.child(m));
    return new FieldSet(
      members,
      this.childList.map((c) => ({ element: c.element, set: c.set.leaves() })),
    );
  }

  /** paths lists the members in upstream's iteration order (members of a node, then its children). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const m of s.memberList) out.push([...prefix, m]);
      for (const c of s.childList) walk(c.set, [...prefix, c.element]);
    };
    walk(this, []);
    return out;
  }

  /**
   * toFieldsV1 renders the set as a FieldsV1 object, keys in upstream's order, `"."` marking a
   * node that is itself a member.
   */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  /** serialize renders FieldsV1 as the exact bytes upstream writes (HTML-safe escaping). */
  serialize(): string {
    return renderFieldsV1(this.toFieldsV1());
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && !(this.memberList.length === 0 && this.childList.length === 0)) out['.'] = {};
    for (const p of mergeSorted(this.memberList, this.childList, (x: PathElement | SetChild) => ('kind' in x ? x : x.element), 'union')) {
      const member = p.a as PathElement | undefined;
      const child = p.b as SetChild | undefined;
      const key = serializePathElement(child ? child.element : member!);
      out[key] = child ? child.set.emit(member !== undefined) : {};
    }
    return out;
  }

  /**
   * fromFieldsV1 reads a FieldsV1 object (or its JSON text). Unknown element types are dropped
   * as upstream does; malformed ones throw FieldsV1Error.
   */
  static fromFieldsV1(fields: unknown): FieldSet {
    const doc = typeof fields === 'string' ? parseFieldsText(fields) : fields;
    if (doc === null || doc === undefined) return FieldSet.empty();
    if (!isMap(doc)) throw new FieldsV1Error('FieldsV1 must be a JSON object');
    return readNode(doc).children ?? FieldSet.empty();
  }
}

function parseFieldsText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FieldsV1Error(e instanceof Error ? e.message : String(e));
  }
}

/** readNode is readIterV1: the subset below a node, and whether the node is itself a member. */
function readNode(node: Record<string, unknown>): { children: FieldSet | undefined; isMember: boolean } {
  let children: FieldSet | undefined;
  let isMember = false;
  for (const key of Object.keys(node)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    const pe = parsePathElement(key);
    if (pe === undefined) continue;
    const value = node[key];
    let sub: { children: FieldSet | undefined; isMember: boolean };
    if (value === null) sub = { children: undefined, isMember: true };
    else if (isMap(value)) sub = readNode(value);
    else throw new FieldsV1Error(`expected an object for ${key}`);
    if (sub.isMember) {
      children ??= FieldSet.empty();
      children.insertMember(pe);
    }
    if (sub.children) {
      children ??= FieldSet.empty();
      mergeInto(children.descend(pe), sub.children);
    }
  }
  if (!children) isMember = true;
  return { children, isMember };
}

/** mergeInto adds every path of source to target (in place). */
function mergeInto(target: FieldSet, source: FieldSet): void {
  for (const m of source.members) target.insertMember(m);
  for (const c of source.children) mergeInto(target.descend(c.element), c.set);
}

/** renderFieldsV1 writes a FieldsV1 object in its key order with Go's string escaping. */
export function renderFieldsV1(doc: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(doc)) {
    const v = doc[k];
    parts.push(goJSONString(k) + ':' + (isMap(v) ? renderFieldsV1(v) : '{}'));
  }
  return '{' + parts.join(',') + '}';
}

/** mergeSorted walks two sorted lists together and pairs equal elements. */
function mergeSorted<A, B>(
  as: readonly A[],
  bs: readonly B[],
  key: (x: A | B) => PathElement,
  mode: 'union' | 'both' | 'left',
): { a?: A; b?: B }[] {
  const out: { a?: A; b?: B }[] = [];
  let i = 0;
  let j = 0;
  while (i < as.length && j < bs.length) {
    const c = comparePathElements(key(as[i]), key(bs[j]));
    if (c < 0) {
      if (mode !== 'both') out.push({ a: as[i] });
      i++;
    } else if (c > 0) {
      if (mode === 'union') out.push({ b: bs[j] });
      j++;
    } else {
      if (mode !== 'left') out.push({ a: as[i], b: bs[j] });
      i++;
      j++;
    }
  }
  if (mode !== 'both') for (; i < as.length; i++) out.push({ a: as[i] });
  if (mode === 'union') for (; j < bs.length; j++) out.push({ b: bs[j] });
  return out;
}

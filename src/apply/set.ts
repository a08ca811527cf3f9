/**
 * FieldSet is fieldpath.Set: a trie of path elements. A node lists its members (paths that end
 * here) and its children (elements under which further members live); being a child does not
 * make an element a member. Both lists are kept sorted in upstream's element order, so the
 * FieldsV1 rendering comes out in upstream's byte order without a separate sort.
 *
 * Sets are built cheaply, because every write builds several: by appending (insertMember and
 * descend try the end of a list before they search, and the FieldsV1 reader and most walkers
 * meet elements in order), or bottom up from a node's lists (fromSorted, fromUnsorted). The set
 * operations walk both operands' sorted lists side by side and share the subtrees they do not
 * change with their operands (and so with each other: a built set is never modified again).
 */

import { FieldsV1Error, comparePathElements, parsePathElement, pathElementsEqual, serializePathElement, type Path, type PathElement } from './fieldpath';
import { goJSONString, hasOwn, isMap } from './value';

/** SetChild pairs an element with the subset of paths below it. */
export interface SetChild {
  readonly element: PathElement;
  readonly set: FieldSet;
}

interface Child {
  element: PathElement;
  set: FieldSet;
}

/**
 * findElement binary-searches a sorted element list: the index of pe, or -(insertion point) - 1
 * when it is absent.
 */
function findElement(items: readonly PathElement[], pe: PathElement): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePathElements(items[mid], pe);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

/** findChild is findElement over a child list. */
function findChild(items: readonly Child[], pe: PathElement): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePathElements(items[mid].element, pe);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -lo - 1;
}

/** FieldSet is a set of field paths (see the file comment). */
export class FieldSet {
  private readonly memberList: PathElement[];
  private readonly childList: Child[];

  private constructor(members: PathElement[], children: Child[]) {
    this.memberList = members;
    this.childList = children;
  }

  /** empty makes a set with no paths. */
  static empty(): FieldSet {
    return new FieldSet([], []);
  }

  /**
   * fromSorted makes a node from its two lists, which it keeps: members sorted and distinct,
   * children sorted by element and distinct. For walkers that produce them in order.
   */
  static fromSorted(members: PathElement[], children: SetChild[]): FieldSet {
    return new FieldSet(members, children as Child[]);
  }

  /**
   * fromUnsorted makes a node from its members and children in any order (a walker's object
   * keys): it sorts both lists in place, merges repeated elements, and keeps them.
   */
  static fromUnsorted(members: PathElement[], children: SetChild[]): FieldSet {
    return new FieldSet(sortMembers(members), sortChildren(children as Child[]));
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
    const list = this.memberList;
    const n = list.length;
    if (n === 0 || comparePathElements(list[n - 1], pe) < 0) {
      list.push(pe);
      return;
    }
    const i = findElement(list, pe);
    if (i < 0) list.splice(-i - 1, 0, pe);
  }

  /** descend returns the child set under pe, creating it (in place). */
  descend(pe: PathElement): FieldSet {
    const list = this.childList;
    const n = list.length;
    if (n > 0) {
      const last = list[n - 1];
      const c = last.element === pe ? 0 : comparePathElements(last.element, pe);
      if (c === 0) return last.set;
      if (c > 0) {
        const i = findChild(list, pe);
        if (i >= 0) return list[i].set;
        const set = FieldSet.empty();
        list.splice(-i - 1, 0, { element: pe, set });
        return set;
      }
    }
    const set = FieldSet.empty();
    list.push({ element: pe, set });
    return set;
  }

  /**
   * attach adds every path of sub below pe (in place), taking sub itself as the child when pe
   * has none yet. Only for sets being built (the FieldsV1 reader): sub becomes part of this set.
   */
  private attach(pe: PathElement, sub: FieldSet): void {
    const list = this.childList;
    const n = list.length;
    if (n === 0 || comparePathElements(list[n - 1].element, pe) < 0) {
      list.push({ element: pe, set: sub });
      return;
    }
    const i = findChild(list, pe);
    if (i >= 0) list[i] = { element: pe, set: list[i].set.union(sub) };
    else list.splice(-i - 1, 0, { element: pe, set: sub });
  }

  /** hasMember reports pe as a member of this node. */
  hasMember(pe: PathElement): boolean {
    return findElement(this.memberList, pe) >= 0;
  }

  /** child returns the subset under pe, if any. */
  child(pe: PathElement): FieldSet | undefined {
    const i = findChild(this.childList, pe);
    return i >= 0 ? this.childList[i].set : undefined;
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
    for (const c of this.childList) if (!c.set.isEmpty()) return false;
    return true;
  }

  /** size counts members at every depth. */
  size(): number {
    let n = this.memberList.length;
    for (const c of this.childList) n += c.set.size();
    return n;
  }

  /** equals compares structure, as upstream's Equals (an empty child is not nothing). */
  equals(o: FieldSet): boolean {
    if (this === o) return true;
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
    const members = unionElements(this.memberList, o.memberList);
    const a = this.childList;
    const b = o.childList;
    const children: Child[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const c = comparePathElements(a[i].element, b[j].element);
      if (c < 0) children.push(a[i++]);
      else if (c > 0) children.push(b[j++]);
      else {
        // A subtree shared by both operands is its own union.
        const set = a[i].set === b[j].set ? a[i].set : a[i].set.union(b[j].set);
        children.push({ element: a[i].element, set });
        i++;
        j++;
      }
    }
    while (i < a.length) children.push(a[i++]);
    while (j < b.length) children.push(b[j++]);
    return new FieldSet(members, children);
  }

  /** intersection holds the members of both sets. */
  intersection(o: FieldSet): FieldSet {
    const members = intersectElements(this.memberList, o.memberList);
    const a = this.childList;
    const b = o.childList;
    const children: Child[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const c = comparePathElements(a[i].element, b[j].element);
      if (c < 0) i++;
      else if (c > 0) j++;
      else {
        const res = a[i].set.intersection(b[j].set);
        if (!res.isEmpty()) children.push({ element: a[i].element, set: res });
        i++;
        j++;
      }
    }
    return new FieldSet(members, children);
  }

  /**
   * difference holds the members of this set not in o. As upstream, a member of o does not
   * remove paths below it (parent − child = parent, child − parent = child).
   */
  difference(o: FieldSet): FieldSet {
    if (o === this) return FieldSet.empty();
    const members = subtractElements(this.memberList, o.memberList);
    const a = this.childList;
    const b = o.childList;
    const children: Child[] = [];
    let j = 0;
    for (const child of a) {
      while (j < b.length && comparePathElements(b[j].element, child.element) < 0) j++;
      if (j === b.length || comparePathElements(b[j].element, child.element) !== 0) {
        children.push(child);
        continue;
      }
      const diff = child.set.difference(b[j].set);
      if (!diff.isEmpty()) children.push({ element: child.element, set: diff });
    }
    return new FieldSet(members, children);
  }

  /** recursiveDifference also removes everything below a member of o. */
  recursiveDifference(o: FieldSet): FieldSet {
    if (o === this) return FieldSet.empty();
    const members = subtractElements(this.memberList, o.memberList);
    const a = this.childList;
    const b = o.childList;
    const om = o.memberList;
    const children: Child[] = [];
    let j = 0;
    let k = 0;
    for (const child of a) {
      while (k < om.length && comparePathElements(om[k], child.element) < 0) k++;
      if (k < om.length && comparePathElements(om[k], child.element) === 0) continue;
      while (j < b.length && comparePathElements(b[j].element, child.element) < 0) j++;
      if (j === b.length || comparePathElements(b[j].element, child.element) !== 0) {
        children.push(child);
        continue;
      }
      const diff = child.set.recursiveDifference(b[j].set);
      if (!diff.isEmpty()) children.push({ element: child.element, set: diff });
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

  /**
   * emit builds the FieldsV1 object of this node. Members and children are both sorted, so one
   * pass over the two lists writes the keys in order; an element in both is a child marked `"."`.
   */
  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const members = this.memberList;
    const children = this.childList;
    if (includeSelf && !(members.length === 0 && children.length === 0)) out['.'] = {};
    let i = 0;
    let j = 0;
    while (i < members.length || j < children.length) {
      const c = i === members.length ? 1 : j === children.length ? -1 : comparePathElements(members[i], children[j].element);
      if (c < 0) {
        out[serializePathElement(members[i++])] = {};
      } else {
        const child = children[j++];
        out[serializePathElement(child.element)] = child.set.emit(c === 0);
        if (c === 0) i++;
      }
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
    return FieldSet.read(doc) ?? FieldSet.empty();
  }

  /**
   * read is readIterV1: the subset below a FieldsV1 node, undefined when it names nothing (the
   * node is then a member; so is a node with a `"."` key).
   */
  private static read(node: Record<string, unknown>): FieldSet | undefined {
    let set: FieldSet | undefined;
    for (const key of Object.keys(node)) {
      if (key === '.') continue;
      const pe = parsePathElement(key);
      if (pe === undefined) continue;
      const value = node[key];
      let sub: FieldSet | undefined;
      let isMember: boolean;
      if (value === null) {
        isMember = true;
      } else if (isMap(value)) {
        sub = FieldSet.read(value);
        isMember = sub === undefined || hasOwn(value, '.');
      } else {
        throw new FieldsV1Error(`expected an object for ${key}`);
      }
      set ??= FieldSet.empty();
      if (isMember) set.insertMember(pe);
      if (sub) set.attach(pe, sub);
    }
    return set;
  }
}

function parseFieldsText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FieldsV1Error(e instanceof Error ? e.message : String(e));
  }
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

/**
 * INSERTION_SORT_MAX is the longest list sorted by insertion: a node's keys are few, often
 * nearly in order, and insertion sort then beats Array.prototype.sort's overhead.
 */
const INSERTION_SORT_MAX = 16;

/** sortMembers sorts a member list in place (stable) and drops repeated elements. */
function sortMembers(list: PathElement[]): PathElement[] {
  let i = 1;
  while (i < list.length && comparePathElements(list[i - 1], list[i]) < 0) i++;
  if (i >= list.length) return list; // already in order, no repeats
  if (list.length > INSERTION_SORT_MAX) {
    list.sort(comparePathElements);
  } else {
    for (; i < list.length; i++) {
      const pe = list[i];
      let j = i - 1;
      while (j >= 0 && comparePathElements(list[j], pe) > 0) {
        list[j + 1] = list[j];
        j--;
      }
      list[j + 1] = pe;
    }
  }
  const out: PathElement[] = [];
  for (const pe of list) if (out.length === 0 || comparePathElements(out[out.length - 1], pe) !== 0) out.push(pe);
  return out;
}

/** sortChildren sorts a child list in place (stable) and merges children of equal elements. */
function sortChildren(list: Child[]): Child[] {
  let i = 1;
  while (i < list.length && comparePathElements(list[i - 1].element, list[i].element) < 0) i++;
  if (i >= list.length) return list;
  if (list.length > INSERTION_SORT_MAX) {
    list.sort((a, b) => comparePathElements(a.element, b.element));
  } else {
    for (; i < list.length; i++) {
      const c = list[i];
      let j = i - 1;
      while (j >= 0 && comparePathElements(list[j].element, c.element) > 0) {
        list[j + 1] = list[j];
        j--;
      }
      list[j + 1] = c;
    }
  }
  const out: Child[] = [];
  for (const c of list) {
    const last = out.length === 0 ? undefined : out[out.length - 1];
    if (last && comparePathElements(last.element, c.element) === 0) out[out.length - 1] = { element: last.element, set: last.set.union(c.set) };
    else out.push(c);
  }
  return out;
}

/** unionElements merges two sorted element lists. */
export function unionElements(a: readonly PathElement[], b: readonly PathElement[]): PathElement[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out: PathElement[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = comparePathElements(a[i], b[j]);
    if (c < 0) out.push(a[i++]);
    else if (c > 0) out.push(b[j++]);
    else {
      out.push(a[i++]);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/** intersectElements keeps the elements of a that b also holds. */
function intersectElements(a: readonly PathElement[], b: readonly PathElement[]): PathElement[] {
  const out: PathElement[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = comparePathElements(a[i], b[j]);
    if (c < 0) i++;
    else if (c > 0) j++;
    else {
      out.push(a[i++]);
      j++;
    }
  }
  return out;
}

/** subtractElements keeps the elements of a that b does not hold. */
function subtractElements(a: readonly PathElement[], b: readonly PathElement[]): PathElement[] {
  if (b.length === 0) return a.slice();
  const out: PathElement[] = [];
  let j = 0;
  for (const pe of a) {
    while (j < b.length && comparePathElements(b[j], pe) < 0) j++;
    if (j < b.length && comparePathElements(b[j], pe) === 0) continue;
    out.push(pe);
  }
  return out;
}

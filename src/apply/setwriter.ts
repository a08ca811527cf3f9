/**
 * SetWriter inserts the paths a depth-first walker produces into one FieldSet. A walker keeps
 * its current path in one array it pushes to and pops from; consecutive inserts share most of
 * that path, so the writer remembers the trie nodes along the last path it inserted and only
 * descends from where the new path leaves it. Inserting is then one member insert instead of a
 * search at every level.
 */

import type { PathElement } from './fieldpath';
import { FieldSet } from './set';

export class SetWriter {
  /** elements[i] is the element that led from nodes[i] to nodes[i + 1] on the last insert. */
  private readonly elements: PathElement[] = [];
  /** nodes[0] is the root; nodes[1..depth] are the nodes along the last inserted path. */
  private readonly nodes: FieldSet[];
  private depth = 0;
  /** inserted counts insert calls (a walker compares counts to learn whether it wrote below a node). */
  inserted = 0;

  constructor(readonly set: FieldSet = FieldSet.empty()) {
    this.nodes = [set];
  }

  /**
   * insert adds path as a member. The path may be the walker's own stack: it is read, not kept.
   * A prefix counts as the same only when its elements are the same objects, which the walker's
   * stack guarantees for the part it has not popped.
   */
  insert(path: readonly PathElement[]): void {
    const last = path.length - 1;
    if (last < 0) return;
    this.inserted++;
    let i = 0;
    const shared = Math.min(this.depth, last);
    while (i < shared && this.elements[i] === path[i]) i++;
    let node = this.nodes[i];
    for (; i < last; i++) {
      node = node.descend(path[i]);
      this.elements[i] = path[i];
      this.nodes[i + 1] = node;
    }
    this.depth = last;
    node.insertMember(path[last]);
  }
}

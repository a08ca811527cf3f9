/**
 * cel-go's sets extension (ext.Sets, enabled by Kubernetes since 1.29): sets.contains,
 * sets.equivalent, sets.intersects over lists.
 */
import type { CelList } from '@bufbuild/cel';

import { LibraryBuilder, sizeOf, type Library } from '../library';
import { BOOL, listOf, param } from '../types';
import { celEquals } from '../values';

const contains = (l: CelList, v: unknown) => {
  for (const x of l) if (celEquals(x, v)) return true;
  return false;
};

const containsAll = (a: CelList, b: CelList) => {
  for (const y of b) if (!contains(a, y)) return false;
  return true;
};

const intersects = (a: CelList, b: CelList) => {
  for (const y of b) if (contains(a, y)) return true;
  return false;
};

function build(): Library {
  const b = new LibraryBuilder('cel.lib.ext.sets');
  const L = listOf(param('T'));
  const quadratic = (args: readonly unknown[]) => sizeOf(args[0]) * sizeOf(args[1]);
  b.global('sets.contains', { id: 'list_sets_contains_list', args: [L, L], result: BOOL, impl: containsAll, cost: quadratic });
  b.global('sets.equivalent', { id: 'list_sets_equivalent_list', args: [L, L], result: BOOL, impl: (x: CelList, y: CelList) => containsAll(x, y) && containsAll(y, x), cost: quadratic });
  b.global('sets.intersects', { id: 'list_sets_intersects_list', args: [L, L], result: BOOL, impl: intersects, cost: quadratic });
  return b.build();
}

/** SETS is the sets extension library. */
export const SETS: Library = build();

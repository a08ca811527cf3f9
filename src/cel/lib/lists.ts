/**
 * Kubernetes' list library (k8s.io/apiserver/pkg/cel/library/lists.go, version 0): isSorted,
 * sum, min, max, indexOf, lastIndexOf.
 */
import { celUint, type CelList } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import { DurationSchema } from '@bufbuild/protobuf/wkt';

import { LibraryBuilder, sizeOf, type Library } from '../library';
import { BOOL, BYTES, DOUBLE, DURATION, INT, STRING, TIMESTAMP, UINT, listOf, param, type CelType } from '../types';
import { celEquals } from '../values';
import { addValues, compareValues } from './compare';

const COMPARABLE: ReadonlyArray<[string, CelType]> = [
  ['int', INT],
  ['uint', UINT],
  ['double', DOUBLE],
  ['bool', BOOL],
  ['duration', DURATION],
  ['timestamp', TIMESTAMP],
  ['string', STRING],
  ['bytes', BYTES],
];
const SUMMABLE = COMPARABLE.filter(([n]) => ['int', 'uint', 'double', 'duration'].includes(n));

const ZERO: Readonly<Record<string, () => unknown>> = {
  int: () => 0n,
  uint: () => celUint(0n),
  double: () => 0,
  duration: () => reflect(DurationSchema, create(DurationSchema, {})),
};

const linear = (args: readonly unknown[]) => sizeOf(args[0]);

function isSorted(list: CelList): boolean {
  let prev: unknown;
  let first = true;
  for (const v of list) {
    if (!first && compareValues(prev, v) > 0) return false;
    prev = v;
    first = false;
  }
  return true;
}

function extreme(name: string, prefer: number) {
  return (list: CelList): unknown => {
    let result: unknown;
    let first = true;
    for (const v of list) {
      if (first || compareValues(result, v) === prefer) result = v;
      first = false;
    }
    if (first) throw new Error(`${name} called on empty list`);
    return result;
  };
}

function indexOf(list: CelList, item: unknown): bigint {
  for (let i = 0; i < list.size; i++) if (celEquals(list.get(i), item)) return BigInt(i);
  return -1n;
}

function lastIndexOf(list: CelList, item: unknown): bigint {
  for (let i = list.size - 1; i >= 0; i--) if (celEquals(list.get(i), item)) return BigInt(i);
  return -1n;
}

function build(): Library {
  const b = new LibraryBuilder('kubernetes.lists');
  b.member('isSorted', ...COMPARABLE.map(([n, t], i) => ({ id: `list_${n}_is_sorted_bool`, args: [listOf(t)], result: BOOL, impl: i === 0 ? isSorted : undefined, cost: linear })));
  const sum = (zero: () => unknown) => (list: CelList) => {
    let acc: unknown = undefined;
    for (const v of list) acc = acc === undefined ? v : addValues(acc, v);
    return acc ?? zero();
  };
  // The sum of an empty list is the zero of its static element type, so each overload has its
  // own implementation; a list(dyn) matches them all and sums to int 0 when empty.
  b.member('sum', ...SUMMABLE.map(([n, t]) => ({ id: `list_${n}_sum_${n}`, args: [listOf(t)], result: t, impl: sum(ZERO[n]), cost: linear, runtimeName: `sum@${n}` })));
  b.runtimeOnly('sum', true, { id: 'list_sum', args: [listOf(INT)], result: INT, impl: sum(ZERO.int), cost: linear });
  b.member('max', ...COMPARABLE.map(([n, t], i) => ({ id: `list_${n}_max_${n}`, args: [listOf(t)], result: t, impl: i === 0 ? extreme('max', -1) : undefined, cost: linear })));
  b.member('min', ...COMPARABLE.map(([n, t], i) => ({ id: `list_${n}_min_${n}`, args: [listOf(t)], result: t, impl: i === 0 ? extreme('min', 1) : undefined, cost: linear })));
  const A = param('A');
  b.member('indexOf', { id: 'list_a_index_of_int', args: [listOf(A), A], result: INT, impl: indexOf, cost: linear });
  b.member('lastIndexOf', { id: 'list_a_last_index_of_int', args: [listOf(A), A], result: INT, impl: lastIndexOf, cost: linear });
  return b.build();
}

/** LISTS is Kubernetes' list library. */
export const LISTS: Library = build();

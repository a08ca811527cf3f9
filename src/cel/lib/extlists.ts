/**
 * cel-go's list extension at version 3 (ext.Lists, enabled by Kubernetes since 1.34): slice,
 * flatten, sort, lists.range, reverse, distinct. The sortBy macro is not supported (reported at
 * compile time).
 */
import { celList, isCelList, type CelList } from '@bufbuild/cel';

import { LibraryBuilder, sizeOf, type Library } from '../library';
import { BOOL, BYTES, DOUBLE, DURATION, DYN, INT, STRING, TIMESTAMP, UINT, listOf, param } from '../types';
import { celEquals } from '../values';
import { compareValues, sameKind } from './compare';

function slice(l: CelList, start: bigint, end: bigint): CelList {
  const n = BigInt(l.size);
  if (start < 0n || end < 0n) throw new Error(`cannot slice(${start}, ${end}), negative indexes not supported`);
  if (start > end) throw new Error(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
  if (n < end) throw new Error(`cannot slice(${start}, ${end}), list is length ${n}`);
  const out: unknown[] = [];
  for (let i = Number(start); i < Number(end); i++) out.push(l.get(i));
  return celList(out as never[]);
}

function flatten(l: CelList, depth: bigint): unknown[] {
  if (depth < 0n) throw new Error('level must be non-negative');
  const out: unknown[] = [];
  for (const v of l) {
    if (isCelList(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  return out;
}

function sort(l: CelList): CelList {
  const items = [...l];
  if (items.length === 0) return l;
  const first = items[0];
  for (const x of items) if (!sameKind(first, x)) throw new Error('list elements must have the same type');
  return celList([...items].sort(compareValues) as never[]);
}

function range(n: bigint): CelList {
  const out: bigint[] = [];
  for (let i = 0n; i < n; i++) out.push(i);
  return celList(out);
}

function distinct(l: CelList): CelList {
  const out: unknown[] = [];
  for (const v of l) if (!out.some((x) => celEquals(x, v))) out.push(v);
  return celList(out as never[]);
}

function build(): Library {
  const b = new LibraryBuilder('cel.lib.ext.lists');
  const T = param('T');
  const LT = listOf(T);
  const linear = (args: readonly unknown[]) => sizeOf(args[0]);
  b.member('slice', { id: 'list_slice', args: [LT, INT, INT], result: LT, impl: slice, cost: linear });
  b.member(
    'flatten',
    { id: 'list_flatten', args: [listOf(LT)], result: LT, impl: (l: CelList) => celList(flatten(l, 1n) as never[]), cost: linear },
    { id: 'list_flatten_int', args: [listOf(DYN), INT], result: listOf(DYN), impl: (l: CelList, d: bigint) => celList(flatten(l, d) as never[]), cost: linear },
  );
  const comparable = [INT, UINT, DOUBLE, BOOL, DURATION, TIMESTAMP, STRING, BYTES];
  b.member('sort', ...comparable.map((t, i) => ({ id: `list_${t.kind}_sort`, args: [listOf(t)], result: listOf(t), impl: i === 0 ? sort : undefined, cost: (a: readonly unknown[]) => sizeOf(a[0]) * Math.max(1, Math.ceil(Math.log2(sizeOf(a[0]) + 1))) })));
  b.global('lists.range', { id: 'lists_range', args: [INT], result: listOf(INT), impl: range, cost: (a) => Number(a[0]) });
  b.member('reverse', { id: 'list_reverse', args: [LT], result: LT, impl: (l: CelList) => celList([...l].reverse() as never[]), cost: linear });
  b.member('distinct', { id: 'list_distinct', args: [LT], result: LT, impl: distinct, cost: (a) => sizeOf(a[0]) * sizeOf(a[0]) });
  return b.build();
}

/** EXT_LISTS is the list extension library. */
export const EXT_LISTS: Library = build();

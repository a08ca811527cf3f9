/**
 * The CEL standard library as cel-go declares it (common/stdlib/standard.go), with the
 * cross-type numeric comparisons Kubernetes enables. @bufbuild/cel implements these; kapi
 * replaces equality, `in` and list concatenation (upstream's list-type semantics) and
 * int(duration) (nanoseconds, as cel-go).
 */
import { isCelList, type CelList } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';

import { LibraryBuilder, sizeOf, type Library } from '../library';
import { celEquals, concatLists } from '../values';
import {
  BOOL,
  BYTES,
  DOUBLE,
  DURATION,
  DYN,
  INT,
  NULL,
  STRING,
  TIMESTAMP,
  UINT,
  listOf,
  mapOf,
  param,
  typeOf,
  type CelType,
} from '../types';

const A = param('A');
const B = param('B');
const LIST_A = listOf(A);
const MAP_AB = mapOf(A, B);

const ORDERED: ReadonlyArray<[string, CelType, CelType]> = [
  ['bool', BOOL, BOOL],
  ['int64', INT, INT],
  ['int64_double', INT, DOUBLE],
  ['int64_uint64', INT, UINT],
  ['uint64', UINT, UINT],
  ['uint64_double', UINT, DOUBLE],
  ['uint64_int64', UINT, INT],
  ['double', DOUBLE, DOUBLE],
  ['double_int64', DOUBLE, INT],
  ['double_uint64', DOUBLE, UINT],
  ['string', STRING, STRING],
  ['bytes', BYTES, BYTES],
  ['timestamp', TIMESTAMP, TIMESTAMP],
  ['duration', DURATION, DURATION],
];

/** TYPE_IDENTIFIERS are the type names usable as values (`type(x) == string`). */
export const TYPE_IDENTIFIERS: ReadonlyMap<string, CelType> = new Map<string, CelType>([
  ['bool', typeOf(BOOL)],
  ['bytes', typeOf(BYTES)],
  ['double', typeOf(DOUBLE)],
  ['google.protobuf.Duration', typeOf(DURATION)],
  ['int', typeOf(INT)],
  ['list', typeOf(listOf(A))],
  ['map', typeOf(mapOf(A, B))],
  ['null_type', typeOf(NULL)],
  ['string', typeOf(STRING)],
  ['google.protobuf.Timestamp', typeOf(TIMESTAMP)],
  ['type', typeOf(typeOf())],
  ['uint', typeOf(UINT)],
]);

function build(): Library {
  const b = new LibraryBuilder('cel.stdlib');
  const o = (id: string, args: CelType[], result: CelType) => ({ id, args, result });

  b.global('_?_:_', o('conditional', [BOOL, A, A], A));
  b.global('_&&_', o('logical_and', [BOOL, BOOL], BOOL));
  b.global('_||_', o('logical_or', [BOOL, BOOL], BOOL));
  b.global('!_', o('logical_not', [BOOL], BOOL));
  b.global('@not_strictly_false', o('not_strictly_false', [BOOL], BOOL));
  b.global('_==_', { ...o('equals', [A, A], BOOL), impl: (x: unknown, y: unknown) => celEquals(x, y), cost: equalityCost });
  b.global('_!=_', { ...o('not_equals', [A, A], BOOL), impl: (x: unknown, y: unknown) => !celEquals(x, y), cost: equalityCost });
  b.global(
    '_+_',
    o('add_bytes', [BYTES, BYTES], BYTES),
    o('add_double', [DOUBLE, DOUBLE], DOUBLE),
    o('add_duration_duration', [DURATION, DURATION], DURATION),
    o('add_duration_timestamp', [DURATION, TIMESTAMP], TIMESTAMP),
    o('add_timestamp_duration', [TIMESTAMP, DURATION], TIMESTAMP),
    o('add_int64', [INT, INT], INT),
    // Appending costs what is appended (the map and filter macros append one element a step).
    { ...o('add_list', [LIST_A, LIST_A], LIST_A), impl: (x: CelList, y: CelList) => concatLists(x, y), cost: ([, y]) => Math.ceil(sizeOf(y) * 0.1) },
    o('add_string', [STRING, STRING], STRING),
    o('add_uint64', [UINT, UINT], UINT),
  );
  b.global('_/_', o('divide_double', [DOUBLE, DOUBLE], DOUBLE), o('divide_int64', [INT, INT], INT), o('divide_uint64', [UINT, UINT], UINT));
  b.global('_%_', o('modulo_int64', [INT, INT], INT), o('modulo_uint64', [UINT, UINT], UINT));
  b.global('_*_', o('multiply_double', [DOUBLE, DOUBLE], DOUBLE), o('multiply_int64', [INT, INT], INT), o('multiply_uint64', [UINT, UINT], UINT));
  b.global('-_', o('negate_double', [DOUBLE], DOUBLE), o('negate_int64', [INT], INT));
  b.global(
    '_-_',
    o('subtract_double', [DOUBLE, DOUBLE], DOUBLE),
    o('subtract_duration_duration', [DURATION, DURATION], DURATION),
    o('subtract_int64', [INT, INT], INT),
    o('subtract_timestamp_duration', [TIMESTAMP, DURATION], TIMESTAMP),
    o('subtract_timestamp_timestamp', [TIMESTAMP, TIMESTAMP], DURATION),
    o('subtract_uint64', [UINT, UINT], UINT),
  );
  for (const [op, name] of [
    ['_<_', 'less'],
    ['_<=_', 'less_equals'],
    ['_>_', 'greater'],
    ['_>=_', 'greater_equals'],
  ] as const) {
    b.global(op, ...ORDERED.map(([suffix, x, y]) => o(`${name}_${suffix}`, [x, y], BOOL)));
  }
  b.global('_[_]', o('index_list', [LIST_A, INT], A), o('index_map', [MAP_AB, A], B));
  b.global(
    '@in',
    { ...o('in_list', [A, LIST_A], BOOL), impl: (x: unknown, l: CelList) => inList(x, l), cost: ([, l]) => sizeOf(l) },
    o('in_map', [A, MAP_AB], BOOL),
  );
  b.global('size', o('size_bytes', [BYTES], INT), o('size_list', [LIST_A], INT), o('size_map', [MAP_AB], INT), o('size_string', [STRING], INT));
  b.member('size', o('bytes_size', [BYTES], INT), o('list_size', [LIST_A], INT), o('map_size', [MAP_AB], INT), o('string_size', [STRING], INT));
  b.global('type', o('type', [A], typeOf(A)));
  b.global('bool', o('bool_to_bool', [BOOL], BOOL), o('string_to_bool', [STRING], BOOL));
  b.global('bytes', o('bytes_to_bytes', [BYTES], BYTES), o('string_to_bytes', [STRING], BYTES));
  b.global('double', o('double_to_double', [DOUBLE], DOUBLE), o('int64_to_double', [INT], DOUBLE), o('string_to_double', [STRING], DOUBLE), o('uint64_to_double', [UINT], DOUBLE));
  b.global('duration', o('duration_to_duration', [DURATION], DURATION), o('string_to_duration', [STRING], DURATION));
  b.global('dyn', o('to_dyn', [A], DYN));
  b.global(
    'int',
    o('int64_to_int64', [INT], INT),
    o('double_to_int64', [DOUBLE], INT),
    { ...o('duration_to_int64', [DURATION], INT), impl: (d: { message: { seconds: bigint; nanos: number } }) => d.message.seconds * 1_000_000_000n + BigInt(d.message.nanos) },
    o('string_to_int64', [STRING], INT),
    o('timestamp_to_int64', [TIMESTAMP], INT),
    o('uint64_to_int64', [UINT], INT),
  );
  b.global(
    'string',
    o('string_to_string', [STRING], STRING),
    o('bool_to_string', [BOOL], STRING),
    o('bytes_to_string', [BYTES], STRING),
    o('double_to_string', [DOUBLE], STRING),
    o('duration_to_string', [DURATION], STRING),
    o('int64_to_string', [INT], STRING),
    o('timestamp_to_string', [TIMESTAMP], STRING),
    o('uint64_to_string', [UINT], STRING),
  );
  b.global('timestamp', o('timestamp_to_timestamp', [TIMESTAMP], TIMESTAMP), o('int64_to_timestamp', [INT], TIMESTAMP), o('string_to_timestamp', [STRING], TIMESTAMP));
  b.global('uint', o('uint64_to_uint64', [UINT], UINT), o('double_to_uint64', [DOUBLE], UINT), o('int64_to_uint64', [INT], UINT), o('string_to_uint64', [STRING], UINT));
  b.member('contains', o('contains_string', [STRING, STRING], BOOL));
  b.member('endsWith', o('ends_with_string', [STRING, STRING], BOOL));
  b.member('startsWith', o('starts_with_string', [STRING, STRING], BOOL));
  b.global('matches', { ...o('matches', [STRING, STRING], BOOL), impl: (x: string, re: string) => RE2JS.compile(re).test(x), cost: ([x]) => Math.ceil(sizeOf(x) * 0.1) });
  b.member('matches', o('matches_string', [STRING, STRING], BOOL));
  for (const [fn, id] of [
    ['getFullYear', 'timestamp_to_year'],
    ['getMonth', 'timestamp_to_month'],
    ['getDayOfYear', 'timestamp_to_day_of_year'],
    ['getDayOfMonth', 'timestamp_to_day_of_month'],
    ['getDate', 'timestamp_to_day_of_month_1_based'],
    ['getDayOfWeek', 'timestamp_to_day_of_week'],
    ['getHours', 'timestamp_to_hours'],
    ['getMinutes', 'timestamp_to_minutes'],
    ['getSeconds', 'timestamp_to_seconds'],
    ['getMilliseconds', 'timestamp_to_milliseconds'],
  ] as const) {
    b.member(fn, o(id, [TIMESTAMP], INT), o(`${id}_with_tz`, [TIMESTAMP, STRING], INT));
  }
  for (const [fn, id] of [
    ['getHours', 'duration_to_hours'],
    ['getMinutes', 'duration_to_minutes'],
    ['getSeconds', 'duration_to_seconds'],
    ['getMilliseconds', 'duration_to_milliseconds'],
  ] as const) {
    b.member(fn, o(id, [DURATION], INT));
  }
  return b.build();
}

function equalityCost(args: readonly unknown[]): number {
  const [x, y] = args;
  return typeof x === 'string' || x instanceof Uint8Array || isCelList(x) ? Math.ceil(Math.min(sizeOf(x), sizeOf(y)) * 0.1) : 0;
}

function inList(x: unknown, l: CelList): boolean {
  for (const v of l) if (celEquals(v, x)) return true;
  return false;
}

/** STD is the standard library (declarations; implementations where kapi overrides). */
export const STD: Library = build();

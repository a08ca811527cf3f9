/**
 * list holds the LIST ceiling: JSON.stringify of the same pod objects a LIST returned (parsed
 * from its body), timed in this process. A server that keeps serialized objects and only joins
 * them should beat it; one that re-encodes objects per request pays at least this.
 */
import { performance } from 'node:perf_hooks';
import { median } from './stats';

export interface StringifyCeiling {
  items: number;
  /** bytes of the stringified items array. */
  bytes: number;
  stringifyMs: number;
  parseMs: number;
}

/** stringifyCeiling parses a list body once per run and times JSON.stringify of its items array. */
export function stringifyCeiling(listBody: string, runs: number): StringifyCeiling {
  const stringifyTimes: number[] = [];
  const parseTimes: number[] = [];
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const p0 = performance.now();
    const list = JSON.parse(listBody) as { items: unknown[] };
    parseTimes.push(performance.now() - p0);
    const s0 = performance.now();
    const text = JSON.stringify(list.items);
    stringifyTimes.push(performance.now() - s0);
    bytes = Buffer.byteLength(text);
    count = list.items.length;
  }
  return { items: count, bytes, stringifyMs: median(stringifyTimes), parseMs: median(parseTimes) };
}

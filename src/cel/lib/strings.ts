/**
 * cel-go's string extension library at version 2, the version Kubernetes enables (ext.Strings):
 * charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim, join,
 * format and strings.quote. Indexes count code points, as Go counts runes.
 */
import { celList, isCelList, isCelMap, isCelType, isCelUint, type CelList, type CelMap } from '@bufbuild/cel';
import { toJson } from '@bufbuild/protobuf';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp } from '@bufbuild/protobuf/wkt';

import { LibraryBuilder, sizeOf, traversal, type Library } from '../library';
import { DYN, INT, STRING, listOf } from '../types';

const runes = (s: string): string[] => Array.from(s);

function charAt(s: string, i: bigint): string {
  const r = runes(s);
  if (i < 0n || i > BigInt(r.length)) throw new Error(`index out of range: ${i}`);
  return i === BigInt(r.length) ? '' : r[Number(i)];
}

function indexOfOffset(s: string, sub: string, offset: bigint): bigint {
  if (offset < 0n) throw new Error(`index out of range: ${offset}`);
  const r = runes(s);
  const off = Number(offset);
  if (sub === '') return off > r.length ? BigInt(r.length) : offset;
  const sr = runes(sub);
  if (off >= r.length) return -1n;
  for (let i = off; i < r.length - (sr.length - 1); i++) {
    let found = true;
    for (let j = 0; j < sr.length; j++) {
      if (r[i + j] !== sr[j]) {
        found = false;
        break;
      }
    }
    if (found) return BigInt(i);
  }
  return -1n;
}

function lastIndexOfOffset(s: string, sub: string, offset: bigint): bigint {
  if (offset < 0n) throw new Error(`index out of range: ${offset}`);
  const r = runes(s);
  let off = Number(offset);
  if (sub === '') return off > r.length ? BigInt(r.length) : offset;
  const sr = runes(sub);
  if (off >= r.length) return -1n;
  if (off > r.length - sr.length) off = r.length - sr.length;
  for (let i = off; i >= 0; i--) {
    let found = true;
    for (let j = 0; j < sr.length; j++) {
      if (r[i + j] !== sr[j]) {
        found = false;
        break;
      }
    }
    if (found) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(s: string, sub: string): bigint {
  const r = runes(s);
  if (sub === '') return BigInt(r.length);
  if (s.length < sub.length) return -1n;
  return lastIndexOfOffset(s, sub, BigInt(r.length - 1));
}

const lowerAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
const upperAscii = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/** goReplace is Go's strings.Replace (n < 0: all; an empty `old` matches before every rune). */
function goReplace(s: string, old: string, repl: string, n: bigint): string {
  if (n === 0n || old === repl) return s;
  let limit = n < 0n ? Infinity : Number(n);
  if (old === '') {
    const r = runes(s);
    let out = '';
    for (let i = 0; i <= r.length; i++) {
      if (limit > 0) {
        out += repl;
        limit--;
      }
      if (i < r.length) out += r[i];
    }
    return out;
  }
  let out = '';
  let pos = 0;
  while (limit > 0) {
    const at = s.indexOf(old, pos);
    if (at < 0) break;
    out += s.slice(pos, at) + repl;
    pos = at + old.length;
    limit--;
  }
  return out + s.slice(pos);
}

/** goSplitN is Go's strings.SplitN (n < 0: all; n == 0: none; an empty sep splits runes). */
function goSplitN(s: string, sep: string, n: bigint): string[] {
  if (n === 0n) return [];
  const limit = n < 0n ? Infinity : Number(n);
  if (sep === '') {
    const r = runes(s);
    if (r.length <= limit) return r;
    return [...r.slice(0, limit - 1), r.slice(limit - 1).join('')];
  }
  const out: string[] = [];
  let pos = 0;
  while (out.length < limit - 1) {
    const at = s.indexOf(sep, pos);
    if (at < 0) break;
    out.push(s.slice(pos, at));
    pos = at + sep.length;
  }
  out.push(s.slice(pos));
  return out;
}

function substring(s: string, start: bigint, end?: bigint): string {
  const r = runes(s);
  const l = BigInt(r.length);
  if (end === undefined) {
    if (start < 0n || start > l) throw new Error(`index out of range: ${start}`);
    return r.slice(Number(start)).join('');
  }
  if (start > end) throw new Error(`invalid substring range. start: ${start}, end: ${end}`);
  if (start < 0n || start > l) throw new Error(`index out of range: ${start}`);
  if (end < 0n || end > l) throw new Error(`index out of range: ${end}`);
  return r.slice(Number(start), Number(end)).join('');
}

/** WHITESPACE is Go's unicode.IsSpace set, which strings.TrimSpace trims. */
const WHITESPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${WHITESPACE}+|${WHITESPACE}+$`, 'g');
const trim = (s: string) => s.replace(TRIM, '');

function join(list: CelList, sep = ''): string {
  const parts: string[] = [];
  for (const e of list) {
    if (typeof e !== 'string') throw new Error(`join: invalid input: ${String(e)}`);
    parts.push(e);
  }
  return parts.join(sep);
}

function quote(s: string): string {
  let out = '';
  for (const c of s) {
    switch (c) {
      case '\x07':
        out += '\\a';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\v':
        out += '\\v';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default: {
        const cp = c.codePointAt(0) ?? 0;
        out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : c;
      }
    }
  }
  return `"${out}"`;
}

// ---------------------------------------------------------------------------------------------
// format (cel-go's version 1 formatter, which strings version 2 uses)

const isTimestamp = (v: unknown) => isReflectMessage(v) && v.desc.typeName === TimestampSchema.typeName;
const isDuration = (v: unknown) => isReflectMessage(v) && v.desc.typeName === DurationSchema.typeName;

/** doubleToString renders a double as cel-go's string(double) (Go's %g-like shortest form). */
export function doubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(d);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = d.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(d);
}

function formatString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return doubleToString(v);
  if (v === null) return 'null';
  if (isCelUint(v)) return v.value.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (isCelType(v)) return v.name;
  if (isTimestamp(v)) return toJson(TimestampSchema, (v as { message: Timestamp }).message) as string;
  if (isDuration(v)) return toJson(DurationSchema, (v as { message: Duration }).message) as string;
  if (isCelList(v)) return formatList(v);
  if (isCelMap(v)) return formatMap(v);
  throw new Error('error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps');
}

function clauseFor(v: unknown): string {
  if (typeof v === 'bigint' || isCelUint(v)) return formatDecimal(v);
  if (typeof v === 'number') return v.toFixed(6);
  if (isTimestamp(v)) return `timestamp(${JSON.stringify(formatString(v))})`;
  if (isDuration(v)) return `duration(${JSON.stringify(formatString(v))})`;
  return formatString(v);
}

function quoteForCel(v: unknown, s: string): string {
  if (typeof v === 'string') return JSON.stringify(s);
  if (v instanceof Uint8Array) return `b${JSON.stringify(s)}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(s);
  return s;
}

function formatList(l: CelList): string {
  return `[${[...l].map((e) => quoteForCel(e, clauseFor(e))).join(', ')}]`;
}

function formatMap(m: CelMap): string {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of m) pairs.push([quoteForCel(k, clauseFor(k)), quoteForCel(v, clauseFor(v))]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `{${pairs.map(([k, v]) => `${k}:${v}`).join(', ')}}`;
}

function formatDecimal(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (isCelUint(v)) return v.value.toString();
  throw new Error('error during formatting: decimal clause can only be used on integers');
}

function toFloat(v: unknown, clause: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  throw new Error(`error during formatting: ${clause} clause can only be used on doubles`);
}

function goFloatSpecial(d: number): string | undefined {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? '+Inf' : '-Inf';
  return undefined;
}

function formatClause(verb: string, precision: number | undefined, v: unknown): string {
  switch (verb) {
    case 's':
      return formatString(v);
    case 'd':
      return formatDecimal(v);
    case 'f': {
      const d = toFloat(v, 'fixed-point');
      return goFloatSpecial(d) ?? d.toFixed(precision ?? 6);
    }
    case 'e': {
      const d = toFloat(v, 'scientific');
      const special = goFloatSpecial(d);
      if (special) return special;
      const [m, e] = d.toExponential(precision ?? 6).split('e');
      const exp = Number(e);
      return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    }
    case 'b':
      if (typeof v === 'boolean') return v ? '1' : '0';
      if (typeof v === 'bigint') return v < 0n ? `-${(-v).toString(2)}` : v.toString(2);
      if (isCelUint(v)) return v.value.toString(2);
      throw new Error('error during formatting: only integers and bools can be formatted as binary');
    case 'o':
      if (typeof v === 'bigint') return v < 0n ? `-${(-v).toString(8)}` : v.toString(8);
      if (isCelUint(v)) return v.value.toString(8);
      throw new Error('error during formatting: octal clause can only be used on integers');
    case 'x':
    case 'X': {
      let out: string;
      if (typeof v === 'bigint') out = v < 0n ? `-${(-v).toString(16)}` : v.toString(16);
      else if (isCelUint(v)) out = v.value.toString(16);
      else if (typeof v === 'string') out = Buffer.from(v, 'utf8').toString('hex');
      else if (v instanceof Uint8Array) out = Buffer.from(v).toString('hex');
      else throw new Error('error during formatting: only integers, byte buffers, and strings can be formatted as hex');
      return verb === 'X' ? out.toUpperCase() : out;
    }
  }
  throw new Error(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
}

function format(fmt: string, args: CelList): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    if (i >= fmt.length) throw new Error('could not parse formatting clause: unexpected end of string');
    if (fmt[i] === '%') {
      out += '%';
      continue;
    }
    let precision: number | undefined;
    if (fmt[i] === '.') {
      let digits = '';
      i++;
      while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') digits += fmt[i++];
      if (digits === '' || i >= fmt.length) throw new Error('could not parse formatting clause: unable to find end of precision specifier');
      precision = Number(digits);
    }
    if (argIndex >= args.size) throw new Error(`index ${argIndex} out of range`);
    out += formatClause(fmt[i], precision, args.get(argIndex++));
  }
  return out;
}

function build(): Library {
  const b = new LibraryBuilder('cel.lib.ext.strings');
  const L_STRING = listOf(STRING);
  b.member('charAt', { id: 'string_char_at_int', args: [STRING, INT], result: STRING, impl: charAt, cost: traversal });
  b.member(
    'indexOf',
    { id: 'string_index_of_string', args: [STRING, STRING], result: INT, impl: (s: string, sub: string) => indexOfOffset(s, sub, 0n), cost: traversal },
    { id: 'string_index_of_string_int', args: [STRING, STRING, INT], result: INT, impl: indexOfOffset, cost: traversal },
  );
  b.member(
    'lastIndexOf',
    { id: 'string_last_index_of_string', args: [STRING, STRING], result: INT, impl: lastIndexOf, cost: traversal },
    { id: 'string_last_index_of_string_int', args: [STRING, STRING, INT], result: INT, impl: lastIndexOfOffset, cost: traversal },
  );
  b.member('lowerAscii', { id: 'string_lower_ascii', args: [STRING], result: STRING, impl: lowerAscii, cost: traversal });
  b.member('upperAscii', { id: 'string_upper_ascii', args: [STRING], result: STRING, impl: upperAscii, cost: traversal });
  b.member(
    'replace',
    { id: 'string_replace_string_string', args: [STRING, STRING, STRING], result: STRING, impl: (s: string, o: string, r: string) => goReplace(s, o, r, -1n), cost: traversal },
    { id: 'string_replace_string_string_int', args: [STRING, STRING, STRING, INT], result: STRING, impl: goReplace, cost: traversal },
  );
  b.member(
    'split',
    { id: 'string_split_string', args: [STRING, STRING], result: L_STRING, impl: (s: string, sep: string) => celList(goSplitN(s, sep, -1n)), cost: traversal },
    { id: 'string_split_string_int', args: [STRING, STRING, INT], result: L_STRING, impl: (s: string, sep: string, n: bigint) => celList(goSplitN(s, sep, n)), cost: traversal },
  );
  b.member(
    'substring',
    { id: 'string_substring_int', args: [STRING, INT], result: STRING, impl: (s: string, i: bigint) => substring(s, i), cost: traversal },
    { id: 'string_substring_int_int', args: [STRING, INT, INT], result: STRING, impl: substring, cost: traversal },
  );
  b.member('trim', { id: 'string_trim', args: [STRING], result: STRING, impl: trim, cost: traversal });
  b.member(
    'join',
    { id: 'list_join', args: [L_STRING], result: STRING, impl: (l: CelList) => join(l), cost: (a) => sizeOf(a[0]) },
    { id: 'list_join_string', args: [L_STRING, STRING], result: STRING, impl: join, cost: (a) => sizeOf(a[0]) },
  );
  b.member('format', { id: 'string_format', args: [STRING, listOf(DYN)], result: STRING, impl: format, cost: traversal });
  b.global('strings.quote', { id: 'strings_quote', args: [STRING], result: STRING, impl: quote, cost: traversal });
  return b.build();
}

/** STRINGS is the string extension library. */
export const STRINGS: Library = build();

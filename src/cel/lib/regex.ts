/**
 * Kubernetes' regex library (library/regex.go): find and findAll. Patterns are RE2 (Go's
 * regexp): RE2JS (@bufbuild/re2) validates them with RE2's own parser and error messages, and
 * since it only answers whether a pattern matches, the match itself is found by a JavaScript
 * RegExp translated from the RE2 syntax. A valid RE2 pattern that has no JavaScript translation
 * is an error, never a silently different match.
 */
import { celList } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';

import { LibraryBuilder, traversal, type Library } from '../library';
import { INT, STRING, listOf } from '../types';

/** re2Error returns RE2's message for an invalid pattern (`error parsing regexp: ...`), or undefined. */
export function re2Error(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const GENERAL_CATEGORIES = new Set([
  'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po',
  'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Cs', 'Co', 'Cn',
]);

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const SYNTAX_CHARS = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

class Unsupported extends Error {}

function escapeLiteral(c: string, inClass: boolean): string {
  if (/[0-9A-Za-z_]/.test(c)) return c;
  if (SYNTAX_CHARS.has(c) || (inClass && c === '-')) return `\\${c}`;
  return `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
}

function unicodeClass(name: string, negated: boolean): string {
  const prop = GENERAL_CATEGORIES.has(name) ? name : name === 'Any' ? 'Any' : `Script=${name}`;
  return `\\${negated ? 'P' : 'p'}{${prop}}`;
}

/** translateRe2 turns an RE2 pattern into JavaScript RegExp source and flags (always `u`). */
export function translateRe2(pattern: string): { source: string; flags: string } {
  const cps = Array.from(pattern);
  let i = 0;
  let flags = '';
  // Leading flag groups `(?i)` `(?s)` `(?m)` set flags for the whole pattern.
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(cps.slice(i).join(''));
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'U') throw new Unsupported('the (?U) flag');
      if (!flags.includes(f)) flags += f;
    }
    i += Array.from(m[0]).length;
  }
  const dotAll = flags.includes('s');
  let out = '';
  let inClass = false;
  while (i < cps.length) {
    const c = cps[i];
    if (c === '\\') {
      const n = cps[i + 1];
      i += 2;
      if (n === undefined) throw new Unsupported('a trailing backslash');
      if (n === 'Q') {
        let lit = '';
        while (i < cps.length && !(cps[i] === '\\' && cps[i + 1] === 'E')) lit += cps[i++];
        i += 2;
        for (const ch of lit) out += escapeLiteral(ch, inClass);
        continue;
      }
      if (n === 'A' && !inClass) {
        out += '(?<![\\s\\S])';
        continue;
      }
      if (n === 'z' && !inClass) {
        out += '(?![\\s\\S])';
        continue;
      }
      if (n === 's' || n === 'S') {
        out += inClass ? (n === 's' ? '\\t\\n\\f\\r ' : '\\S') : n === 's' ? '[\\t\\n\\f\\r ]' : '[^\\t\\n\\f\\r ]';
        continue;
      }
      if (n === 'p' || n === 'P') {
        let name: string;
        if (cps[i] === '{') {
          const end = cps.indexOf('}', i);
          name = cps.slice(i + 1, end).join('');
          i = end + 1;
        } else {
          name = cps[i++];
        }
        let negated = n === 'P';
        if (name.startsWith('^')) {
          negated = !negated;
          name = name.slice(1);
        }
        out += unicodeClass(name, negated);
        continue;
      }
      if (n === 'x' && cps[i] === '{') {
        const end = cps.indexOf('}', i);
        out += `\\u{${cps.slice(i + 1, end).join('')}}`;
        i = end + 1;
        continue;
      }
      if (n === 'C') throw new Unsupported('\\C');
      if (/[dDwWbBtnrfvx0-7]/.test(n)) {
        out += `\\${n}`;
        continue;
      }
      out += escapeLiteral(n, inClass);
      continue;
    }
    if (inClass) {
      if (c === '[' && cps[i + 1] === ':') {
        const end = cps.indexOf(']', i + 2);
        const body = cps.slice(i + 2, end - 1).join('');
        if (body.startsWith('^') || !(body in POSIX)) throw new Unsupported(`the class [:${body}:]`);
        out += POSIX[body];
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (cps[i] === '^') out += cps[i++];
      if (cps[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && cps[i + 1] === '?') {
      if (cps[i + 2] === 'P' && cps[i + 3] === '<') {
        out += '(?<';
        i += 4;
        continue;
      }
      if (cps[i + 2] === ':' || cps[i + 2] === '<') {
        out += '(?';
        i += 2;
        continue;
      }
      throw new Unsupported('flag groups inside the pattern');
    }
    if (c === '.' && !dotAll) {
      out += '[^\\n]';
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return { source: out, flags: `${flags}u` };
}

const cache = new Map<string, RegExp>();
/** CACHE_LIMIT bounds the compiled-pattern cache (patterns are mostly literals in rules). */
const CACHE_LIMIT = 500;

/** compileRe2 validates an RE2 pattern and returns its JavaScript equivalent (global). */
export function compileRe2(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const err = re2Error(pattern);
  if (err !== undefined) throw new Error(`Illegal regex: ${err}`);
  let re: RegExp;
  try {
    const { source, flags } = translateRe2(pattern);
    re = new RegExp(source, `${flags}g`);
  } catch (e) {
    const what = e instanceof Unsupported ? e.message : 'this pattern';
    throw new Error(`regex ${JSON.stringify(pattern)} is valid RE2 but kapi cannot evaluate ${what}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** findAllMatches is Go's FindAllString (n < 0: all), with its rule for empty matches. */
export function findAllMatches(s: string, pattern: string, n: number): string[] {
  const re = compileRe2(pattern);
  const out: string[] = [];
  let pos = 0;
  let prevEnd = -1;
  while ((n < 0 || out.length < n) && pos <= s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = s.codePointAt(start);
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m[0]);
  }
  return out;
}

function find(s: string, pattern: string): string {
  const re = compileRe2(pattern);
  re.lastIndex = 0;
  const m = re.exec(s);
  return m ? m[0] : '';
}

function build(): Library {
  const b = new LibraryBuilder('kubernetes.regex');
  b.member('find', { id: 'string_find_string', args: [STRING, STRING], result: STRING, impl: find, cost: traversal });
  b.member(
    'findAll',
    { id: 'string_find_all_string', args: [STRING, STRING], result: listOf(STRING), impl: (s: string, p: string) => celList(findAllMatches(s, p, -1)), cost: traversal },
    { id: 'string_find_all_string_int', args: [STRING, STRING, INT], result: listOf(STRING), impl: (s: string, p: string, n: bigint) => celList(findAllMatches(s, p, Number(n))), cost: traversal },
  );
  return b.build();
}

/** REGEX is Kubernetes' regex library. */
export const REGEX: Library = build();

/**
 * Kubernetes' semver library (library/semverlib.go, version 1): semver(), isSemver (optionally
 * normalizing `v1.2` to 1.2.0), major, minor, patch, compareTo, isGreaterThan, isLessThan.
 * Parsing and precedence follow blang/semver, which upstream uses.
 */
import { LibraryBuilder, traversal, type Library } from '../library';
import { OpaqueKind } from '../opaque';
import { BOOL, INT, SEMVER, STRING } from '../types';
import { registerOpaqueEquality } from '../values';

/** Semver is a parsed semantic version. */
export interface Semver {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string[];
  build: string[];
}

const NUM = /^[0-9]+$/;
const ALNUM = /^[0-9A-Za-z-]+$/;
const MAX_UINT64 = 18_446_744_073_709_551_615n;

function parseNumber(s: string, what: string): bigint {
  if (!NUM.test(s)) throw new Error(`Invalid character(s) found in ${what} number ${JSON.stringify(s)}`);
  if (s.length > 1 && s[0] === '0') throw new Error(`${what[0].toUpperCase()}${what.slice(1)} number must not contain leading zeroes ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n > MAX_UINT64) throw new Error(`Invalid character(s) found in ${what} number ${JSON.stringify(s)}`);
  return n;
}

/** parseSemver is blang/semver's Parse. */
export function parseSemver(s: string): Semver {
  if (s.length === 0) throw new Error('Version string empty');
  const parts = s.split('.');
  if (parts.length < 3) throw new Error('No Major.Minor.Patch elements found');
  const rest = parts.slice(2).join('.');
  const major = parseNumber(parts[0], 'major');
  const minor = parseNumber(parts[1], 'minor');
  let patchStr = rest;
  let pre: string[] = [];
  let build: string[] = [];
  const plus = patchStr.indexOf('+');
  if (plus >= 0) {
    build = patchStr.slice(plus + 1).split('.');
    patchStr = patchStr.slice(0, plus);
  }
  const dash = patchStr.indexOf('-');
  if (dash >= 0) {
    pre = patchStr.slice(dash + 1).split('.');
    patchStr = patchStr.slice(0, dash);
  }
  const patch = parseNumber(patchStr, 'patch');
  for (const p of pre) {
    if (p === '') throw new Error('Prerelease is empty');
    if (!ALNUM.test(p)) throw new Error(`Invalid character(s) found in prerelease ${JSON.stringify(p)}`);
    if (NUM.test(p) && p.length > 1 && p[0] === '0') throw new Error(`Numeric PreRelease version must not contain leading zeroes ${JSON.stringify(p)}`);
  }
  for (const b of build) {
    if (b === '') throw new Error('Build meta data is empty');
    if (!ALNUM.test(b)) throw new Error(`Invalid character(s) found in build meta data ${JSON.stringify(b)}`);
  }
  return { major, minor, patch, pre, build };
}

/** normalizeAndParse is upstream's lenient form: a leading v, missing parts, leading zeroes. */
function normalizeAndParse(s: string): Semver {
  s = s.startsWith('v') ? s.slice(1) : s;
  const parts = splitN(s, '.', 3).map((p) => {
    if (p.length > 1) {
      p = p.replace(/^0+/, '');
      if (p.length === 0 || !/[0-9]/.test(p[0])) p = `0${p}`;
    }
    return p;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1])) throw new Error('short version cannot contain PreRelease/Build meta data');
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** compareSemver is blang/semver's Compare (build metadata ignored). */
export function compareSemver(a: Semver, b: Semver): number {
  const c = cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch);
  if (c !== 0) return c;
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i];
    const y = b.pre[i];
    const xn = NUM.test(x);
    const yn = NUM.test(y);
    let r: number;
    if (xn && yn) r = cmp(BigInt(x), BigInt(y));
    else if (xn) r = -1;
    else if (yn) r = 1;
    else r = x < y ? -1 : x > y ? 1 : 0;
    if (r !== 0) return r;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

export const SEMVER_KIND = new OpaqueKind<Semver>('kubernetes.Semver');

registerOpaqueEquality((a, b) => (SEMVER_KIND.is(a) ? compareSemver(SEMVER_KIND.unwrap(a), SEMVER_KIND.unwrap(b)) === 0 : undefined));

const parseWith = (normalize: boolean) => (normalize ? normalizeAndParse : parseSemver);

function build(): Library {
  const b = new LibraryBuilder('kubernetes.Semver');
  const v = (x: unknown) => SEMVER_KIND.unwrap(x);
  const isSemver = (s: string, normalize = false) => {
    try {
      parseWith(normalize)(s);
      return true;
    } catch {
      return false;
    }
  };
  b.global(
    'semver',
    { id: 'string_to_semver', args: [STRING], result: SEMVER, impl: (s: string) => SEMVER_KIND.wrap(parseSemver(s), s), cost: traversal },
    { id: 'string_bool_to_semver', args: [STRING, BOOL], result: SEMVER, impl: (s: string, n: boolean) => SEMVER_KIND.wrap(parseWith(n)(s), s), cost: traversal },
  );
  b.global(
    'isSemver',
    { id: 'is_semver_string', args: [STRING], result: BOOL, impl: (s: string) => isSemver(s), cost: traversal },
    { id: 'is_semver_string_bool', args: [STRING, BOOL], result: BOOL, impl: isSemver, cost: traversal },
  );
  b.member('isGreaterThan', { id: 'semver_is_greater_than', args: [SEMVER, SEMVER], result: BOOL, impl: (x: unknown, y: unknown) => compareSemver(v(x), v(y)) === 1 });
  b.member('isLessThan', { id: 'semver_is_less_than', args: [SEMVER, SEMVER], result: BOOL, impl: (x: unknown, y: unknown) => compareSemver(v(x), v(y)) === -1 });
  b.member('compareTo', { id: 'semver_compare_to', args: [SEMVER, SEMVER], result: INT, impl: (x: unknown, y: unknown) => BigInt(compareSemver(v(x), v(y))) });
  b.member('major', { id: 'semver_major', args: [SEMVER], result: INT, impl: (x: unknown) => v(x).major });
  b.member('minor', { id: 'semver_minor', args: [SEMVER], result: INT, impl: (x: unknown) => v(x).minor });
  b.member('patch', { id: 'semver_patch', args: [SEMVER], result: INT, impl: (x: unknown) => v(x).patch });
  return b.build();
}

/** SEMVERS is Kubernetes' semver library. */
export const SEMVERS: Library = build();

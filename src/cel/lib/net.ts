/**
 * Kubernetes' IP and CIDR libraries (library/ip.go, library/cidr.go), parsing and printing as
 * Go's net/netip does: ip(), isIP, ip.isCanonical, family, isUnspecified, isLoopback,
 * isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast, string(ip); cidr(), isCIDR,
 * containsIP, containsCIDR, ip(), prefixLength, masked, string(cidr).
 */
import { LibraryBuilder, traversal, type Library } from '../library';
import { OpaqueKind } from '../opaque';
import { BOOL, CIDR_TYPE, INT, IP_TYPE, STRING } from '../types';
import { registerOpaqueEquality } from '../values';

/** Addr is a netip.Addr without zone: 4 or 16 bytes. */
export interface Addr {
  readonly bytes: Uint8Array;
}

/** Prefix is a netip.Prefix. */
export interface Prefix {
  readonly addr: Addr;
  readonly bits: number;
}

const is4 = (a: Addr) => a.bytes.length === 4;

function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(parts.length < 4 ? 'IPv4 address too short' : 'IPv4 address too long');
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    if (p === '') throw new Error('IPv4 field must have at least one digit');
    if (!/^[0-9]+$/.test(p)) throw new Error('unexpected character');
    if (p.length > 1 && p[0] === '0') throw new Error('IPv4 field has octet with leading zero');
    const n = Number(p);
    if (n > 255) throw new Error('IPv4 field has value >255');
    out[i] = n;
  });
  return out;
}

function parseIPv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) throw new Error('each colon-separated field must have at least one digit');
    if (rest.length > m[0].length && rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) throw new Error('embedded IPv4 address must replace the final 2 fields of the address');
      if (i + 4 > 16) throw new Error('too many hex fields to fit an embedded IPv4 at the end of the address');
      out.set(parseIPv4(rest), i);
      i += 4;
      rest = '';
      break;
    }
    if (/^[0-9a-fA-F]{5}/.test(rest)) throw new Error('IPv6 field has value >=2^16');
    const v = parseInt(m[0], 16);
    out[i] = v >> 8;
    out[i + 1] = v & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':') throw new Error('unexpected character, want colon');
    if (rest.length === 1) throw new Error('colon must be followed by more characters');
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) throw new Error('multiple :: in address');
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') throw new Error('trailing garbage after address');
  if (i < 16) {
    if (ellipsis < 0) throw new Error('address string too short');
    const n = 16 - i;
    out.copyWithin(ellipsis + n, ellipsis, i);
    out.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw new Error('the :: must expand to at least one field of zeros');
  }
  return out;
}

/** parseAddr is netip.ParseAddr without zones; it throws netip's reason. */
function parseAddrRaw(s: string): Addr {
  for (const c of s) {
    if (c === '.') return { bytes: parseIPv4(s) };
    if (c === ':') {
      if (s.includes('%')) throw new Error('zone');
      return { bytes: parseIPv6(s) };
    }
    if (c === '%') throw new Error('missing IPv6 address');
  }
  throw new Error('unable to parse IP');
}

const is4In6 = (a: Addr) => a.bytes.length === 16 && a.bytes.slice(0, 10).every((b) => b === 0) && a.bytes[10] === 0xff && a.bytes[11] === 0xff;

/** parseIPAddr is upstream's parseIPAddr: netip parsing, no zone, no IPv4-mapped IPv6. */
export function parseIPAddr(raw: string): Addr {
  let addr: Addr;
  try {
    addr = parseAddrRaw(raw);
  } catch (e) {
    const reason = (e as Error).message;
    if (reason === 'zone') throw new Error(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
    throw new Error(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ParseAddr(${JSON.stringify(raw)}): ${reason}`);
  }
  if (is4In6(addr)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return addr;
}

/** addrString is netip.Addr.String (RFC 5952 for IPv6). */
export function addrString(a: Addr): string {
  const b = a.bytes;
  if (is4(a)) return Array.from(b).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += groups[i].toString(16);
  }
  return out;
}

function inRange(a: Addr, prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((a.bytes[byte] & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

const isUnspecified = (a: Addr) => a.bytes.every((x) => x === 0);
const isLoopback = (a: Addr) => (is4(a) ? a.bytes[0] === 127 : isUnspecified({ bytes: a.bytes.slice(0, 15) }) && a.bytes[15] === 1);
const isMulticast = (a: Addr) => (is4(a) ? (a.bytes[0] & 0xf0) === 0xe0 : a.bytes[0] === 0xff);
const isLinkLocalMulticast = (a: Addr) => (is4(a) ? inRange(a, [224, 0, 0], 24) : inRange(a, [0xff, 0x02], 16));
const isLinkLocalUnicast = (a: Addr) => (is4(a) ? inRange(a, [169, 254], 16) : inRange(a, [0xfe, 0x80], 10));
function isGlobalUnicast(a: Addr): boolean {
  if (is4(a) && (isUnspecified(a) || a.bytes.every((x) => x === 255))) return false;
  return !isUnspecified(a) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}

/** parseCIDR is upstream's parseCIDR over netip.ParsePrefix. */
export function parsePrefix(raw: string): Prefix {
  const fail = (reason: string) =>
    new Error(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${reason}`);
  const slash = raw.lastIndexOf('/');
  if (slash < 0) throw fail('no \'/\'');
  let addr: Addr;
  try {
    const a = raw.slice(0, slash);
    if (a.includes('%')) throw new Error('IPv6 zones cannot be present in a prefix');
    addr = parseAddrRaw(a);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const bitsStr = raw.slice(slash + 1);
  if (!/^[0-9]+$/.test(bitsStr) || (bitsStr.length > 1 && bitsStr[0] === '0')) throw fail(`bad bits after slash: ${JSON.stringify(bitsStr)}`);
  const bits = Number(bitsStr);
  const max = is4(addr) ? 32 : 128;
  if (bits > max) throw fail(`prefix length out of range`);
  if (is4In6(addr)) throw new Error(`network address parse error during conversion from string: IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return { addr, bits };
}

function masked(p: Prefix): Prefix {
  const out = new Uint8Array(p.addr.bytes);
  for (let i = p.bits; i < out.length * 8; i++) out[i >> 3] &= ~(0x80 >> (i & 7));
  return { addr: { bytes: out }, bits: p.bits };
}

const sameFamily = (a: Addr, b: Addr) => a.bytes.length === b.bytes.length;
const containsAddr = (p: Prefix, a: Addr) => sameFamily(p.addr, a) && inRange(a, Array.from(p.addr.bytes), p.bits);
const overlaps = (p: Prefix, o: Prefix) => sameFamily(p.addr, o.addr) && inRange(o.addr, Array.from(p.addr.bytes), Math.min(p.bits, o.bits));
const prefixString = (p: Prefix) => `${addrString(p.addr)}/${p.bits}`;

export const IP_KIND = new OpaqueKind<Addr>('net.IP');
export const CIDR_KIND = new OpaqueKind<Prefix>('net.CIDR');

registerOpaqueEquality((a, b) => (IP_KIND.is(a) ? addrString(IP_KIND.unwrap(a)) === addrString(IP_KIND.unwrap(b)) : undefined));
registerOpaqueEquality((a, b) => (CIDR_KIND.is(a) ? prefixString(CIDR_KIND.unwrap(a)) === prefixString(CIDR_KIND.unwrap(b)) : undefined));

const swallow = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

function build(): Library {
  const b = new LibraryBuilder('kubernetes.net');
  const ip = (v: unknown) => IP_KIND.unwrap(v);
  const cidr = (v: unknown) => CIDR_KIND.unwrap(v);
  const wrapIP = (a: Addr) => IP_KIND.wrap(a, addrString(a));
  const wrapCIDR = (p: Prefix) => CIDR_KIND.wrap(p, prefixString(p));
  b.global(
    'ip',
    { id: 'string_to_ip', args: [STRING], result: IP_TYPE, impl: (s: string) => wrapIP(parseIPAddr(s)), cost: traversal },
  );
  b.member('ip', { id: 'cidr_ip', args: [CIDR_TYPE], result: IP_TYPE, impl: (c: unknown) => wrapIP(cidr(c).addr) });
  b.member('family', {
    id: 'ip_family',
    args: [IP_TYPE],
    result: INT,
    impl: (v: unknown) => (is4(ip(v)) ? 4n : 6n),
  });
  b.global('ip.isCanonical', {
    id: 'ip_is_canonical',
    args: [STRING],
    result: BOOL,
    impl: (s: string) => addrString(parseIPAddr(s)) === s,
    cost: traversal,
  });
  b.member('isUnspecified', { id: 'ip_is_unspecified', args: [IP_TYPE], result: BOOL, impl: (v: unknown) => isUnspecified(ip(v)) });
  b.member('isLoopback', { id: 'ip_is_loopback', args: [IP_TYPE], result: BOOL, impl: (v: unknown) => isLoopback(ip(v)) });
  b.member('isLinkLocalMulticast', { id: 'ip_is_link_local_multicast', args: [IP_TYPE], result: BOOL, impl: (v: unknown) => isLinkLocalMulticast(ip(v)) });
  b.member('isLinkLocalUnicast', { id: 'ip_is_link_local_unicast', args: [IP_TYPE], result: BOOL, impl: (v: unknown) => isLinkLocalUnicast(ip(v)) });
  b.member('isGlobalUnicast', { id: 'ip_is_global_unicast', args: [IP_TYPE], result: BOOL, impl: (v: unknown) => isGlobalUnicast(ip(v)) });
  b.global('isIP', { id: 'is_ip', args: [STRING], result: BOOL, impl: (s: string) => swallow(() => parseIPAddr(s)), cost: traversal });
  b.global(
    'string',
    { id: 'ip_to_string', args: [IP_TYPE], result: STRING, impl: (v: unknown) => addrString(ip(v)) },
    { id: 'cidr_to_string', args: [CIDR_TYPE], result: STRING, impl: (v: unknown) => prefixString(cidr(v)) },
  );
  b.global('cidr', { id: 'string_to_cidr', args: [STRING], result: CIDR_TYPE, impl: (s: string) => wrapCIDR(parsePrefix(s)), cost: traversal });
  b.member(
    'containsIP',
    { id: 'cidr_contains_ip_string', args: [CIDR_TYPE, STRING], result: BOOL, impl: (c: unknown, s: string) => containsAddr(cidr(c), parseIPAddr(s)) },
    { id: 'cidr_contains_ip_ip', args: [CIDR_TYPE, IP_TYPE], result: BOOL, impl: (c: unknown, v: unknown) => containsAddr(cidr(c), ip(v)) },
  );
  const containsCIDR = (p: Prefix, o: Prefix) => overlaps(p, o) && p.bits <= o.bits;
  b.member(
    'containsCIDR',
    { id: 'cidr_contains_cidr_string', args: [CIDR_TYPE, STRING], result: BOOL, impl: (c: unknown, s: string) => containsCIDR(cidr(c), parsePrefix(s)) },
    { id: 'cidr_contains_cidr', args: [CIDR_TYPE, CIDR_TYPE], result: BOOL, impl: (c: unknown, o: unknown) => containsCIDR(cidr(c), cidr(o)) },
  );
  b.member('prefixLength', { id: 'cidr_prefix_length', args: [CIDR_TYPE], result: INT, impl: (c: unknown) => BigInt(cidr(c).bits) });
  b.member('masked', { id: 'cidr_masked', args: [CIDR_TYPE], result: CIDR_TYPE, impl: (c: unknown) => wrapCIDR(masked(cidr(c))) });
  b.global('isCIDR', { id: 'is_cidr', args: [STRING], result: BOOL, impl: (s: string) => swallow(() => parsePrefix(s)), cost: traversal });
  return b.build();
}

/** NET is the IP and CIDR libraries. */
export const NET: Library = build();

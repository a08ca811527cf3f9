/**
 * Kubernetes' URL library (library/urls.go): url(), isURL, getScheme, getHost, getHostname,
 * getPort, getEscapedPath, getQuery. Parsing follows Go's net/url ParseRequestURI (an absolute
 * URI or an absolute path), with its error messages.
 */
import { celList, celMap } from '@bufbuild/cel';

import { LibraryBuilder, traversal, type Library } from '../library';
import { OpaqueKind } from '../opaque';
import { BOOL, STRING, URL_TYPE, listOf, mapOf } from '../types';
import { registerOpaqueEquality } from '../values';

/** GoURL is the part of Go's url.URL the library reads. */
export interface GoURL {
  scheme: string;
  opaque: string;
  user: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  forceQuery: boolean;
}

class URLError extends Error {}

const urlError = (raw: string, msg: string) => new URLError(`parse ${JSON.stringify(raw)}: ${msg}`);

function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[a-zA-Z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new Error('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

const isHex = (c: string) => /[0-9a-fA-F]/.test(c);

/** unescape validates %XX escapes (Go's url.unescape in a mode) and decodes them. */
function unescape(s: string, mode: 'path' | 'host' | 'query'): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        const bad = s.slice(i, Math.min(i + 3, s.length));
        throw new Error(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      i += 2;
    } else if (mode === 'host' && s.charCodeAt(i) < 0x80 && !/[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]/.test(s[i])) {
      throw new Error(`invalid character ${JSON.stringify(s[i])} in host name`);
    }
  }
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (s[i] === '+' && mode === 'query') {
      bytes.push(0x20);
    } else {
      const cp = s.codePointAt(i) ?? 0;
      if (cp > 0xffff) i++;
      bytes.push(...enc.encode(String.fromCodePoint(cp)));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new Error('missing \']\' in host');
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${JSON.stringify(colonPort)} after host`);
    return unescape(host, 'host');
  }
  const i = host.lastIndexOf(':');
  if (i >= 0) {
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return unescape(host, 'host');
}

const validOptionalPort = (p: string) => p === '' || /^:[0-9]*$/.test(p);

/** parseRequestURI is Go's url.ParseRequestURI; it throws Go's error message. */
export function parseRequestURI(raw: string): GoURL {
  try {
    return parse(raw);
  } catch (e) {
    throw e instanceof URLError ? e : urlError(raw, (e as Error).message);
  }
}

function parse(raw: string): GoURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL');
  if (raw === '') throw new Error('empty url');
  const u: GoURL = { scheme: '', opaque: '', user: '', host: '', path: '', rawPath: '', rawQuery: '', forceQuery: false };
  if (raw === '*') {
    u.path = '*';
    return u;
  }
  let [scheme, rest] = splitScheme(raw);
  u.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && (rest.match(/\?/g) ?? []).length === 1) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    throw new Error('invalid URI for request');
  }
  if (u.scheme !== '' && rest.startsWith('//')) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    authority = slash >= 0 ? authority.slice(0, slash) : authority;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!/^[-_.~!$&'()*+,;=:%0-9A-Za-z]*$/.test(userinfo)) throw new Error('net/url: invalid userinfo');
      u.user = userinfo;
      u.host = parseHost(authority.slice(at + 1));
    } else {
      u.host = parseHost(authority);
    }
  }
  u.path = unescape(rest, 'path');
  if (rest !== escapePath(u.path)) u.rawPath = rest;
  return u;
}

const PATH_SAFE = /[A-Za-z0-9\-_.~$&+,/:;=@!'()*]/;

function escapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && PATH_SAFE.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** escapedPath is url.EscapedPath: the path as given when that is a valid encoding of it. */
export function escapedPath(u: GoURL): string {
  if (u.rawPath !== '' && /^(?:[A-Za-z0-9\-_.~$&+,/:;=@!'()*[\]]|%[0-9a-fA-F]{2})*$/.test(u.rawPath)) {
    try {
      if (unescape(u.rawPath, 'path') === u.path) return u.rawPath;
    } catch {
      // fall through to the default encoding
    }
  }
  return u.path === '*' ? '*' : escapePath(u.path);
}

/** hostname is url.Hostname: the host without port and brackets. */
export function hostname(u: GoURL): string {
  return splitHostPort(u.host)[0];
}

function splitHostPort(hostport: string): [string, string] {
  let host = hostport;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(host.slice(colon))) {
    host = hostport.slice(0, colon);
    port = hostport.slice(colon + 1);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

/** port is url.Port. */
export function port(u: GoURL): string {
  return splitHostPort(u.host)[1];
}

/** urlString is url.String (enough to compare URLs as upstream does). */
export function urlString(u: GoURL): string {
  let s = '';
  if (u.scheme) s += `${u.scheme}:`;
  if (u.opaque) s += u.opaque;
  else {
    if (u.scheme || u.host || u.user) {
      if (u.host || u.path || u.user) s += '//';
      if (u.user) s += `${u.user}@`;
      s += u.host;
    }
    s += escapedPath(u);
  }
  if (u.forceQuery || u.rawQuery) s += `?${u.rawQuery}`;
  return s;
}

/** query is url.Query: the query parameters; malformed pairs are skipped. */
export function query(u: GoURL): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of u.rawQuery.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = eq >= 0 ? part.slice(0, eq) : part;
    const v = eq >= 0 ? part.slice(eq + 1) : '';
    try {
      const key = unescape(k, 'query');
      const value = unescape(v, 'query');
      out.set(key, [...(out.get(key) ?? []), value]);
    } catch {
      continue;
    }
  }
  return out;
}

export const URL_KIND = new OpaqueKind<GoURL>('kubernetes.URL');

registerOpaqueEquality((a, b) => (URL_KIND.is(a) ? urlString(URL_KIND.unwrap(a)) === urlString(URL_KIND.unwrap(b)) : undefined));

function toURL(s: string) {
  try {
    const u = parseRequestURI(s);
    return URL_KIND.wrap(u, s);
  } catch (e) {
    throw new Error(`URL parse error during conversion from string: ${(e as Error).message}`);
  }
}

function isURL(s: string): boolean {
  try {
    parseRequestURI(s);
    return true;
  } catch {
    return false;
  }
}

function build(): Library {
  const b = new LibraryBuilder('kubernetes.urls');
  const get = (f: (u: GoURL) => unknown) => (v: unknown) => f(URL_KIND.unwrap(v));
  b.global('url', { id: 'string_to_url', args: [STRING], result: URL_TYPE, impl: toURL, cost: traversal });
  b.member('getScheme', { id: 'url_get_scheme', args: [URL_TYPE], result: STRING, impl: get((u) => u.scheme) });
  b.member('getHost', { id: 'url_get_host', args: [URL_TYPE], result: STRING, impl: get((u) => u.host) });
  b.member('getHostname', { id: 'url_get_hostname', args: [URL_TYPE], result: STRING, impl: get(hostname) });
  b.member('getPort', { id: 'url_get_port', args: [URL_TYPE], result: STRING, impl: get(port) });
  b.member('getEscapedPath', { id: 'url_get_escaped_path', args: [URL_TYPE], result: STRING, impl: get(escapedPath) });
  b.member('getQuery', {
    id: 'url_get_query',
    args: [URL_TYPE],
    result: mapOf(STRING, listOf(STRING)),
    impl: get((u) => celMap(new Map([...query(u)].map(([k, v]) => [k, celList(v)])))),
  });
  b.global('isURL', { id: 'is_url_string', args: [STRING], result: BOOL, impl: isURL, cost: traversal });
  return b.build();
}

/** URLS is Kubernetes' URL library. */
export const URLS: Library = build();

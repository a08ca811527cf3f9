/**
 * Helpers the write-path and semantics suites share: Status assertions in kube-apiserver's shape,
 * Warning header parsing, polling for what a controller does eventually, and small object builders.
 * Expectations live in the tests; nothing here knows what kapi answers.
 */
import * as assert from 'node:assert/strict';
import type { HttpResponse, TestServer } from '../../support/server';
import type { Manifest, StatusBody, WatchEvent } from '../kubectl/support';
import { namespaceSettled, parseWatchLine } from '../kubectl/support';

/** Json is a loosely typed object read from a response. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** POLL_INTERVAL_MS is how often waitFor looks again; short, so a test is not slower than needed. */
const POLL_INTERVAL_MS = 100;
/** EVENTUAL_TIMEOUT_MS bounds how long a background action (GC, namespace controller) may take. */
export const EVENTUAL_TIMEOUT_MS = 20_000;

/** ExpectedStatus is what a failed request's metav1.Status must say. */
export interface ExpectedStatus {
  code: number;
  reason: string;
  /** message is compared exactly when a string, matched when a RegExp. */
  message?: string | RegExp;
}

/**
 * assertStatus checks a failure response is a metav1.Status with kube-apiserver's code, reason
 * and message, and returns it for further checks on details.
 */
export function assertStatus(res: HttpResponse, expected: ExpectedStatus): StatusBody {
  assert.equal(res.status, expected.code, `HTTP status; body: ${res.body}`);
  let status: StatusBody;
  try {
    status = res.json<StatusBody>();
  } catch {
    assert.fail(`the ${res.status} answer is not a JSON Status: ${res.body}`);
  }
  assert.equal(status.kind, 'Status', res.body);
  assert.equal(status.apiVersion, 'v1', res.body);
  assert.equal(status.status, 'Failure', res.body);
  assert.equal(status.code, expected.code, res.body);
  assert.equal(status.reason, expected.reason, res.body);
  if (typeof expected.message === 'string') assert.equal(status.message, expected.message);
  else if (expected.message) assert.match(status.message, expected.message);
  return status;
}

/** expectCreated POSTs an object and returns what the server stored (201 Created). */
export async function expectCreated(server: TestServer, collection: string, body: object): Promise<Json> {
  const res = await server.request('POST', collection, { body });
  assert.equal(res.status, 201, `POST ${collection}: ${res.body}`);
  return res.json<Json>();
}

/**
 * deleteWithOptions sends DELETE with a DeleteOptions body. Node's client sends a DELETE body
 * without framing unless Content-Length is given (no chunked encoding for DELETE), so it is set
 * here as client-go and kubectl set it.
 */
export function deleteWithOptions(server: TestServer, path: string, options: object): Promise<HttpResponse> {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', ...options });
  return server.request('DELETE', path, {
    body,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
}

/** getJson GETs a path and returns the body, failing unless the answer is 200. */
export async function getJson(server: TestServer, path: string): Promise<Json> {
  const res = await server.request('GET', path);
  assert.equal(res.status, 200, `GET ${path}: ${res.body}`);
  return res.json<Json>();
}

/** isGone says whether GET on path answers 404. */
export async function isGone(server: TestServer, path: string): Promise<boolean> {
  const res = await server.request('GET', path);
  if (res.status === 404) return true;
  assert.equal(res.status, 200, `GET ${path}: ${res.body}`);
  return false;
}

/**
 * waitFor polls until check returns a value other than undefined/false and returns it. It exists
 * for what kube-apiserver's controllers do asynchronously (garbage collection, namespace
 * deletion); it asserts nothing about how long that took, only that it happened.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = EVENTUAL_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/**
 * warningTexts returns the texts of the `Warning` headers of a response. kube-apiserver writes one
 * header per warning as `299 - "<text>"` with `"` and `\` escaped; Node joins repeated headers
 * with ", ", so the texts are read back by their quoting.
 */
export function warningTexts(res: HttpResponse): string[] {
  const raw = res.headers['warning'];
  if (raw === undefined) return [];
  const joined = Array.isArray(raw) ? raw.join(', ') : raw;
  const texts: string[] = [];
  const re = /299 - "((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(joined); m !== null; m = re.exec(joined)) texts.push(m[1].replace(/\\(.)/g, '$1'));
  return texts;
}

/** kubectlWarnings returns the `Warning: ...` lines kubectl printed on stderr. */
export function kubectlWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('Warning: '))
    .map((line) => line.slice('Warning: '.length));
}

/** createNamespaceNamed creates a namespace through the API (201). */
export async function createNamespaceNamed(server: TestServer, name: string): Promise<void> {
  await expectCreated(server, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  await namespaceSettled(server, name);
}

/** configMap builds a ConfigMap manifest. */
export function configMap(name: string, data: Record<string, string> = {}, metadata: Partial<Manifest['metadata']> = {}): Manifest & Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...metadata }, data };
}

/** podTemplate is a pod template with one container, labelled app=<app>. */
export function podTemplate(app: string, image = 'nginx:1.27'): Json {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: 'web', image }] } };
}

/** deployment builds an apps/v1 Deployment selecting app=<name>. */
export function deployment(name: string, replicas = 1, extra: Json = {}): Manifest & Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(name), ...extra },
  };
}

/** pod builds a v1 Pod with one container. */
export function pod(name: string, image = 'nginx:1.27', spec: Json = {}): Manifest & Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'web', image }], ...spec } };
}

/**
 * openWatch starts a JSON watch on a collection path from a resourceVersion and returns an
 * iterator of its events and a close function.
 */
export function openWatch(server: TestServer, collection: string, resourceVersion: string): { events: () => Promise<WatchEvent>; close: () => void } {
  const sep = collection.includes('?') ? '&' : '?';
  const stream = server.stream(`${collection}${sep}watch=true&resourceVersion=${resourceVersion}&allowWatchBookmarks=false`);
  const lines = stream.lines[Symbol.asyncIterator]();
  const timeoutMs = 15_000;
  return {
    async events() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      try {
        for (;;) {
          const r = await Promise.race([lines.next(), timeout]);
          if (r === 'timeout') throw new Error(`no watch event on ${collection} within ${timeoutMs} ms`);
          if (r.done) throw new Error(`the watch on ${collection} ended`);
          if (r.value.trim() === '') continue;
          return parseWatchLine(r.value);
        }
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => stream.close(),
  };
}

/** listResourceVersion returns a collection's current resourceVersion (to start a watch from). */
export async function listResourceVersion(server: TestServer, collection: string): Promise<string> {
  const list = await getJson(server, collection);
  const rv = list.metadata?.resourceVersion;
  assert.ok(typeof rv === 'string' && rv !== '', `list ${collection} has no resourceVersion`);
  return rv;
}

/** withoutServerFields drops what the server sets freshly on every object (for comparisons). */
export function withoutServerFields(obj: Json): Json {
  const copy = structuredClone(obj);
  for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete copy.metadata?.[key];
  return copy;
}

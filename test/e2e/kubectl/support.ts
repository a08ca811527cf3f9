/**
 * Helpers the kubectl e2e suites share: fixture manifests (data files under test/fixtures/e2e),
 * kubectl table parsing, and the assertions several files make about failed kubectl calls.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repositoryRoot } from '../clients/install';
import type { RunResult } from '../clients/kubectl';
import type { TestServer } from '../../support/server';

/** Manifest is the loosely typed shape of a Kubernetes object read from a fixture or a response. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** ListBody is the part of a list response the tests read. */
export interface ListBody {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: Manifest[];
}

/** StatusBody is a metav1.Status as kube-apiserver sends it for a failed request. */
export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** WatchEvent is one line of a JSON watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Manifest;
}

/** fixturePath is where a manifest of test/fixtures/e2e lives in the checkout. */
export function fixturePath(file: string): string {
  return path.join(repositoryRoot(), 'test', 'fixtures', 'e2e', file);
}

/** readFixture parses one YAML manifest of test/fixtures/e2e. */
export function readFixture(file: string): Manifest {
  return parseYaml(fs.readFileSync(fixturePath(file), 'utf8')) as Manifest;
}

/**
 * fixtureNamed returns a fixture's manifest under another name (and namespace, when given), so a
 * test can create its own copy without two tests sharing an object.
 */
export function fixtureNamed(file: string, name: string, namespace?: string): Manifest {
  const manifest = readFixture(file);
  manifest.metadata.name = name;
  if (namespace !== undefined) manifest.metadata.namespace = namespace;
  return manifest;
}

/** kubectlCreate runs `kubectl create -f -` with the manifest as JSON and returns the created object. */
export async function kubectlCreate(server: TestServer, manifest: Manifest): Promise<Manifest> {
  return server.kubectl.json<Manifest>(['create', '-f', '-'], { input: JSON.stringify(manifest) });
}

/** createNamespace creates a namespace over HTTP (kubectl's `create namespace` sends protobuf). */
export async function createNamespace(server: TestServer, name: string): Promise<void> {
  const res = await server.request('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  assert.equal(res.status, 201, `creating namespace ${name}: ${res.body}`);
  await namespaceSettled(server, name);
}

/**
 * namespaceSettled waits until the controllers have given a new namespace its objects (the
 * `default` ServiceAccount, the `kube-root-ca.crt` ConfigMap), as in a real cluster a moment
 * after the namespace appears: a test that lists or watches the namespace then sees only its own
 * writes arrive.
 */
export async function namespaceSettled(server: TestServer, name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const path of [`/api/v1/namespaces/${name}/serviceaccounts/default`, `/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`]) {
    for (;;) {
      const res = await server.request('GET', path);
      if (res.status === 200) break;
      assert.ok(Date.now() < deadline, `${path} did not appear: ${res.status} ${res.body}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Table is kubectl's human-readable output, split into its header and cells. */
export interface Table {
  headers: string[];
  rows: Record<string, string>[];
}

/**
 * parseTable splits kubectl's aligned table output. Columns start where their header starts
 * (kubectl pads every cell to the column width), so an empty cell reads as ''. Headers are
 * separated by at least two spaces ("NOMINATED NODE" is one header).
 */
export function parseTable(stdout: string): Table {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  assert.ok(lines.length > 0, 'kubectl printed no table');
  const headerLine = lines[0];
  const headers: string[] = [];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(headerLine); m !== null; m = re.exec(headerLine)) {
    headers.push(m[0]);
    starts.push(m.index);
  }
  const rows = lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    headers.forEach((header, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : undefined;
      row[header] = line.slice(starts[i], end).trim();
    });
    return row;
  });
  return { headers, rows };
}

/** rowNamed returns the table row whose NAME cell is name, failing with the table when absent. */
export function rowNamed(table: Table, name: string): Record<string, string> {
  const row = table.rows.find((r) => r.NAME === name);
  assert.ok(row, `no row named ${name} in ${JSON.stringify(table)}`);
  return row;
}

/** AGE_CELL is what kubectl prints for an age: a human duration such as 0s, 5s, 2m3s, 4h, 3d. */
export const AGE_CELL = /^\d+[smhdy](\d+[smh])?$/;

/** isInCidr says whether an IPv4 address is inside an IPv4 CIDR. */
export function isInCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const [base, bits] = cidr.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const size = 2 ** (32 - Number(bits));
  return toInt(ip) >= toInt(base) && toInt(ip) < toInt(base) + size;
}

/**
 * assertNotFound checks that a kubectl command failed the way kubectl reports a 404 from the
 * server: a non-zero exit and `Error from server (NotFound): <message>` on stderr.
 */
export function assertNotFound(result: RunResult, message: string): void {
  assert.notEqual(result.code, 0, `expected kubectl to fail; stdout:\n${result.stdout}`);
  assert.ok(
    result.stderr.includes(`Error from server (NotFound): ${message}`),
    `stderr should report NotFound "${message}", got:\n${result.stderr}`,
  );
}

/** compareResourceVersions orders two resourceVersions kapi issued (decimal revisions). */
export function compareResourceVersions(a: string, b: string): number {
  assert.match(a, /^\d+$/, `resourceVersion ${a} is not a revision`);
  assert.match(b, /^\d+$/, `resourceVersion ${b} is not a revision`);
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** parseWatchLine parses one line of a JSON watch stream. */
export function parseWatchLine(line: string): WatchEvent {
  try {
    return JSON.parse(line) as WatchEvent;
  } catch (err) {
    throw new Error(`watch line is not JSON (${err instanceof Error ? err.message : String(err)}): ${line}`);
  }
}

/**
 * nextEvent reads the next event of a watch stream, failing (instead of hanging the suite) when
 * none comes within timeoutMs or the stream ends.
 */
export async function nextEvent(lines: AsyncIterator<string>, timeoutMs = 15_000): Promise<WatchEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    for (;;) {
      const r = await Promise.race([lines.next(), timeout]);
      if (r === 'timeout') throw new Error(`no watch event within ${timeoutMs} ms`);
      if (r.done) throw new Error('the watch stream ended');
      if (r.value.trim() === '') continue;
      return parseWatchLine(r.value);
    }
  } finally {
    clearTimeout(timer);
  }
}

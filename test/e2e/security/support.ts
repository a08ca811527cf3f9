/**
 * Helpers for the security suites: real client certificates signed by the server's CA (or
 * another), kubeconfigs for them and for bearer tokens, and a kubectl per identity.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderKubeconfig } from '../../../src/auth/kubeconfig';
import { issueClientCertificate, type CertificateAndKey, type IssueOptions } from '../../../src/auth/pki';
import { Kubectl } from '../clients/kubectl';
import type { RunResult } from '../clients/install';
import type { HttpResponse, TestServer } from '../../support/server';

/** Identity is a user's credentials and a kubectl that uses them. */
export interface Identity {
  kubectl: Kubectl;
  kubeconfig: string;
  cert?: CertificateAndKey;
  token?: string;
}

const scratch: string[] = [];
const made: Kubectl[] = [];

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}

/** cleanupIdentities removes the kubeconfigs and caches the helpers made. */
export async function cleanupIdentities(): Promise<void> {
  await Promise.all(made.splice(0).map((k) => k.dispose()));
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** serverCA reads the CA kapi made in the data dir. */
export function serverCA(server: TestServer): { caCertPem: string; caKeyPem: string } {
  return {
    caCertPem: fs.readFileSync(path.join(server.dataDir, 'pki', 'ca.crt'), 'utf8'),
    caKeyPem: fs.readFileSync(path.join(server.dataDir, 'pki', 'ca.key'), 'utf8'),
  };
}

function identityFrom(server: TestServer, user: string, creds: { cert?: CertificateAndKey; token?: string }, namespace?: string): Identity {
  const dir = tempDir('kapi-sec-');
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    renderKubeconfig({ server: server.url, caPem: server.caPem, certPem: creds.cert?.certPem, keyPem: creds.cert?.keyPem, token: creds.token, user, namespace }),
    { mode: 0o600 },
  );
  const kubectl = new Kubectl({ kubeconfig, cacheDir: path.join(dir, 'cache') });
  made.push(kubectl);
  return { kubectl, kubeconfig, ...creds };
}

/** certUser makes a client certificate (CN user, O groups) signed by the server's CA, or the given one. */
export async function certUser(server: TestServer, user: string, groups: string[] = [], opts: { ca?: { caCertPem: string; caKeyPem: string }; issue?: IssueOptions; namespace?: string } = {}): Promise<Identity> {
  const cert = await issueClientCertificate(opts.ca ?? serverCA(server), { commonName: user, organizations: groups }, opts.issue ?? {});
  return identityFrom(server, user, { cert }, opts.namespace);
}

/** tokenUser makes a kubeconfig that authenticates with a bearer token. */
export function tokenUser(server: TestServer, token: string, namespace?: string): Identity {
  return identityFrom(server, 'token-user', { token }, namespace);
}

/** asToken sends one request with a bearer token and no client certificate. */
export function asToken(server: TestServer, method: string, urlPath: string, token: string, body?: object): Promise<HttpResponse> {
  return server.request(method, urlPath, { cert: 'none', headers: { authorization: `Bearer ${token}` }, body });
}

/** assertForbidden checks kubectl reported a 403 with exactly this message. */
export function assertForbidden(r: RunResult, message: string): void {
  assert.notEqual(r.code, 0, `expected kubectl to fail; stdout:\n${r.stdout}`);
  assert.ok(r.stderr.includes(`Error from server (Forbidden): ${message}`) || r.stderr.includes(`: ${message}`), `stderr should report Forbidden "${message}", got:\n${r.stderr}`);
}

/** assertUnauthorized checks kubectl was refused with 401. */
export function assertUnauthorized(r: RunResult): void {
  assert.notEqual(r.code, 0, `expected kubectl to fail; stdout:\n${r.stdout}`);
  // kubectl words a 401 as "You must be logged in to the server (the server has asked for the client to provide credentials)".
  assert.match(r.stderr, /You must be logged in to the server/, r.stderr);
}

/** assertUnauthorizedStatus checks an HTTP answer is kube-apiserver's 401 Status. */
export function assertUnauthorizedStatus(res: HttpResponse): void {
  assert.equal(res.status, 401, res.body);
  assert.deepEqual(res.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** manifest renders objects for `kubectl apply -f -`. */
export function manifest(...objects: object[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n');
}

/** waitFor polls until check returns a value (or throws its last error after the timeout). */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Helpers the etcd end-to-end suites share: kapi servers on a real etcd cluster (sharing one
 * PKI, as servers started from the same data-dir material do), requests with another server's
 * credentials, and a JSON watch reader.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EtcdCluster } from '../../support/etcd';
import { TestServer, type HttpResponse } from '../../support/server';

/** LEASE_ARGS make identity leases short, so a dead server leaves the Endpoints within seconds. */
export const LEASE_DURATION_SECONDS = 3;
export const LEASE_ARGS = ['--identity-lease-duration-seconds', String(LEASE_DURATION_SECONDS), '--identity-lease-renew-interval-seconds', '1'];

/** Kapi is one server on etcd and the data dir it was started with (removed by dispose). */
export interface Kapi {
  server: TestServer;
  dataDir: string;
}

/**
 * startKapi starts `kapi serve --etcd-servers ...` on a fresh data dir; with pkiFrom, the data dir
 * first gets a copy of that server's pki/ (CA, serving and admin pairs, service-account key).
 */
export async function startKapi(cluster: EtcdCluster, opts: { pkiFrom?: Kapi; args?: string[]; servers?: string[] } = {}): Promise<Kapi> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-etcd-e2e-'));
  if (opts.pkiFrom) fs.cpSync(path.join(opts.pkiFrom.dataDir, 'pki'), path.join(dataDir, 'pki'), { recursive: true });
  const server = await TestServer.start({
    dataDir,
    args: ['--etcd-servers', (opts.servers ?? cluster.endpoints).join(','), ...LEASE_ARGS, ...(opts.args ?? [])],
  });
  return { server, dataDir };
}

export async function disposeKapi(k: Kapi | undefined): Promise<void> {
  if (!k) return;
  await k.server.dispose();
  fs.rmSync(k.dataDir, { recursive: true, force: true });
}

/** Credentials are a kubeconfig's server CA and client pair. */
export interface Credentials {
  ca: string;
  cert: string;
  key: string;
}

export function credentialsOf(k: Kapi): Credentials {
  const kc = parseYaml(fs.readFileSync(path.join(k.dataDir, 'admin.kubeconfig'), 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return { ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(kc.users[0].user['client-certificate-data']), key: b64(kc.users[0].user['client-key-data']) };
}

/** requestAs sends a request to a server with someone's credentials (another server's kubeconfig). */
export function requestAs(url: string, creds: Credentials, method: string, urlPath: string, body?: object, timeoutMs = 30_000): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      `${url}${urlPath}`,
      { method, ca: creds.ca, cert: creds.cert, key: creds.key, timeout: timeoutMs, headers: data ? { 'content-type': 'application/json' } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: <T>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${method} ${urlPath} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

export const CONFIGMAPS = (ns = 'default') => `/api/v1/namespaces/${ns}/configmaps`;

export function configMap(name: string, data: Record<string, string> = {}): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

/** expectStatus asserts a response code and says what came back otherwise. */
export function expectStatus(res: HttpResponse, code: number, what: string): void {
  assert.equal(res.status, code, `${what}: ${res.status} ${res.body.slice(0, 500)}`);
}

/** WatchReader collects the events of a JSON watch stream. */
export class WatchReader {
  readonly events: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[] = [];
  ended = false;
  private readonly handle: ReturnType<TestServer['stream']>;

  constructor(server: TestServer, urlPath: string) {
    const handle = server.stream(urlPath);
    this.handle = handle;
    void (async () => {
      for await (const line of handle.lines) {
        if (line.trim()) this.events.push(JSON.parse(line) as WatchReader['events'][number]);
      }
      this.ended = true;
    })();
  }

  get status(): Promise<number> {
    return this.handle.status;
  }

  names(type = 'ADDED'): string[] {
    return this.events.filter((e) => e.type === type).map((e) => e.object.metadata.name);
  }

  close(): void {
    this.handle.close();
  }
}

/** eventually polls until cond holds, or fails with what it saw last. */
export async function eventually(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** endpointsOf reads the kubernetes Endpoints as `ip:port` strings. */
export async function endpointsOf(server: TestServer): Promise<string[]> {
  const res = await server.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  expectStatus(res, 200, 'GET the kubernetes Endpoints');
  const ep = res.json<{ subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[] }>();
  const out: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? []) out.push(`${a.ip}:${p.port}`);
  return out.sort();
}

/** portOf is the port a TestServer listens on. */
export function portOf(server: TestServer): number {
  return Number(new URL(server.url).port);
}

/**
 * TestServer runs the real kapi binary (dist/src/cli/main.js) as a child process on a fresh or
 * given data dir, and gives tests an HTTPS client with the admin certificate and a kubectl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Kubectl } from '../e2e/clients/kubectl';
import { repositoryRoot } from '../e2e/clients/install';

/** START_TIMEOUT_MS bounds how long a test waits for the server to say it is ready. */
const START_TIMEOUT_MS = 30_000;

export interface StartOptions {
  /** dataDir reuses a data dir (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** main runs another build of kapi (a tree generated with extra CRDs); default: this one. */
  main?: string;
  /**
   * etcdServers runs the server on etcd instead of SQLite, under a key prefix of its own derived
   * from the data dir (so a restart on the same data dir finds its objects). Default: the
   * comma-separated KAPI_TEST_ETCD_SERVERS, which runs any suite on etcd; [] forces SQLite.
   */
  etcdServers?: string[];
}

/** etcdArgs are the flags that put a server on etcd, if it should be. */
function etcdArgs(opts: StartOptions, dataDir: string): string[] {
  const servers = opts.etcdServers ?? (process.env.KAPI_TEST_ETCD_SERVERS ? process.env.KAPI_TEST_ETCD_SERVERS.split(',') : []);
  if (servers.length === 0 || (opts.args ?? []).includes('--etcd-servers')) return [];
  return ['--etcd-servers', servers.join(','), '--etcd-prefix', `/kapi-test/${path.basename(dataDir)}`];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  /** cert chooses the client identity: the admin certificate by default, none for anonymous. */
  cert?: { certPem: string; keyPem: string } | 'none';
  timeoutMs?: number;
}

interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

function readKubeconfig(file: string): Credentials {
  const kc = parseYaml(fs.readFileSync(file, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    server: kc.clusters[0].cluster.server,
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

export class TestServer {
  readonly kubectl: Kubectl;
  private constructor(
    readonly process: ChildProcess,
    readonly dataDir: string,
    readonly url: string,
    readonly output: { stdout: string; stderr: string },
    private readonly creds: Credentials,
    private readonly ownsDataDir: boolean,
  ) {
    this.kubectl = new Kubectl({ kubeconfig: this.kubeconfig, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-kcache-')) });
  }

  get kubeconfig(): string {
    return path.join(this.dataDir, 'admin.kubeconfig');
  }

  get caPem(): string {
    return this.creds.ca;
  }

  /** start spawns `kapi serve` on a free port and waits until it prints that it is ready. */
  static async start(opts: StartOptions = {}): Promise<TestServer> {
    const ownsDataDir = !opts.dataDir;
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-test-'));
    const main = opts.main ?? path.join(repositoryRoot(), 'dist', 'src', 'cli', 'main.js');
    const child = spawn(process.execPath, [main, 'serve', '--data-dir', dataDir, '--secure-port', '0', '--bind-address', '127.0.0.1', ...etcdArgs(opts, dataDir), ...(opts.args ?? [])], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { stdout: '', stderr: '' };
    child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const fail = (e: Error) => {
        child.kill('SIGKILL');
        reject(e);
      };
      const timer = setTimeout(() => fail(new Error(`kapi did not become ready in ${START_TIMEOUT_MS} ms:\n${output.stdout}\n${output.stderr}`)), START_TIMEOUT_MS);
      const check = () => {
        const m = /on https:\/\/[^\s]+:(\d+) /.exec(output.stdout);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kapi exited with ${code} before it was ready:\n${output.stdout}\n${output.stderr}`));
      });
    });
    const creds = readKubeconfig(path.join(dataDir, 'admin.kubeconfig'));
    return new TestServer(child, dataDir, `https://127.0.0.1:${port}`, output, creds, ownsDataDir);
  }

  /** request sends one HTTPS request as the admin (or another identity). */
  request(method: string, urlPath: string, opts: RequestOptions = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: Buffer | undefined;
    if (opts.body !== undefined) {
      body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['content-type'] ??= 'application/json';
    }
    const identity = opts.cert === 'none' ? undefined : (opts.cert ?? { certPem: this.creds.cert, keyPem: this.creds.key });
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${this.url}${urlPath}`,
        { method, headers, ca: this.creds.ca, cert: identity?.certPem, key: identity?.keyPem, timeout: opts.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text,
              json: <T>() => JSON.parse(text) as T,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request ${method} ${urlPath} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** stream opens a long-lived request (a watch) and yields its lines. */
  stream(urlPath: string, headers: Record<string, string> = {}): { lines: AsyncIterable<string>; status: Promise<number>; close(): void } {
    let closeFn = () => {};
    let statusResolve!: (n: number) => void;
    const status = new Promise<number>((r) => (statusResolve = r));
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const req = https.request(`${this.url}${urlPath}`, { headers, ca: this.creds.ca, cert: this.creds.cert, key: this.creds.key }, (res) => {
      statusResolve(res.statusCode ?? 0);
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          queue.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        wake?.();
      });
      res.on('end', () => {
        if (buf) queue.push(buf);
        ended = true;
        wake?.();
      });
      res.on('error', () => {
        ended = true;
        wake?.();
      });
    });
    req.on('error', () => {
      ended = true;
      statusResolve(0);
      wake?.();
    });
    req.end();
    closeFn = () => req.destroy();
    const lines: AsyncIterable<string> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length) {
            yield queue.shift()!;
            continue;
          }
          if (ended) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
    };
    return { lines, status, close: () => closeFn() };
  }

  /** stop ends the server gracefully (SIGTERM) and waits for it. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** kill9 ends the server without giving it a chance to flush anything. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.process.once('exit', () => r()));
    this.process.kill(sig);
    await exited;
    this.kubectl.dispose?.();
  }

  /** dispose stops the server and removes a data dir the harness created. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** nextLine reads lines from a stream until one satisfies the predicate, or fails after a timeout. */
export async function nextMatching(lines: AsyncIterator<string>, pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('timed out waiting for a matching line');
    const r = await Promise.race([lines.next(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
    if (r === 'timeout') throw new Error('timed out waiting for a matching line');
    if (r.done) throw new Error('stream ended before a matching line');
    if (pred(r.value)) return r.value;
  }
}

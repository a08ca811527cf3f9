/**
 * EtcdCluster runs real etcd members (Debian's etcd-server, `etcd` on PATH) on 127.0.0.1, each
 * on free ports with its own 0700 data dir under one temp dir, for tests and the benchmark.
 * Members are stopped by PID (SIGKILL: a crash, not a shutdown) and restarted on the same data
 * dir; every member still running is killed when the test process exits.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** READY_TIMEOUT_MS bounds how long a start waits for every member to report healthy. */
const READY_TIMEOUT_MS = 30_000;
/** HEARTBEAT_MS and ELECTION_MS are shorter than etcd's defaults (100/1000) so failover tests are quick. */
const HEARTBEAT_MS = 50;
const ELECTION_MS = 500;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) {
    try {
      p.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
});

/** etcdAvailable tells whether the etcd binary is installed (CI installs it; see .ci/run). */
export function etcdAvailable(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** freePort asks the kernel for a port nobody listens on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** ClientTls is a client's view of TLS: the CA to trust and its own certificate. */
export interface ClientTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

function httpGet(url: string, tls?: ClientTls, timeoutMs = 1_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const opts = tls
      ? { timeout: timeoutMs, ca: fs.readFileSync(tls.caFile), cert: fs.readFileSync(tls.certFile), key: fs.readFileSync(tls.keyFile) }
      : { timeout: timeoutMs };
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, opts, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  process?: ChildProcess;
}

export interface EtcdStartOptions {
  /** members is the cluster size: 1 for storage tests, 3 for fault tests. */
  members?: number;
  /** extraArgs go to every member. */
  extraArgs?: string[];
  /**
   * tls serves clients over HTTPS with this certificate (keyFile, certFile) and requires client
   * certificates signed by caFile; `client` is what the harness itself uses to reach them.
   */
  tls?: { certFile: string; keyFile: string; caFile: string; client: ClientTls };
}

export class EtcdCluster {
  private constructor(
    readonly dir: string,
    readonly members: EtcdMember[],
    private readonly initialCluster: string,
    private readonly token: string,
    private readonly extraArgs: string[],
    /** clientTls is set when members serve clients over TLS. */
    readonly clientTls?: ClientTls,
  ) {}

  /** endpoints are the client URLs, for --etcd-servers. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  static async start(opts: EtcdStartOptions = {}): Promise<EtcdCluster> {
    const n = opts.members ?? 1;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-etcd-'));
    fs.chmodSync(dir, 0o700);
    const members: EtcdMember[] = [];
    for (let i = 0; i < n; i++) {
      const name = `m${i}`;
      members.push({
        name,
        clientUrl: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${await freePort()}`,
        peerUrl: `http://127.0.0.1:${await freePort()}`,
        dataDir: path.join(dir, name),
        logFile: path.join(dir, `${name}.log`),
      });
    }
    const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
    const tlsArgs = opts.tls ? ['--cert-file', opts.tls.certFile, '--key-file', opts.tls.keyFile, '--trusted-ca-file', opts.tls.caFile, '--client-cert-auth'] : [];
    const cluster = new EtcdCluster(dir, members, initialCluster, `kapi-test-${path.basename(dir)}`, [...tlsArgs, ...(opts.extraArgs ?? [])], opts.tls?.client);
    try {
      for (let i = 0; i < n; i++) cluster.spawn(i);
      await cluster.waitHealthy();
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
    return cluster;
  }

  /** pid of a member, undefined when it is not running. */
  pid(i: number): number | undefined {
    const p = this.members[i].process;
    return p && p.exitCode === null && p.signalCode === null ? p.pid : undefined;
  }

  /** kill stops a member by PID, without warning (SIGKILL), and waits until it is gone. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.members[i].process;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    process.kill(p.pid!, signal);
    await exited;
  }

  /** restart starts a killed member again on its data dir; waitHealthy when the cluster should have quorum. */
  async restart(i: number): Promise<void> {
    if (this.pid(i) !== undefined) return;
    this.spawn(i);
  }

  /** leader is the index of the member that currently leads, from each member's /metrics. */
  async leader(): Promise<number> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      for (let i = 0; i < this.members.length; i++) {
        if (this.pid(i) === undefined) continue;
        try {
          const r = await httpGet(`${this.members[i].clientUrl}/metrics`, this.clientTls);
          if (/^etcd_server_is_leader 1$/m.test(r.body)) return i;
        } catch {
          // not answering: try the next
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no etcd member became leader');
  }

  /** waitHealthy waits until every running member answers /health with true (it has a leader and quorum). */
  async waitHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let ok = true;
      for (let i = 0; i < this.members.length; i++) {
        if (this.pid(i) === undefined) continue;
        try {
          const r = await httpGet(`${this.members[i].clientUrl}/health`, this.clientTls);
          if (!/"health":\s*"true"/.test(r.body)) ok = false;
        } catch {
          ok = false;
        }
      }
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy in ${timeoutMs} ms; logs in ${this.dir}:\n${this.logTail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** etcdctl runs Debian's etcdctl against the cluster. */
  etcdctl(args: string[]): string {
    const tls = this.clientTls ? [`--cacert=${this.clientTls.caFile}`, `--cert=${this.clientTls.certFile}`, `--key=${this.clientTls.keyFile}`] : [];
    return execFileSync('etcdctl', [`--endpoints=${this.endpoints.join(',')}`, ...tls, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  }

  /** destroy kills every member and removes the data dirs. */
  async destroy(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.kill(i);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(): string {
    return this.members
      .map((m) => {
        try {
          return `--- ${m.name}\n${fs.readFileSync(m.logFile, 'utf8').split('\n').slice(-15).join('\n')}`;
        } catch {
          return `--- ${m.name}: no log`;
        }
      })
      .join('\n');
  }

  private spawn(i: number): void {
    const m = this.members[i];
    fs.mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
    const log = fs.openSync(m.logFile, 'a');
    const child = spawn(
      'etcd',
      [
        '--name', m.name,
        '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl,
        '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl,
        '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', this.initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', this.token,
        '--heartbeat-interval', String(HEARTBEAT_MS),
        '--election-timeout', String(ELECTION_MS),
        '--logger', 'zap',
        '--log-outputs', 'stderr',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    running.add(child);
    child.once('exit', () => running.delete(child));
    m.process = child;
  }
}

/**
 * kapi spawns the real server binary (dist/src/cli/main.js) in its own process, waits for its
 * ready line and reads the admin credentials it wrote, as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** START_TIMEOUT_MS bounds the wait for the ready line. */
const START_TIMEOUT_MS = 60_000;
/** READY_LINE is what `kapi serve` prints once it serves; group 1 is the port. */
export const READY_LINE = /on https:\/\/[^\s]+:(\d+) /;

/** repoRoot is the project root (this file runs from dist/bench/). */
export const repoRoot = path.resolve(__dirname, '..', '..');
/** kapiMain is the compiled CLI. */
export const kapiMain = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Credentials are the server URL and the admin identity from admin.kubeconfig. */
export interface Credentials {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
}

/** readKubeconfig decodes the CA, client certificate and key that kapi writes as base64 data. */
export function readKubeconfig(file: string): Credentials {
  const kc = parseYaml(fs.readFileSync(file, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const url = new URL(kc.clusters[0].cluster.server);
  return {
    host: url.hostname,
    port: Number(url.port),
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

export interface KapiStartOptions {
  /** dataDir reuses a data dir; a fresh temp dir otherwise. */
  dataDir?: string;
  /** port to serve on; 0 (any free port) by default. */
  port?: number;
  /** nodeArgs go before the script (--cpu-prof, --expose-gc ...). */
  nodeArgs?: string[];
  /** args go after `serve` and its defaults (--etcd-servers ...). */
  args?: string[];
}

/** KapiProcess is one running `kapi serve`. */
export class KapiProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly creds: Credentials,
    readonly output: { stdout: string; stderr: string },
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** start spawns the server and resolves once it printed its ready line. */
  static async start(opts: KapiStartOptions = {}): Promise<KapiProcess> {
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-bench-'));
    const args = [...(opts.nodeArgs ?? []), kapiMain, 'serve', '--data-dir', dataDir, '--secure-port', String(opts.port ?? 0), '--bind-address', '127.0.0.1', ...(opts.args ?? [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout!.on('data', (d: Buffer) => (output.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output.stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`kapi did not print its ready line in ${START_TIMEOUT_MS} ms:\n${output.stdout}\n${output.stderr}`));
      }, START_TIMEOUT_MS);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`kapi exited with ${code} before it was ready:\n${output.stdout}\n${output.stderr}`));
      };
      child.once('exit', onExit);
      const check = () => {
        if (!READY_LINE.test(output.stdout)) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout!.off('data', check);
        resolve();
      };
      child.stdout!.on('data', check);
    });
    const creds = readKubeconfig(path.join(dataDir, 'admin.kubeconfig'));
    return new KapiProcess(child, dataDir, creds, output);
  }

  /** stop ends the server with SIGTERM (it shuts down cleanly) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }

  /** dispose stops the server and removes its data dir. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

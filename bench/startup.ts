/**
 * startup times an empty server from spawn to its ready line and to its first successful
 * GET /readyz, polled from outside. The port is chosen beforehand so polling can start at spawn;
 * the admin credentials are read from pki/ as soon as the server has written them (a fresh
 * data dir gets its certificates on first start).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { READY_LINE, kapiMain } from './kapi';
import { sleep } from './stats';

/** POLL_MS is the /readyz polling interval: fine enough for a sub-second figure, light on 2 cores. */
const POLL_MS = 5;
/** STARTUP_TIMEOUT_MS gives up on a start that hangs. */
const STARTUP_TIMEOUT_MS = 30_000;
/** SELF_REPORTED is the server's own "ready in N ms" (measured from inside, after module loading). */
const SELF_REPORTED = /ready in (\d+) ms/;

export interface StartupRun {
  /** readyLineMs is spawn to the ready line on stdout. */
  readyLineMs: number;
  /** readyzMs is spawn to the first 200 from GET /readyz. */
  readyzMs: number;
  /** selfReportedMs is what the server printed (from the start of `serve`, modules already loaded). */
  selfReportedMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function readyzOnce(port: number, pki: string): Promise<number> {
  return new Promise((resolve) => {
    let ca: string, cert: string, key: string;
    try {
      ca = fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8');
      cert = fs.readFileSync(path.join(pki, 'admin.crt'), 'utf8');
      key = fs.readFileSync(path.join(pki, 'admin.key'), 'utf8');
    } catch {
      return resolve(0); // certificates not written yet
    }
    try {
      const req = https.request({ host: '127.0.0.1', port, path: '/readyz', ca, cert, key, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end();
    } catch {
      resolve(0); // a half-written key or certificate
    }
  });
}

/** measureStartup starts kapi on dataDir once and stops it again. */
export async function measureStartup(dataDir: string): Promise<StartupRun> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [kapiMain, 'serve', '--data-dir', dataDir, '--secure-port', String(port), '--bind-address', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failed: Error | undefined;
  void exited.then(() => (failed ??= new Error(`kapi exited during start-up:\n${stdout}\n${stderr}`)));
  const readyLine = new Promise<number>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      const before = READY_LINE.test(stdout);
      stdout += d.toString();
      if (!before && READY_LINE.test(stdout)) resolve(performance.now() - t0);
    });
  });
  const pki = path.join(dataDir, 'pki');
  let readyzMs = NaN;
  while (!failed) {
    if ((await readyzOnce(port, pki)) === 200) {
      readyzMs = performance.now() - t0;
      break;
    }
    if (performance.now() - t0 > STARTUP_TIMEOUT_MS) failed = new Error('kapi did not become ready in time');
    await sleep(POLL_MS);
  }
  if (failed) {
    child.kill('SIGKILL');
    throw failed;
  }
  const readyLineMs = await readyLine;
  const self = SELF_REPORTED.exec(stdout);
  child.kill('SIGTERM');
  await exited;
  return { readyLineMs, readyzMs, selfReportedMs: self ? Number(self[1]) : NaN };
}

/**
 * measureNodeHttpsStartup is the start-up ceiling: spawn to the listening line of a minimal Node
 * HTTPS server with the same certificate, i.e. what Node itself costs before kapi does anything.
 */
export async function measureNodeHttpsStartup(dataDir: string): Promise<number> {
  const pki = path.join(dataDir, 'pki');
  const script = `
    const https = require('node:https'), fs = require('node:fs');
    const s = https.createServer({ key: fs.readFileSync(${JSON.stringify(path.join(pki, 'apiserver.key'))}), cert: fs.readFileSync(${JSON.stringify(path.join(pki, 'apiserver.crt'))}) }, (q, r) => r.end('ok'));
    s.listen(0, '127.0.0.1', () => { process.stdout.write('listening\\n'); s.close(); });`;
  const t0 = performance.now();
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ms = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', () => resolve(performance.now() - t0));
    child.once('exit', (code) => reject(new Error(`node https start exited with ${code}`)));
  });
  await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return ms;
}

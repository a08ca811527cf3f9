/**
 * bare is the GET ceiling: a plain `https.createServer` answering every request with one fixed
 * JSON body, in its own process, with the same TLS set-up as kapi (its serving certificate,
 * client certificates requested). Whatever kapi does beyond this costs throughput.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

interface BareConfig {
  key: string;
  cert: string;
  ca: string;
  body: string;
}

/** BareServer is the parent's handle on the bare server process. */
export class BareServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** start forks the bare server with kapi's serving certificate from a data dir's pki/. */
  static async start(dataDir: string, body: string): Promise<BareServer> {
    const pki = path.join(dataDir, 'pki');
    const config: BareConfig = {
      key: fs.readFileSync(path.join(pki, 'apiserver.key'), 'utf8'),
      cert: fs.readFileSync(path.join(pki, 'apiserver.crt'), 'utf8'),
      ca: fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8'),
      body,
    };
    const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
      child.send(config);
    });
    return new BareServer(child, port);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

if (require.main === module) {
  process.once('message', (config: BareConfig) => {
    const body = Buffer.from(config.body);
    const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
    const server = https.createServer({ key: config.key, cert: config.cert, ca: [config.ca], requestCert: true, rejectUnauthorized: false }, (req, res) => {
      req.resume();
      res.writeHead(200, headers);
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  });
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * TcpProxy sits between a client and a server on 127.0.0.1 to inject network faults: cut every
 * connection, refuse new ones for a while, or forward requests but swallow the answers (a write
 * that reached the server whose acknowledgement is lost).
 */
import * as net from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'swallow-responses';

export class TcpProxy {
  mode: ProxyMode = 'forward';
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => {
      const p = proxy!;
      if (p.mode === 'refuse') {
        client.destroy();
        return;
      }
      const upstream = net.connect(target.port, target.host);
      p.sockets.add(client);
      p.sockets.add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        p.sockets.delete(client);
        p.sockets.delete(upstream);
      };
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (p.mode !== 'swallow-responses') client.write(d);
      });
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** cut resets every open connection (both sides). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** hostPort splits an http://host:port URL. */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

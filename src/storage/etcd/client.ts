/**
 * The etcd3 client as kapi configures it: no automatic retries (a write whose outcome is unknown
 * must not be sent again blindly; the storage decides), a circuit breaker per member so a dead
 * one is skipped, a deadline on every call, keepalives so a silent connection is noticed, and
 * no cap on response size (a LIST page of big objects, a watch catch-up batch).
 */
import * as fs from 'node:fs';
import { Etcd3, type IOptions } from 'etcd3';

/** REQUEST_TIMEOUT_MS bounds one etcd call: longer than etcd's own request timeout (5 s + 2 election timeouts) for the common case. */
export const REQUEST_TIMEOUT_MS = 8_000;
/** KEEPALIVE_MS: etcd refuses client pings more often than every 5 s (--grpc-keepalive-min-time). */
const KEEPALIVE_MS = 10_000;
const KEEPALIVE_TIMEOUT_MS = 5_000;

type GlobalPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
/** NO_RETRY runs each call once (the client's default would retry any call, writes included, 3 times). */
const NO_RETRY = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T) => Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
} as unknown as GlobalPolicy;

/** EtcdConnection is where and how to reach etcd: kube-apiserver's --etcd-* flags. */
export interface EtcdConnection {
  /** servers are the client URLs (--etcd-servers), http:// or https://. */
  servers: readonly string[];
  /** caFile, certFile and keyFile secure the connection (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  requestTimeoutMs?: number;
}

/** newEtcdClient builds the client; it connects lazily, on the first call. */
export function newEtcdClient(c: EtcdConnection): Etcd3 {
  if (c.servers.length === 0) throw new Error('no etcd servers given');
  for (const s of c.servers) {
    if (!/^https?:\/\/[^/]+\/?$/.test(s)) throw new Error(`invalid etcd server URL ${JSON.stringify(s)}: want http(s)://host:port`);
  }
  const timeout = c.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const read = (f: string | undefined, what: string) => {
    if (!f) return undefined;
    try {
      return fs.readFileSync(f);
    } catch (e) {
      throw new Error(`cannot read the etcd ${what} ${f}: ${(e as Error).message}`);
    }
  };
  const ca = read(c.caFile, 'CA file');
  const cert = read(c.certFile, 'certificate file');
  const key = read(c.keyFile, 'key file');
  if (!!cert !== !!key) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  const options: IOptions = {
    hosts: c.servers.map((s) => s.replace(/\/$/, '')),
    // Only our own code retries, and only where it is safe (storage/etcd/store.ts).
    faultHandling: { global: NO_RETRY },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    grpcOptions: {
      'grpc.max_receive_message_length': -1,
      'grpc.keepalive_time_ms': KEEPALIVE_MS,
      'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
    },
  };
  if (ca || cert) {
    // grpc uses the system roots when no CA is given.
    options.credentials = { rootCertificate: ca as Buffer, privateKey: key, certChain: cert };
  }
  return new Etcd3(options);
}

/**
 * request sends one HTTPS request for set-up steps (create a namespace, fetch a body); the
 * measured traffic goes through the load generator instead.
 */
import * as https from 'node:https';
import type { Credentials } from './kapi';

export interface Reply {
  status: number;
  body: Buffer;
}

export function request(creds: Credentials, method: string, urlPath: string, body?: string, accept = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = https.request(
      { host: creds.host, port: creds.port, method, path: urlPath, headers, ca: creds.ca, cert: creds.cert, key: creds.key, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** requestOk is request that fails unless the status is the expected one. */
export async function requestOk(creds: Credentials, method: string, urlPath: string, expect: number, body?: string, accept?: string): Promise<Reply> {
  const r = await request(creds, method, urlPath, body, accept);
  if (r.status !== expect) throw new Error(`${method} ${urlPath}: HTTP ${r.status} (expected ${expect}): ${r.body.toString().slice(0, 500)}`);
  return r;
}

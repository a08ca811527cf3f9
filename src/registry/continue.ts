import { newBadRequest } from '../apierrors';

/**
 * Continue tokens carry the revision of the first page and the key to resume after, in
 * kube-apiserver's format (base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key suffix>"}), so
 * clients that inspect them are not surprised.
 */
const TOKEN_VERSION = 'meta.k8s.io/v1';

export interface ContinueToken {
  rev: number;
  /** lastKey is the last key returned; the next page starts strictly after it. */
  lastKey: string;
}

export function encodeContinue(lastKey: string, prefix: string, rev: number): string {
  const start = lastKey.slice(prefix.length) + '\u0000';
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: rev, start })).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw newBadRequest('continue key is not valid: continue key is not valid json');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== TOKEN_VERSION) throw newBadRequest(`continue key is not valid: server does not recognize this encoded key version`);
  if (typeof t.rv !== 'number' || !Number.isInteger(t.rv) || t.rv <= 0) {
    throw newBadRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof t.start !== 'string' || t.start.length === 0) throw newBadRequest('continue key is not valid: encoded start key empty');
  if (t.start.startsWith('/') || t.start.split('/').some((s) => s === '..' || s === '.')) {
    throw newBadRequest('continue key is not valid: continue key is not valid: key is not within the list prefix');
  }
  const start = t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start;
  return { rev: t.rv, lastKey: prefix + start };
}

/**
 * One place where etcd client failures become StorageErrors. The etcd3 client flattens gRPC
 * errors into classes and messages, so the classification reads both.
 */
import { StorageError, compacted, unavailable } from '../errors';

/** message of any thrown value. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** isCompactedError: etcd answered "required revision has been compacted". */
export function isCompactedError(e: unknown): boolean {
  return /required revision has been compacted/.test(messageOf(e));
}

/** isFutureRevisionError: etcd answered "required revision is a future revision". */
export function isFutureRevisionError(e: unknown): boolean {
  return /required revision is a future revision/.test(messageOf(e));
}

/**
 * wasNotSent tells a failure that happened before the request reached any etcd member (no
 * connection, every member's circuit open): retrying such a write cannot apply it twice.
 * Everything else (a dropped connection, a deadline, "request timed out", "leader changed")
 * leaves the outcome of a write unknown.
 */
export function wasNotSent(e: unknown): boolean {
  const name = e instanceof Error ? e.constructor.name : '';
  if (name === 'BrokenCircuitError' || name === 'IsolatedCircuitError' || name === 'ClientClosedError') return true;
  return /No connection established|failed to connect|ECONNREFUSED|connect EHOSTUNREACH|Connection refused|Name resolution failed/i.test(messageOf(e));
}

/** translateEtcdError turns a client failure into a StorageError once, for every caller. */
export function translateEtcdError(e: unknown, key: string, revision = 0): StorageError {
  if (e instanceof StorageError) return e;
  const msg = messageOf(e);
  if (isCompactedError(e)) return compacted(key, revision, 0);
  if (isFutureRevisionError(e)) return new StorageError('TooLargeResourceVersion', key, `revision ${revision} is newer than the current revision`, 0);
  return unavailable(key, `etcd: ${msg.replace(/^\w+Error: /, '')}`);
}

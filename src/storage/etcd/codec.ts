/**
 * How objects sit in etcd. kube-apiserver never stores metadata.resourceVersion: it is the key's
 * mod_revision, known only once etcd has committed the write, and every read sets it from there.
 * kapi does the same with JSON values. To avoid a parse and a re-serialization on every read, a
 * value kapi writes starts with apiVersion, kind and metadata, in that order, so the revision can
 * be spliced in right after `"metadata":{`; a value written by anyone else takes the slow path.
 */
import type { KubeObject } from '../../meta/object';

const METADATA_OPEN = '"metadata":{';
/** STORED_HEAD is what may precede the top-level metadata in a value kapi wrote. */
const STORED_HEAD = /^\{(?:"apiVersion":"(?:[^"\\]|\\.)*",)?(?:"kind":"(?:[^"\\]|\\.)*",)?$/;
/** HEAD_SCAN bounds the search for the top-level metadata: apiVersion and kind are short. */
const HEAD_SCAN = 512;

/** encodeForEtcd serializes an object for storage: apiVersion, kind, metadata first; no resourceVersion. */
export function encodeForEtcd(obj: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion, ...meta } = metadata ?? {};
  void resourceVersion;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

/** withStoredRevision returns a stored value as clients see it: metadata.resourceVersion set to `rev`. */
export function withStoredRevision(stored: string, rev: number | string): string {
  const i = stored.indexOf(METADATA_OPEN);
  if (i > 0 && i < HEAD_SCAN && STORED_HEAD.test(stored.slice(0, i))) {
    const at = i + METADATA_OPEN.length;
    const sep = stored.charCodeAt(at) === 0x7d /* } */ ? '' : ',';
    return `${stored.slice(0, at)}"resourceVersion":"${rev}"${sep}${stored.slice(at)}`;
  }
  // Written by another program (or an older layout): the safe, slower way.
  const obj = JSON.parse(stored) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(rev) };
  return JSON.stringify(obj);
}

/** prefixEnd is the first key after every key that starts with prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string | Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff: the range runs to the end of the key space.
  return Buffer.from([0]);
}

/** keyAfter is the smallest key sorted strictly after `key`. */
export function keyAfter(key: string | Buffer): Buffer {
  return Buffer.concat([Buffer.isBuffer(key) ? key : Buffer.from(key), Buffer.from([0])]);
}

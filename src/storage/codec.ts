import type { KubeObject } from '../meta/object';

/**
 * encodeWithRevision serializes an object with its resourceVersion set to the revision that
 * stores it. The stored bytes carry the version, so reads never re-serialize.
 */
export function encodeWithRevision(obj: KubeObject, rev: number): string {
  obj.metadata.resourceVersion = String(rev);
  return JSON.stringify(obj);
}

/** decode parses a stored value. */
export function decode(value: string): KubeObject {
  return JSON.parse(value) as KubeObject;
}

/**
 * withRevision returns a stored JSON value with a different resourceVersion (a DELETED event
 * carries the deletion's revision). Only the resourceVersion changes, so it re-serializes.
 */
export function withRevision(value: string, rev: number): string {
  const obj = decode(value);
  return encodeWithRevision(obj, rev);
}

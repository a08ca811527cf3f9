/**
 * The shapes every stored object shares. The generated types describe each kind fully; generic
 * machinery only ever needs this much of an object, so it works on KubeObject.
 */

/** OwnerReference mirrors metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** ObjectMeta mirrors the parts of metav1.ObjectMeta that generic code reads and writes. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [extra: string]: unknown;
}

/** KubeObject is any object with TypeMeta and ObjectMeta; the rest is the kind's business. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** ListMeta mirrors metav1.ListMeta. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** isPlainObject tells a JSON object from arrays, null and scalars. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** valueAtPath reads the value at a path of field names; undefined where the path breaks. */
export function valueAtPath(obj: unknown, path: readonly string[]): unknown {
  let v = obj;
  for (const k of path) v = isPlainObject(v) ? v[k] : undefined;
  return v;
}

/** setValueAtPath sets (for undefined, removes) the value at a path, making the objects on the way. */
export function setValueAtPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = obj;
  for (const k of path.slice(0, -1)) {
    if (!isPlainObject(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

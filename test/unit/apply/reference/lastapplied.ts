/**
 * The bridge between kubectl's client-side apply (the last-applied-configuration annotation)
 * and server-side apply, for the manager `kubectl` only, as upstream's lastAppliedManager and
 * lastAppliedUpdater:
 *
 * - conflicts with fields the annotation shows kubectl applied client-side (and whose live
 *   values still match it) are not conflicts: the apply is forced, so `kubectl apply
 *   --server-side` can take over an object `kubectl apply` created;
 * - after a server-side apply by `kubectl` the annotation, where present, is rewritten to the
 *   applied configuration, so a later client-side apply still diffs against the right thing.
 */

import { compareTyped } from './compare';
import type { Conflict } from './conflict';
import type { Ref, Schema } from './schema';
import type { FieldSet } from './set';
import { toFieldSet } from './tofieldset';
import { validateTyped } from './validate';
import { deepCopy, goJSON, hasOwn, isMap, type JsonMap } from './value';

/** LAST_APPLIED_ANNOTATION is kubectl's client-side apply annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** KUBECTL_MANAGER is the field manager `kubectl apply --server-side` uses by default. */
export const KUBECTL_MANAGER = 'kubectl';

/** TOTAL_ANNOTATION_SIZE_LIMIT is ValidateAnnotationsSize's limit: 256 KiB of keys and values. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function annotationsOf(obj: JsonMap): JsonMap | undefined {
  const meta = hasOwn(obj, 'metadata') ? obj['metadata'] : undefined;
  if (!isMap(meta)) return undefined;
  const ann = hasOwn(meta, 'annotations') ? meta['annotations'] : undefined;
  return isMap(ann) ? ann : undefined;
}

/** lastAppliedOf returns a non-empty last-applied annotation. */
export function lastAppliedOf(obj: JsonMap): string | undefined {
  const ann = annotationsOf(obj);
  const v = ann && hasOwn(ann, LAST_APPLIED_ANNOTATION) ? ann[LAST_APPLIED_ANNOTATION] : undefined;
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * allowedConflicts is the set of fields the annotation proves kubectl applied client-side and
 * that still hold the applied value; undefined when it cannot tell (no annotation, another
 * version, an object that does not fit the schema).
 */
export function allowedConflicts(schema: Schema, root: Ref, live: JsonMap, apiVersion: string): FieldSet | undefined {
  const text = lastAppliedOf(live);
  if (text === undefined) return undefined;
  if (validateTyped(schema, root, live).length > 0) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMap(last) || last['apiVersion'] !== apiVersion) return undefined;
  if (validateTyped(schema, root, last).length > 0) return undefined;
  const set = toFieldSet(schema, root, last);
  const c = compareTyped(schema, root, last, live);
  return set.difference(c.modified).difference(c.added).difference(c.removed);
}

/** withoutAllowed keeps the conflicts whose path the allowed set does not hold. */
export function withoutAllowed(conflicts: readonly Conflict[], allowed: FieldSet): Conflict[] {
  return conflicts.filter((c) => !allowed.has(c.path));
}

/**
 * buildLastApplied renders the applied configuration as the annotation value: the object
 * without the annotation itself, encoded as Go's JSON encoder does (sorted keys, newline).
 */
export function buildLastApplied(applied: JsonMap): string {
  const obj = deepCopy(applied);
  const ann = annotationsOf(obj);
  if (ann) delete ann[LAST_APPLIED_ANNOTATION];
  return goJSON(obj) + '\n';
}

/**
 * setLastApplied writes the annotation in place, or drops it when the annotations would
 * outgrow their size limit.
 */
export function setLastApplied(obj: JsonMap, value: string): void {
  let meta = obj['metadata'];
  if (!isMap(meta)) {
    meta = {};
    obj['metadata'] = meta;
  }
  const m = meta as JsonMap;
  const ann: JsonMap = isMap(m['annotations']) ? (m['annotations'] as JsonMap) : {};
  ann[LAST_APPLIED_ANNOTATION] = value;
  let size = 0;
  for (const k of Object.keys(ann)) {
    const v = ann[k];
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete ann[LAST_APPLIED_ANNOTATION];
  m['annotations'] = ann;
}

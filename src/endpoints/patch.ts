import { applyPatch as applyJsonPatch, type Operation } from 'fast-json-patch';
import { StatusError, newBadRequest, newUnsupportedMediaType } from '../apierrors';
import { isPlainObject, type KubeObject } from '../meta/object';

/** PATCH_TYPES are the patch media types kube-apiserver accepts. */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchType = (typeof PATCH_TYPES)[number];

/** patchTypeOf checks the Content-Type of a PATCH. */
export function patchTypeOf(contentType: string, supported: readonly PatchType[]): PatchType {
  if ((supported as readonly string[]).includes(contentType)) return contentType as PatchType;
  throw newUnsupportedMediaType(contentType, supported);
}

/** mergePatch applies an RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * jsonPatch applies an RFC 6902 JSON patch. A failed `test` or a bad path is upstream's
 * NewGenericServerResponse(422): reason Invalid, the generic message, empty details; the
 * patch library's own words are not sent.
 */
export function jsonPatch(target: KubeObject, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw newBadRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return applyJsonPatch(structuredClone(target), patch as Operation[], true, false).newDocument;
  } catch {
    throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  }
}

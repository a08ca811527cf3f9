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

/** jsonPatch applies an RFC 6902 JSON patch; a failed `test` or a bad path is a 422 as upstream. */
export function jsonPatch(target: KubeObject, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw newBadRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return applyJsonPatch(structuredClone(target), patch as Operation[], true, false).newDocument;
  } catch (e) {
    const err = e as { name?: string; message?: string };
    const first = (err.message ?? String(e)).split('\n')[0];
    if (err.name === 'TEST_OPERATION_FAILED') {
      throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`, { causes: [{ message: 'testing value failed' }] });
    }
    throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request`, { causes: [{ message: first }] });
  }
}

/**
 * Defaults of versions other than the hub. Upstream's decoder applies a version's defaults
 * (pkg/apis/<group>/<version>/defaults.go) to every object it decodes in that version, before
 * converting it; a version's defaults can differ from the hub's (v1beta1 Ingress defaults pathType,
 * v1 requires it). The hub's own defaults are applied to the hub object, elsewhere.
 */

import { setDefaults_v1beta1_Ingress } from './networking';
import { copy, type JsonObject } from './runtime';

/** VERSION_DEFAULTERS maps `<group>/<version>/<kind>` to the function defaulting an object in place. */
const VERSION_DEFAULTERS: Readonly<Record<string, (obj: JsonObject) => void>> = {
  'networking.k8s.io/v1beta1/Ingress': setDefaults_v1beta1_Ingress,
};

/** hasVersionDefaults tells whether applyVersionDefaults changes anything for this kind in this version. */
export function hasVersionDefaults(group: string, version: string, kind: string): boolean {
  return Object.hasOwn(VERSION_DEFAULTERS, `${group}/${version}/${kind}`);
}

/**
 * applyVersionDefaults returns a copy of `obj`, an object of `kind` decoded in `version`, with that
 * version's defaults applied; `obj` itself is not changed. Kinds without version defaults come back
 * copied unchanged.
 */
export function applyVersionDefaults(obj: JsonObject, group: string, version: string, kind: string): JsonObject {
  const out = copy(obj);
  if (hasVersionDefaults(group, version, kind)) VERSION_DEFAULTERS[`${group}/${version}/${kind}`](out);
  return out;
}

import type { KubeObject } from '../meta/object';

/**
 * VersionConversion converts objects between one served version and the storage version.
 * Built-in kinds use the generated converters; custom resources (conversion strategy None)
 * only change apiVersion.
 */
export interface VersionConversion {
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}

/** apiVersionOnly is the None conversion strategy of CustomResourceDefinitions. */
export function apiVersionOnly(served: string, storage: string): VersionConversion {
  return {
    toStorage: (obj) => ({ ...obj, apiVersion: storage }),
    fromStorage: (obj) => ({ ...obj, apiVersion: served }),
  };
}

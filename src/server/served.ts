import type { ValidateFunction } from 'ajv';
import { prunerModules } from '../../generated/pruners';
import { resources as builtinResources } from '../../generated/resources';
import { builtinTypeTable } from '../../generated/typeinfo';
import type { CustomResources } from '../crd/manager';
import { apiVersionOnly, type VersionConversion } from '../endpoints/conversion';
import { keyCount, unknownFields } from '../endpoints/fieldvalidation';
import type { Pruner } from '../endpoints/handlers';
import { dropNulls } from '../endpoints/request';
import { groupVersion, type ResourceDescriptor } from '../resources/descriptor';
import { kindKey, type TypeRef, type TypeTable } from '../schema/typeinfo';
import { newBadRequest } from '../apierrors';
import { ConversionError, applyVersionDefaults, converterFor } from '../conversion';
import type { KubeObject } from '../meta/object';

/** builtinTypeInfo finds a built-in kind's merge structure in the generated table. */
export function builtinTypeInfo(d: { group: string; version: string; kind: string }): { table: TypeTable; root: TypeRef } | undefined {
  const root = builtinTypeTable.kinds[kindKey(d.group, d.version, d.kind)];
  return root ? { table: builtinTypeTable, root } : undefined;
}

/**
 * ServedResources is everything the server serves: the built-in resources of the generated
 * table and the custom resources of established CRDs, with what the request path needs of
 * each (pruner, merge structure, version conversion).
 */
export class ServedResources {
  constructor(private readonly custom: CustomResources | undefined) {}

  all(): readonly ResourceDescriptor[] {
    return this.custom ? [...builtinResources, ...this.custom.descriptors()] : builtinResources;
  }

  onChange(listener: () => void): void {
    this.custom?.onChange(listener);
  }

  pruner(d: ResourceDescriptor): Pruner | undefined {
    // Custom resources (drop-ins too) are pruned by their CRD's compiled schema, as
    // apiextensions-apiserver's decoder prunes them; built-in kinds by the generated pruners.
    if (d.custom) return this.custom?.schemasFor(d)?.prune;
    const generated = prunerModules[d.validatorModule]?.()[d.kind];
    return generated ? typedPruner(generated) : undefined;
  }

  typeInfo(d: { group: string; version: string; kind: string; custom?: boolean; plural?: string }): { table: TypeTable; root: TypeRef } | undefined {
    if (d.custom && d.plural) return this.custom?.schemasFor({ group: d.group, version: d.version, plural: d.plural })?.types;
    return builtinTypeInfo(d);
  }

  conversion(d: ResourceDescriptor): VersionConversion | undefined {
    if (d.version === d.storageVersion) return undefined;
    if (d.custom) return apiVersionOnly(groupVersion(d), groupVersion({ group: d.group, version: d.storageVersion }));
    return generatedConversion(d);
  }
}

/**
 * typedPruner prunes as decoding into a built-in kind's Go struct does: nulls leave a field at
 * its zero value (omitted), and members the struct does not have are dropped.
 */
function typedPruner(prune: ValidateFunction): Pruner {
  return (obj, original) => {
    dropNulls(obj);
    if (!original) {
      const before = structuredClone(obj);
      prune(obj);
      return unknownFields(before, obj);
    }
    // Unknown fields are rare: count keys, and rebuild the object only when pruning removed some.
    const keys = keyCount(obj);
    prune(obj);
    if (keyCount(obj) === keys) return [];
    return unknownFields(dropNulls(original()), obj);
  };
}

/**
 * generatedConversion converts a built-in kind between a served version and its hub with the
 * generated converters: the served version's own defaults first (upstream applies them while
 * decoding), then the conversion.
 */
function generatedConversion(d: ResourceDescriptor): VersionConversion | undefined {
  const converter = converterFor(d.group, d.kind);
  if (!converter) return undefined;
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConversionError) throw newBadRequest(e.message);
      throw e;
    }
  };
  return {
    toStorage: (obj) => guard(() => converter.toHub(applyVersionDefaults(obj, d.group, d.version, d.kind), d.version) as KubeObject),
    fromStorage: (obj) => guard(() => converter.fromHub(obj, d.version) as KubeObject),
  };
}

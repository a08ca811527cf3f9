import type { ValidateFunction } from 'ajv';
import { prunerModules } from '../../generated/pruners';
import { resources as builtinResources } from '../../generated/resources';
import { builtinTypeTable } from '../../generated/typeinfo';
import type { CustomResources } from '../crd/manager';
import { apiVersionOnly, type VersionConversion } from '../endpoints/conversion';
import { groupVersion, type ResourceDescriptor } from '../resources/descriptor';
import { kindKey, type TypeRef, type TypeTable } from '../schema/typeinfo';

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
  constructor(
    private readonly custom: CustomResources | undefined,
    private readonly builtinConversion: (d: ResourceDescriptor) => VersionConversion | undefined = () => undefined,
  ) {}

  all(): readonly ResourceDescriptor[] {
    return this.custom ? [...builtinResources, ...this.custom.descriptors()] : builtinResources;
  }

  onChange(listener: () => void): void {
    this.custom?.onChange(listener);
  }

  pruner(d: ResourceDescriptor): ValidateFunction | undefined {
    // Generated pruners cover built-in kinds and drop-in CRDs; other CRDs' are compiled.
    return prunerModules[d.validatorModule]?.()[d.kind] ?? this.custom?.schemasFor(d)?.pruner;
  }

  typeInfo(d: { group: string; version: string; kind: string; custom?: boolean; plural?: string }): { table: TypeTable; root: TypeRef } | undefined {
    if (d.custom && d.plural) return this.custom?.schemasFor({ group: d.group, version: d.version, plural: d.plural })?.types;
    return builtinTypeInfo(d);
  }

  conversion(d: ResourceDescriptor): VersionConversion | undefined {
    if (d.version === d.storageVersion) return undefined;
    if (d.custom) return apiVersionOnly(groupVersion(d), groupVersion({ group: d.group, version: d.storageVersion }));
    return this.builtinConversion(d);
  }
}

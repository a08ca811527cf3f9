import type { PrinterColumn } from '../registry/printer';

/** Verb is a Kubernetes API verb as discovery lists it. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** SubresourceDescriptor describes `<resource>/<name>` (status, scale, binding ...). */
export interface SubresourceDescriptor {
  name: string;
  /** group, version and kind of the object the subresource reads and writes. */
  group: string;
  version: string;
  kind: string;
  verbs: readonly string[];
}

/**
 * ResourceDescriptor is one row of the resource table: one resource served in one
 * group-version. The generator emits these from the OpenAPI documents and the overlay; custom
 * resources add rows at run time.
 */
export interface ResourceDescriptor {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly Verb[];
  shortNames: readonly string[];
  categories: readonly string[];
  subresources: readonly SubresourceDescriptor[];
  printerColumns: readonly PrinterColumn[];
  /** storageVersion is the version objects of this group-resource are stored in (the hub). */
  storageVersion: string;
  /** etcdPrefix is the key prefix under the storage root (`pods`, `services/specs`, `apps/...`). */
  etcdPrefix: string;
  /** schema names the definition of the kind in the merged schema set (`io.k8s.api.core.v1.Pod`). */
  schema: string;
  /** validatorModule names the generated validator module exporting a function called `kind`. */
  validatorModule: string;
  /** selectableFields are the fields a field selector may name, beyond metadata.name/namespace. */
  selectableFields: Readonly<Record<string, SelectableField>>;
  /** deprecationWarning, when set, is sent as a Warning header on every request to this version. */
  deprecationWarning?: string;
  /** custom marks a custom resource (a CRD's), which differs from built-ins in small ways upstream. */
  custom?: boolean;
  /** customScale locates a custom resource's replicas for its scale subresource. */
  customScale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** crdName names the CustomResourceDefinition a custom resource comes from. */
  crdName?: string;
}

/** groupVersion renders `v1` for the core group and `apps/v1` for the others. */
export function groupVersion(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** groupResource renders `pods` or `deployments.apps`, the form error messages use. */
export function groupResourceString(r: { group: string; plural: string }): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

/** SelectableField tells where a field selector's field lives in the object and how it prints. */
export interface SelectableField {
  path: readonly string[];
  /** type decides the value of an absent field: "" for strings, "false", "0". */
  type: 'string' | 'boolean' | 'integer';
}

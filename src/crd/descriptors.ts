/**
 * The resource table rows of a CustomResourceDefinition: one per served version. The generator
 * uses this for CRDs dropped into schemas/crds/, the server for CRDs created through the API,
 * so both paths describe a custom resource identically.
 */
import type { PrinterColumn } from '../registry/printer';
import type { ResourceDescriptor, SelectableField, SubresourceDescriptor, Verb } from '../resources/descriptor';
import type { CRD, CRDVersion } from './types';

/** CRD_VERBS is the order kube-apiserver lists custom resource verbs in. */
const CRD_VERBS: readonly Verb[] = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

const NAME_COLUMN: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
  jsonPath: '.metadata.name',
};

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
  jsonPath: '.metadata.creationTimestamp',
};

function columnType(t: string): PrinterColumn['type'] {
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'date' ? t : 'string';
}

/** printerColumnsOf is the Name column then the version's additionalPrinterColumns (Age when none). */
export function printerColumnsOf(v: CRDVersion): PrinterColumn[] {
  const cols = v.additionalPrinterColumns;
  if (!cols || cols.length === 0) return [NAME_COLUMN, AGE_COLUMN];
  return [
    NAME_COLUMN,
    ...cols.map((c) => ({
      name: c.name,
      type: columnType(c.type),
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
      jsonPath: c.jsonPath,
    })),
  ];
}

function fieldType(schema: Record<string, unknown> | undefined, path: readonly string[]): SelectableField['type'] {
  let s: unknown = schema;
  for (const p of path) s = (s as { properties?: Record<string, unknown> } | undefined)?.properties?.[p];
  const t = (s as { type?: string } | undefined)?.type;
  return t === 'boolean' ? 'boolean' : t === 'integer' ? 'integer' : 'string';
}

/** storageVersionOf is the version with `storage: true`. */
export function storageVersionOf(crd: CRD): string {
  return crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name ?? '';
}

/** descriptorsForCRD returns a row per served version. */
export function descriptorsForCRD(crd: CRD): ResourceDescriptor[] {
  const { group, names, scope } = crd.spec;
  const storageVersion = storageVersionOf(crd);
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v) => {
      const subresources: SubresourceDescriptor[] = [];
      if (v.subresources?.scale) subresources.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      if (v.subresources?.status) subresources.push({ name: 'status', group, version: v.name, kind: names.kind, verbs: ['get', 'patch', 'update'] });
      const selectableFields: Record<string, SelectableField> = {};
      for (const f of v.selectableFields ?? []) {
        const path = f.jsonPath.replace(/^\./, '').split('.');
        selectableFields[path.join('.')] = { path, type: fieldType(v.schema?.openAPIV3Schema, path) };
      }
      const d: ResourceDescriptor = {
        group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind || `${names.kind}List`,
        plural: names.plural,
        singular: names.singular || names.kind.toLowerCase(),
        namespaced: scope === 'Namespaced',
        verbs: CRD_VERBS,
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        subresources: subresources.sort((a, b) => a.name.localeCompare(b.name)),
        printerColumns: printerColumnsOf(v),
        storageVersion,
        etcdPrefix: `${group}/${names.plural}`,
        schema: `${group}/${v.name}/${names.kind}`,
        validatorModule: `${group}-${v.name}`,
        selectableFields,
        custom: true,
        crdName: crd.metadata.name ?? `${names.plural}.${group}`,
      };
      if (v.subresources?.scale) {
        const sc = v.subresources.scale;
        d.customScale = { specReplicasPath: sc.specReplicasPath, statusReplicasPath: sc.statusReplicasPath };
        if (sc.labelSelectorPath) d.customScale.labelSelectorPath = sc.labelSelectorPath;
      }
      if (v.deprecated) d.deprecationWarning = v.deprecationWarning ?? `${group}/${v.name} ${names.kind} is deprecated`;
      return d;
    });
}

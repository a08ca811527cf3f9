/**
 * OpenAPI v3 documents for custom resources' group-versions, as kube-apiserver publishes them
 * under /openapi/v3/apis/<group>/<version>: the kinds' schemas (what `kubectl explain` reads)
 * and their operations with the standard parameters (what kubectl reads to learn that the
 * server supports fieldValidation). Operations are shaped on the vendored core/v1 document's
 * ConfigMap (namespaced) and PersistentVolume (cluster-scoped) paths.
 */
import { isPlainObject } from '../meta/object';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { CRD } from './types';

type Json = Record<string, unknown>;

/** META_SCHEMAS are the shared definitions every custom resource document refers to. */
const META_SCHEMAS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry',
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails',
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Preconditions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
];

/** definitionName is upstream's name for a CRD kind: the group reversed (`io.cert-manager.v1.Certificate`). */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function kindSchema(crd: CRD, version: string, d: ResourceDescriptor): Json {
  const v = crd.spec.versions.find((x) => x.name === version);
  const schema = structuredClone((v?.schema?.openAPIV3Schema ?? { type: 'object' }) as Json);
  const props = isPlainObject(schema.properties) ? schema.properties : (schema.properties = {});
  props.apiVersion ??= { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
  props.kind ??= { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
  props.metadata = { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: "Standard object's metadata." };
  schema['x-kubernetes-group-version-kind'] = [{ group: d.group, kind: d.kind, version }];
  return schema;
}

function listSchema(d: ResourceDescriptor): Json {
  return {
    type: 'object',
    description: `${d.kind}List is a list of ${d.kind}`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta' }] },
      items: { type: 'array', items: { $ref: `#/components/schemas/${definitionName(d.group, d.version, d.kind)}` } },
    },
    'x-kubernetes-group-version-kind': [{ group: d.group, kind: d.listKind, version: d.version }],
  };
}

/**
 * pathsFor rewrites the template paths (ConfigMap or PersistentVolume) into the custom
 * resource's: URLs, schema references, operation ids and group-version-kinds.
 */
function pathsFor(d: ResourceDescriptor, core: Json): Json {
  const tpl = d.namespaced
    ? { plural: 'configmaps', kind: 'ConfigMap', list: '/api/v1/namespaces/{namespace}/configmaps', item: '/api/v1/namespaces/{namespace}/configmaps/{name}' }
    : { plural: 'persistentvolumes', kind: 'PersistentVolume', list: '/api/v1/persistentvolumes', item: '/api/v1/persistentvolumes/{name}' };
  const paths = (core.paths ?? {}) as Json;
  const base = `/apis/${d.group}/${d.version}`;
  const rewrite = (item: unknown): unknown =>
    JSON.parse(
      JSON.stringify(item)
        .split(`io.k8s.api.core.v1.${tpl.kind}List`)
        .join(definitionName(d.group, d.version, d.listKind))
        .split(`io.k8s.api.core.v1.${tpl.kind}`)
        .join(definitionName(d.group, d.version, d.kind))
        .split('"group":""')
        .join(`"group":${JSON.stringify(d.group)}`)
        .split('"version":"v1"')
        .join(`"version":${JSON.stringify(d.version)}`)
        .split(`"kind":"${tpl.kind}"`)
        .join(`"kind":${JSON.stringify(d.kind)}`)
        .split(`CoreV1Namespaced${tpl.kind}`)
        .join(`${d.version}Namespaced${d.kind}`)
        .split(`CoreV1${tpl.kind}`)
        .join(`${d.version}${d.kind}`),
    ) as unknown;
  const out: Json = {};
  const listPath = d.namespaced ? `${base}/namespaces/{namespace}/${d.plural}` : `${base}/${d.plural}`;
  if (paths[tpl.list]) out[listPath] = rewrite(paths[tpl.list]);
  if (paths[tpl.item]) out[`${listPath}/{name}`] = rewrite(paths[tpl.item]);
  return out;
}

/** crdDocuments builds one document per served custom resource group-version. */
export function crdDocuments(items: readonly { crd: CRD; descriptors: readonly ResourceDescriptor[] }[], core: unknown): Map<string, unknown> {
  const coreDoc = isPlainObject(core) ? core : {};
  const coreSchemas = (isPlainObject(coreDoc.components) && isPlainObject(coreDoc.components.schemas) ? coreDoc.components.schemas : {}) as Json;
  const docs = new Map<string, { paths: Json; schemas: Json }>();
  for (const { crd, descriptors } of items) {
    for (const d of descriptors) {
      const key = `apis/${d.group}/${d.version}`;
      let doc = docs.get(key);
      if (!doc) {
        doc = { paths: {}, schemas: {} };
        for (const name of META_SCHEMAS) if (coreSchemas[name]) doc.schemas[name] = coreSchemas[name];
        docs.set(key, doc);
      }
      doc.schemas[definitionName(d.group, d.version, d.kind)] = kindSchema(crd, d.version, d);
      doc.schemas[definitionName(d.group, d.version, d.listKind)] = listSchema(d);
      Object.assign(doc.paths, pathsFor(d, coreDoc));
    }
  }
  const out = new Map<string, unknown>();
  for (const [key, doc] of [...docs].sort(([a], [b]) => a.localeCompare(b))) {
    out.set(key, { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths: doc.paths, components: { schemas: doc.schemas } });
  }
  return out;
}

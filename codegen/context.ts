import { versionSchema } from '../src/crd/compile';
import { descriptorsForCRD } from '../src/crd/descriptors';
import { definitionName } from '../src/crd/openapi';
import type { KubeObject } from '../src/meta/object';
import { validateCRD } from '../src/registry/apiextensions/customresourcedefinitions';
import type { ResourceDescriptor } from '../src/resources/descriptor';
import type { Inputs } from './load';
import type { Schema } from './model';
import { mergeDefinitions } from './transform/merge';
import { groupVersionOf, resourcesOf, type GroupVersionInput, type Route } from './transform/resource';

/** GroupVersionContext is one served group-version with everything derived from it. */
export interface GroupVersionContext extends GroupVersionInput {
  resources: ResourceDescriptor[];
  routes: Route[];
}

/**
 * Context is built once from the inputs and read by every emitter: the merged definitions,
 * the served group-versions in a stable order, and their resources.
 */
export interface Context {
  inputs: Inputs;
  definitions: Map<string, Schema>;
  mergeNotes: string[];
  groupVersions: GroupVersionContext[];
}

/** buildContext merges definitions and derives the resource table. */
export function buildContext(inputs: Inputs): Context {
  const merged = mergeDefinitions(inputs.documents);
  const gvInputs = inputs.documents
    .map(groupVersionOf)
    .filter((g): g is GroupVersionInput => !!g)
    .sort((a, b) => (a.group === b.group ? a.version.localeCompare(b.version) : a.group.localeCompare(b.group)));
  const groupVersions: GroupVersionContext[] = gvInputs.map((gv) => ({ ...gv, ...resourcesOf(gv, merged.schemas, inputs.overlay) }));
  decideStorageVersions(inputs, groupVersions);
  checkOverlayKeys(inputs, groupVersions);
  groupVersions.push(...dropInGroupVersions(inputs, merged.schemas, groupVersions));
  return { inputs, definitions: merged.schemas, mergeNotes: merged.notes, groupVersions };
}

/**
 * dropInGroupVersions turns the CRDs of schemas/crds/ into group-versions like the built-in
 * ones: their resource rows come from the same function the server uses for CRDs created
 * through the API, their kind definitions (root schema with apiVersion, kind and metadata) join
 * the definition set so validators and types are emitted for them like for any kind.
 */
function dropInGroupVersions(inputs: Inputs, definitions: Map<string, Schema>, builtin: readonly GroupVersionContext[]): GroupVersionContext[] {
  const byGV = new Map<string, GroupVersionContext>();
  for (const { file, crd } of inputs.crds) {
    const errors = validateCRD(crd as unknown as KubeObject);
    if (errors.length) throw new Error(`${file}: ${errors.map((e) => e.message()).join('; ')}`);
    for (const d of descriptorsForCRD(crd)) {
      if (builtin.some((gv) => gv.group === d.group && gv.version === d.version)) {
        throw new Error(`${file}: ${d.group}/${d.version} is a built-in group-version`);
      }
      const definition = definitionName(d.group, d.version, d.kind);
      definitions.set(definition, { ...versionSchema(crd, d.version), 'x-kubernetes-group-version-kind': [{ group: d.group, version: d.version, kind: d.kind }] } as Schema);
      d.schema = definition;
      const id = `${d.group}-${d.version}`;
      let gv = byGV.get(id);
      if (!gv) {
        const doc = { openapi: '3.0.0', info: { title: `${d.group}/${d.version}`, version: 'unversioned' }, paths: {} };
        gv = { group: d.group, version: d.version, id, prefix: `/apis/${d.group}/${d.version}`, document: { file, release: 'crd', doc }, resources: [], routes: [] };
        byGV.set(id, gv);
      }
      gv.resources.push(d);
      gv.routes.push(...customRoutes(d));
    }
  }
  return [...byGV.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** customRoutes are the paths of a custom resource: the shapes the server binds for any CRD. */
function customRoutes(d: ResourceDescriptor): Route[] {
  const base = `/apis/${d.group}/${d.version}`;
  const collection = d.namespaced ? `${base}/namespaces/:namespace/${d.plural}` : `${base}/${d.plural}`;
  const watch = d.namespaced ? `${base}/watch/namespaces/:namespace/${d.plural}` : `${base}/watch/${d.plural}`;
  const r = (method: Route['method'], path: string, handler: string, subresource?: string): Route => ({ method, path, resource: d.plural, subresource, handler });
  const routes: Route[] = [];
  if (d.namespaced) routes.push(r('get', `${base}/${d.plural}`, 'list'), r('get', `${base}/watch/${d.plural}`, 'watchlist'));
  routes.push(
    r('get', collection, 'list'),
    r('post', collection, 'create'),
    r('delete', collection, 'deletecollection'),
    r('get', `${collection}/:name`, 'get'),
    r('put', `${collection}/:name`, 'update'),
    r('patch', `${collection}/:name`, 'patch'),
    r('delete', `${collection}/:name`, 'delete'),
    r('get', watch, 'watchlist'),
    r('get', `${watch}/:name`, 'watch'),
  );
  for (const s of d.subresources) {
    routes.push(r('get', `${collection}/:name/${s.name}`, 'get', s.name), r('put', `${collection}/:name/${s.name}`, 'update', s.name), r('patch', `${collection}/:name/${s.name}`, 'patch', s.name));
  }
  return routes;
}

/**
 * decideStorageVersions sets each resource's storage version: the only version serving it, or,
 * when several do, the one schemas/overlay/storage.yaml declares for its group.
 */
function decideStorageVersions(inputs: Inputs, gvs: GroupVersionContext[]): void {
  const versions = new Map<string, string[]>();
  for (const gv of gvs) for (const r of gv.resources) versions.set(`${r.group}/${r.plural}`, [...(versions.get(`${r.group}/${r.plural}`) ?? []), r.version]);
  for (const gv of gvs) {
    for (const r of gv.resources) {
      const served = versions.get(`${r.group}/${r.plural}`)!;
      const declared = inputs.overlay.storageVersions[r.group];
      if (served.length === 1) r.storageVersion = served[0];
      else if (declared && served.includes(declared)) r.storageVersion = declared;
      else throw new Error(`${r.plural}.${r.group} is served in ${served.join(', ')}: declare its storage version in schemas/overlay/storage.yaml`);
    }
  }
}

/** checkOverlayKeys fails on overlay entries that name no served resource (a typo would pass silently). */
function checkOverlayKeys(inputs: Inputs, gvs: GroupVersionContext[]): void {
  const known = new Set(gvs.flatMap((gv) => gv.resources.map((r) => (r.group ? `${r.plural}.${r.group}` : r.plural))));
  const o = inputs.overlay;
  const check = (file: string, keys: string[]) => {
    for (const k of keys) if (!known.has(k)) throw new Error(`schemas/overlay/${file}: ${k} is not a served resource`);
  };
  check('names.yaml', Object.keys(o.names));
  check('printers.yaml', Object.keys(o.printers));
  check('storage.yaml', Object.keys(o.etcdPrefixes));
  check('fields.yaml', Object.keys(o.fields));
}

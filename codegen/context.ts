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
  const groupVersions = gvInputs.map((gv) => ({ ...gv, ...resourcesOf(gv, merged.schemas, inputs.overlay) }));
  decideStorageVersions(inputs, groupVersions);
  checkOverlayKeys(inputs, groupVersions);
  return { inputs, definitions: merged.schemas, mergeNotes: merged.notes, groupVersions };
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

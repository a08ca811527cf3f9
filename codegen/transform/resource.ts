import type { ResourceDescriptor, SelectableField, SubresourceDescriptor, Verb } from '../../src/resources/descriptor';
import type { PrinterColumn } from '../../src/registry/printer';
import type { LoadedDocument, Overlay } from '../load';
import { HTTP_METHODS, type GroupVersionKind, type OpenAPIDocument, type Schema, COMPONENT_REF_PREFIX } from '../model';

/** GroupVersionInput is one served group-version and the document that defines it. */
export interface GroupVersionInput {
  group: string;
  version: string;
  /** id names generated files: `core-v1`, `apps-v1`, `networking.k8s.io-v1beta1`. */
  id: string;
  /** prefix is the URL prefix: `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  document: LoadedDocument;
}

/** Route is one (method, path) the group-version serves, bound to a generic handler. */
export interface Route {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  /** path in Koa form (`:namespace`, `:name`). */
  path: string;
  resource: string;
  subresource?: string;
  /** handler names the generic handler: list, create, get, update, patch, delete, deletecollection, watch, watchlist, connect. */
  handler: string;
}

/** groupVersionOf tells which group-version a document serves, or undefined for root documents. */
export function groupVersionOf(document: LoadedDocument): GroupVersionInput | undefined {
  for (const p of Object.keys(document.doc.paths).sort()) {
    const core = /^\/api\/(v[^/]+)\/$/.exec(p);
    if (core) return { group: '', version: core[1], id: `core-${core[1]}`, prefix: `/api/${core[1]}`, document };
    const named = /^\/apis\/([^/]+)\/(v[^/]+)\/$/.exec(p);
    if (named) {
      return { group: named[1], version: named[2], id: `${named[1]}-${named[2]}`, prefix: `/apis/${named[1]}/${named[2]}`, document };
    }
  }
  return undefined;
}

const ACTION_VERBS: Record<string, Verb | undefined> = {
  get: 'get',
  list: 'list',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
  watch: 'watch',
  watchlist: 'watch',
};

/** VERB_ORDER is the alphabetical order kube-apiserver's discovery lists verbs in. */
const VERB_ORDER: readonly string[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface ParsedPath {
  namespaced: boolean;
  resource: string;
  named: boolean;
  subresource?: string;
  watch: boolean;
  koaPath: string;
}

/**
 * parsePath splits `/api/v1/namespaces/{namespace}/pods/{name}/status` into its parts.
 * `{namespace}` marks a namespaced path; `/api/v1/namespaces/{name}` is the namespace itself.
 */
function parsePath(prefix: string, p: string): ParsedPath | undefined {
  if (!p.startsWith(prefix + '/')) return undefined;
  let segs = p.slice(prefix.length + 1).split('/');
  let watch = false;
  if (segs[0] === 'watch') {
    watch = true;
    segs = segs.slice(1);
  }
  let namespaced = false;
  if (segs[0] === 'namespaces' && segs[1] === '{namespace}' && segs.length > 2) {
    namespaced = true;
    segs = segs.slice(2);
  }
  const [resource, name, subresource, ...rest] = segs;
  if (!resource || resource.startsWith('{')) return undefined;
  if (name !== undefined && name !== '{name}') return undefined;
  if (rest.length > 0) return undefined; // proxy/{path}: served by the subresource route without the tail
  const koaPath = p.replace('{namespace}', ':namespace').replace('{name}', ':name');
  return { namespaced, resource, named: name !== undefined, subresource, watch, koaPath };
}

function handlerFor(action: string, parsed: ParsedPath): string | undefined {
  if (action === 'connect') return 'connect';
  if (action === 'watchlist') return 'watchlist';
  if (action === 'watch') return 'watch';
  if (action === 'list' && parsed.watch) return 'watchlist';
  if (ACTION_VERBS[action]) return action === 'post' ? 'create' : action === 'put' ? 'update' : action;
  return undefined;
}

/** kindSchema finds the definition carrying the group-version-kind. */
function kindSchema(defs: Map<string, Schema>, gvk: GroupVersionKind): string | undefined {
  const matches: string[] = [];
  for (const [name, s] of defs) {
    if (s['x-kubernetes-group-version-kind']?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) {
      matches.push(name);
    }
  }
  // meta types (DeleteOptions, WatchEvent) claim every group-version; a kind's own definition
  // is the one whose name ends with its kind and is not an apimachinery type.
  const own = matches.filter((n) => n.endsWith(`.${gvk.kind}`) && !n.startsWith('io.k8s.apimachinery.'));
  return own.sort()[0] ?? matches.sort()[0];
}

function groupResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

function resolvePath(defs: Map<string, Schema>, schemaName: string, path: readonly string[]): Schema | undefined {
  let s: Schema | undefined = defs.get(schemaName);
  for (const part of path) {
    s = s && deref(defs, s);
    s = s?.properties?.[part];
  }
  return s && deref(defs, s);
}

function deref(defs: Map<string, Schema>, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const ref = cur.$ref ?? (cur.allOf?.length === 1 ? cur.allOf[0].$ref : undefined);
    if (!ref) return cur;
    cur = defs.get(ref.slice(COMPONENT_REF_PREFIX.length)) ?? cur;
  }
  return cur;
}

function selectableFields(
  defs: Map<string, Schema>,
  schemaName: string,
  gr: string,
  overlay: Overlay,
): Record<string, SelectableField> {
  const out: Record<string, SelectableField> = {};
  const fields = overlay.fields[gr] ?? {};
  for (const name of Object.keys(fields).sort()) {
    const path = fields[name].split('.');
    const s = resolvePath(defs, schemaName, path);
    if (!s) throw new Error(`schemas/overlay/fields.yaml: ${gr} field ${name}: path ${fields[name]} is not in ${schemaName}`);
    const type = s.type === 'boolean' ? 'boolean' : s.type === 'integer' ? 'integer' : 'string';
    out[name] = { path, type };
  }
  return out;
}

function printerColumns(gr: string, overlay: Overlay): PrinterColumn[] {
  const cols = overlay.printers[gr];
  if (!cols) {
    // kube-apiserver's default table: the name and the age of each object.
    return [
      { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0, jsonPath: '.metadata.name' },
      { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0, jsonPath: '.metadata.creationTimestamp' },
    ];
  }
  return cols.map((c) => {
    const col: PrinterColumn = { name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 };
    if (c.jsonPath) col.jsonPath = c.jsonPath;
    return col;
  });
}

/** ResourceSet is what the generator learns from one group-version's paths. */
export interface ResourceSet {
  resources: ResourceDescriptor[];
  routes: Route[];
}

/**
 * resourcesOf derives the resource table rows and the routes of one group-version from its
 * paths: verbs from `x-kubernetes-action`, kinds from `x-kubernetes-group-version-kind`,
 * namespacing and subresources from the path shapes, the rest from the overlay.
 */
export function resourcesOf(gv: GroupVersionInput, defs: Map<string, Schema>, overlay: Overlay): ResourceSet {
  const doc: OpenAPIDocument = gv.document.doc;
  interface Acc {
    gvk?: GroupVersionKind;
    namespaced: boolean;
    verbs: Set<string>;
    subs: Map<string, { gvk?: GroupVersionKind; verbs: Set<string> }>;
  }
  const acc = new Map<string, Acc>();
  const routes: Route[] = [];
  for (const p of Object.keys(doc.paths).sort()) {
    const parsed = parsePath(gv.prefix, p);
    if (!parsed) continue;
    const item = doc.paths[p];
    let a = acc.get(parsed.resource);
    if (!a) acc.set(parsed.resource, (a = { namespaced: false, verbs: new Set(), subs: new Map() }));
    for (const method of HTTP_METHODS) {
      const op = item[method];
      const action = op?.['x-kubernetes-action'];
      if (!op || !action) continue;
      const handler = handlerFor(action, parsed);
      if (!handler) throw new Error(`${gv.document.file}: ${method.toUpperCase()} ${p}: unknown x-kubernetes-action ${action}`);
      const gvk = op['x-kubernetes-group-version-kind'];
      if (parsed.subresource) {
        let sub = a.subs.get(parsed.subresource);
        if (!sub) a.subs.set(parsed.subresource, (sub = { verbs: new Set() }));
        sub.gvk ??= gvk;
        sub.verbs.add(action === 'connect' ? (method === 'get' ? 'get' : 'create') : ACTION_VERBS[action] ?? action);
      } else {
        if (parsed.namespaced) a.namespaced = true;
        if (gvk && !a.gvk) a.gvk = gvk;
        const verb = ACTION_VERBS[action];
        if (verb) a.verbs.add(verb);
      }
      routes.push({ method, path: parsed.koaPath, resource: parsed.resource, subresource: parsed.subresource, handler });
    }
  }
  const resources: ResourceDescriptor[] = [];
  for (const plural of [...acc.keys()].sort()) {
    const a = acc.get(plural)!;
    // A resource with no verbs of its own (a path that only carries subresources) is not listed.
    if (!a.gvk || a.verbs.size === 0) continue;
    const gvk = a.gvk;
    const schema = kindSchema(defs, gvk);
    if (!schema) throw new Error(`${gv.document.file}: no definition carries ${gvk.group}/${gvk.version} ${gvk.kind}`);
    const gr = groupResource(gv.group, plural);
    const names = overlay.names[gr] ?? {};
    const subresources: SubresourceDescriptor[] = [...a.subs.keys()].sort().map((name) => {
      const s = a.subs.get(name)!;
      const sg = s.gvk ?? gvk;
      return { name, group: sg.group, version: sg.version, kind: sg.kind, verbs: sortVerbs(s.verbs) };
    });
    const d: ResourceDescriptor = {
      group: gv.group,
      version: gv.version,
      kind: gvk.kind,
      listKind: `${gvk.kind}List`,
      plural,
      singular: gvk.kind.toLowerCase(),
      namespaced: a.namespaced,
      verbs: sortVerbs(a.verbs) as Verb[],
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      subresources,
      printerColumns: printerColumns(gr, overlay),
      // decided once every group-version is known (see context.ts)
      storageVersion: '',
      etcdPrefix: overlay.etcdPrefixes[gr] ?? plural,
      schema,
      validatorModule: gv.id,
      selectableFields: selectableFields(defs, schema, gr, overlay),
    };
    const deprecation = overlay.deprecations[`${gr}/${gv.version}`];
    if (deprecation) d.deprecationWarning = deprecation;
    resources.push(d);
  }
  return { resources, routes };
}

function sortVerbs(verbs: Set<string>): string[] {
  return [...verbs].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
}

function rank(v: string): number {
  const i = VERB_ORDER.indexOf(v);
  return i < 0 ? VERB_ORDER.length : i;
}

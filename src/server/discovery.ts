import { createHash } from 'node:crypto';
import { groupVersion, type ResourceDescriptor } from '../resources/descriptor';

/**
 * Discovery documents, legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and
 * aggregated (apidiscovery.k8s.io/v2), all derived from the resource table.
 */

/** GROUP_ORDER is kube-apiserver's group priority; groups not named sort after, alphabetically. */
const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/** versionPriority orders v1 > v1beta2 > v1beta1 > v1alpha1 > non-Kubernetes versions, as upstream. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const level = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [la, ma, na] = parse(a);
  const [lb, mb, nb] = parse(b);
  return lb - la || mb - ma || nb - na || a.localeCompare(b);
}

export interface GroupInfo {
  name: string;
  /** versions in preference order; the first is preferred. */
  versions: string[];
}

/** groupsOf lists served groups in kube-apiserver's order with versions by preference. */
export function groupsOf(resources: readonly ResourceDescriptor[]): GroupInfo[] {
  const byGroup = new Map<string, Set<string>>();
  for (const r of resources) {
    let s = byGroup.get(r.group);
    if (!s) byGroup.set(r.group, (s = new Set()));
    s.add(r.version);
  }
  const rank = (g: string) => {
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  return [...byGroup.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([name, versions]) => ({ name, versions: [...versions].sort(compareVersions) }));
}

/** storageVersionHash is upstream's opaque hash of the storage group/version/kind. */
export function storageVersionHash(r: ResourceDescriptor): string {
  return createHash('sha256').update(`${r.group}/${r.storageVersion}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

function gvEntry(group: string, version: string) {
  return { groupVersion: group ? `${group}/${version}` : version, version };
}

export function apiGroup(g: GroupInfo): Record<string, unknown> {
  return {
    name: g.name,
    versions: g.versions.map((v) => gvEntry(g.name, v)),
    preferredVersion: gvEntry(g.name, g.versions[0]),
  };
}

/** apiResourceList is the legacy discovery of one group-version. */
export function apiResourceList(group: string, version: string, resources: readonly ResourceDescriptor[]): Record<string, unknown> {
  const list: Record<string, unknown>[] = [];
  for (const r of resources.filter((x) => x.group === group && x.version === version)) {
    const entry: Record<string, unknown> = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    entry.storageVersionHash = storageVersionHash(r);
    list.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
      if (s.group !== r.group || s.version !== r.version) {
        sub.group = s.group;
        sub.version = s.version;
      }
      list.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

/** aggregatedDiscovery renders the APIGroupDiscoveryList for /api (core) or /apis (the rest). */
export function aggregatedDiscovery(resources: readonly ResourceDescriptor[], core: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups = groupsOf(resources).filter((g) => (g.name === '') === core);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name, creationTimestamp: null } : { creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: resources
          .filter((r) => r.group === g.name && r.version === v)
          .map((r) => {
            const entry: Record<string, unknown> = {
              resource: r.plural,
              responseKind: { group: r.group, version: r.version, kind: r.kind },
              scope: r.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: r.singular,
              verbs: r.verbs,
            };
            if (r.shortNames.length) entry.shortNames = r.shortNames;
            if (r.categories.length) entry.categories = r.categories;
            if (r.subresources.length) {
              entry.subresources = r.subresources.map((s) => ({
                subresource: s.name,
                responseKind: { group: s.group, version: s.version, kind: s.kind },
                verbs: s.verbs,
              }));
            }
            return entry;
          }),
        freshness: 'Current',
      })),
    })),
  };
}

export { groupVersion };

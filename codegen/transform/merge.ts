import type { GroupVersionKind, Schema } from '../model';
import type { LoadedDocument } from '../load';

/**
 * Definitions shared by several documents (ObjectMeta, DeleteOptions, Status ...) come from
 * different Kubernetes releases, so their copies are not byte-identical. They are merged by one
 * explicit rule instead of trusting whichever copy is seen first:
 *
 * - copies must agree on everything that affects validation and types, once descriptions and
 *   `x-kubernetes-group-version-kind` are set aside; any other difference fails generation,
 *   naming the definition, the two documents and the first differing path;
 * - descriptions come from the copy in the newest release (ties: the later file name);
 * - `x-kubernetes-group-version-kind` lists are unioned, because each document only lists the
 *   group-versions its release knew, and the merged set serves all of them.
 */

/** MergedDefinitions is the single definition set every generator output reads. */
export interface MergedDefinitions {
  schemas: Map<string, Schema>;
  /** notes records each definition whose copies differed, and how it was resolved. */
  notes: string[];
}

/** releaseRank orders `1.30` < `1.31-dev` < `1.31` < `1.32`; `any` ranks lowest. */
export function releaseRank(release: string): number {
  const m = /^(\d+)\.(\d+)(-dev)?$/.exec(release);
  if (!m) return 0;
  return Number(m[1]) * 10000 + Number(m[2]) * 10 + (m[3] ? 0 : 1);
}

const IGNORED_KEYS = new Set(['description', 'x-kubernetes-group-version-kind']);

/** firstDifference returns the JSON path of the first difference that matters, or undefined. */
function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '.';
  if (Array.isArray(a) !== Array.isArray(b)) return at || '.';
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}[]`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].filter((k) => !IGNORED_KEYS.has(k)).sort();
  for (const k of keys) {
    const d = firstDifference(ao[k], bo[k], `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function gvkKey(g: GroupVersionKind): string {
  return `${g.group}/${g.version}/${g.kind}`;
}

function unionGvks(lists: GroupVersionKind[][]): GroupVersionKind[] {
  const byKey = new Map<string, GroupVersionKind>();
  for (const list of lists) for (const g of list) byKey.set(gvkKey(g), { group: g.group, kind: g.kind, version: g.version });
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

/** mergeDefinitions merges the component schemas of every document by the rule above. */
export function mergeDefinitions(documents: readonly LoadedDocument[]): MergedDefinitions {
  const ordered = [...documents].sort((x, y) => releaseRank(x.release) - releaseRank(y.release) || x.file.localeCompare(y.file));
  const copies = new Map<string, { file: string; schema: Schema }[]>();
  for (const d of ordered) {
    for (const [name, schema] of Object.entries(d.doc.components?.schemas ?? {})) {
      let list = copies.get(name);
      if (!list) copies.set(name, (list = []));
      list.push({ file: d.file, schema });
    }
  }
  const schemas = new Map<string, Schema>();
  const notes: string[] = [];
  for (const name of [...copies.keys()].sort()) {
    const list = copies.get(name)!;
    const newest = list[list.length - 1];
    for (const other of list.slice(0, -1)) {
      const diff = firstDifference(other.schema, newest.schema, '');
      if (diff) {
        throw new Error(
          `definition ${name} differs between ${other.file} and ${newest.file} at ${diff}; ` +
            'decide how to merge it in codegen/transform/merge.ts',
        );
      }
    }
    const gvkLists = list.map((c) => c.schema['x-kubernetes-group-version-kind']).filter((g): g is GroupVersionKind[] => !!g);
    const merged: Schema = { ...newest.schema };
    if (gvkLists.length) merged['x-kubernetes-group-version-kind'] = unionGvks(gvkLists);
    const distinct = new Set(list.map((c) => JSON.stringify(c.schema)));
    if (distinct.size > 1) {
      notes.push(`${name}: ${list.length} copies; description from ${newest.file}; group-version-kinds unioned`);
    }
    schemas.set(name, merged);
  }
  return { schemas, notes };
}

import { buildTypeTable, type TypeRoot } from '../../src/schema/build';
import { kindKey, type TypeTable } from '../../src/schema/typeinfo';
import type { Context } from '../context';
import { header, type GeneratedFile } from './output';

/** SCALE is autoscaling/v1 Scale: no resource of its own, but every scale subresource reads and writes it. */
const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** typeRoots lists the root definition of every served built-in kind, plus Scale. */
export function typeRoots(ctx: Context): TypeRoot[] {
  const roots = new Map<string, string>();
  // Custom resources (drop-in CRDs) get their structure at run time, without patch metadata.
  for (const gv of ctx.groupVersions) for (const r of gv.resources) if (!r.custom) roots.set(kindKey(r.group, r.version, r.kind), r.schema);
  const scale = [...ctx.definitions].find(([, s]) =>
    (s['x-kubernetes-group-version-kind'] ?? []).some((g) => g.group === SCALE.group && g.version === SCALE.version && g.kind === SCALE.kind),
  );
  if (!scale) throw new Error('no definition declares autoscaling/v1 Scale: the scale subresources need it');
  roots.set(kindKey(SCALE.group, SCALE.version, SCALE.kind), scale[0]);
  return [...roots].sort(([a], [b]) => a.localeCompare(b)).map(([key, definition]) => ({ key, definition }));
}

/**
 * emitTypeInfo writes generated/typeinfo.ts: the TypeTable of every served built-in kind, built
 * by the same function that reads CRD schemas at run time. One entry per line, keys sorted.
 */
export function emitTypeInfo(ctx: Context): GeneratedFile {
  const table = buildTypeTable(ctx.definitions, typeRoots(ctx), { patchMetadata: true });
  const inputs = ctx.inputs.documents.map((d) => d.file);
  const content =
    header('emit/typeinfo', inputs) +
    "import type { TypeTable } from '../src/schema/typeinfo';\n\n" +
    '/** builtinTypeTable is the structure of every served built-in kind, for merge algorithms. */\n' +
    `export const builtinTypeTable: TypeTable = ${render(table)};\n`;
  return { path: 'generated/typeinfo.ts', content };
}

function render(table: TypeTable): string {
  const section = (entries: Readonly<Record<string, unknown>>): string =>
    `{\n${Object.keys(entries)
      .sort()
      .map((k) => `    ${JSON.stringify(k)}: ${stableJSON(entries[k])},\n`)
      .join('')}  }`;
  return `{\n  kinds: ${section(table.kinds)},\n  patchMetadata: ${table.patchMetadata === true},\n  types: ${section(table.types)},\n}`;
}

/** stableJSON is JSON.stringify with object keys sorted, on one line. */
function stableJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJSON(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

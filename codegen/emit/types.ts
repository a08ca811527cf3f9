import openapiTS, { astToString } from 'openapi-typescript';
import { Project } from 'ts-morph';
import type { Context, GroupVersionContext } from '../context';
import { COMPONENT_REF_PREFIX, type Schema } from '../model';
import { header, type GeneratedFile } from './output';

/** reachable collects the definitions a set of roots refers to, transitively. */
export function reachable(defs: Map<string, Schema>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name) || !defs.has(name)) continue;
    seen.add(name);
    (function walk(v: unknown): void {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string' && x.startsWith(COMPONENT_REF_PREFIX)) stack.push(x.slice(COMPONENT_REF_PREFIX.length));
          else walk(x);
        }
      }
    })(defs.get(name));
  }
  return [...seen].sort();
}

/** ownKinds lists `[kind, definition]` for the definitions that belong to this group-version. */
export function ownKinds(ctx: Context, gv: GroupVersionContext): [string, string][] {
  const out = new Map<string, string>();
  for (const [name, s] of ctx.definitions) {
    for (const g of s['x-kubernetes-group-version-kind'] ?? []) {
      if (g.group !== gv.group || g.version !== gv.version) continue;
      // Meta types (DeleteOptions, WatchEvent) claim every group-version; only one alias per kind.
      const existing = out.get(g.kind);
      if (!existing || (existing.startsWith('io.k8s.apimachinery.') && !name.startsWith('io.k8s.apimachinery.'))) out.set(g.kind, name);
    }
  }
  return [...out.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * emitTypes writes one module per group-version: openapi-typescript's rendering of the
 * definitions the group-version reaches, plus a named alias per kind (`Pod`, `Deployment`).
 */
export async function emitTypes(ctx: Context): Promise<GeneratedFile[]> {
  const project = new Project({ useInMemoryFileSystem: true });
  const files: GeneratedFile[] = [];
  for (const gv of ctx.groupVersions) {
    const kinds = ownKinds(ctx, gv);
    const names = reachable(ctx.definitions, kinds.map(([, n]) => n));
    const schemas: Record<string, Schema> = {};
    for (const n of names) schemas[n] = ctx.definitions.get(n)!;
    const doc = { openapi: '3.0.0', info: { title: `${gv.group || 'core'}/${gv.version}`, version: 'unversioned' }, paths: {}, components: { schemas } };
    // openapi-typescript's types reach the JSON-schema shape it accepts; our Schema is that shape.
    const ast = await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0], { silent: true, alphabetize: true });
    const body = astToString(ast);
    const file = project.createSourceFile(`${gv.id}.ts`, body, { overwrite: true });
    file.addTypeAliases(
      kinds.map(([kind, def]) => ({
        name: kind,
        isExported: true,
        type: `components['schemas']['${def}']`,
        docs: [`${kind} is ${gv.group || 'core'}/${gv.version} ${kind} (definition ${def}).`],
      })),
    );
    files.push({
      path: `generated/types/${gv.id}.ts`,
      content: header('emit/types', [gv.document.file]) + file.getFullText(),
    });
  }
  return files;
}

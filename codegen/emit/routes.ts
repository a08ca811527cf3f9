import { Project, VariableDeclarationKind } from 'ts-morph';
import type { Context, GroupVersionContext } from '../context';
import { camel, identifier } from './names';
import { header, type GeneratedFile } from './output';
import { ownKinds } from './types';

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

function routeModule(ctx: Context, gv: GroupVersionContext): GeneratedFile {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile(`${gv.id}.ts`, '', { overwrite: true });
  const kinds = new Set(ownKinds(ctx, gv).map(([k]) => k));
  const served = new Map(gv.resources.map((r) => [r.plural, r]));
  file.addImportDeclaration({ defaultImport: 'Router', moduleSpecifier: '@koa/router' });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: '../../src/endpoints/factory', namedImports: ['EndpointFactory'] });
  file.addImportDeclaration({ moduleSpecifier: '../resources', namedImports: gv.resources.map((r) => identifier(gv.id, r.plural)) });
  if (gv.resources.some((r) => kinds.has(r.kind))) {
    file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: `../types/${gv.id}`, namespaceImport: 'T' });
  }
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'groupVersion', initializer: JSON.stringify({ group: gv.group, version: gv.version, prefix: gv.prefix }) }],
  });
  const lines: string[] = ['const routers: Record<string, Router> = {};'];
  for (const r of gv.resources) {
    const typeArg = kinds.has(r.kind) ? `<T.${r.kind}>` : '';
    const desc = identifier(gv.id, r.plural);
    const handlers = camel(r.plural);
    lines.push('{');
    lines.push(`const ${handlers} = endpointFactory.resource${typeArg}(${desc});`);
    lines.push(`const router = (routers['${r.plural}'] = new Router());`);
    const subs = new Map<string, string>();
    const routes = gv.routes
      .filter((rt) => rt.resource === r.plural && served.has(rt.resource))
      .sort((a, b) => a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
    for (const rt of routes) {
      let target = handlers;
      if (rt.subresource) {
        target = camel(r.plural, rt.subresource);
        if (!subs.has(rt.subresource)) {
          subs.set(rt.subresource, target);
          lines.push(`const ${target} = endpointFactory.subresource${typeArg}(${desc}, '${rt.subresource}');`);
        }
      }
      lines.push(`router.${rt.method}('${rt.path}', ${target}.${rt.handler});`);
    }
    lines.push('}');
  }
  lines.push('return routers;');
  file.addFunction({
    isExported: true,
    name: 'routes',
    docs: [`routes binds every path of ${gv.group || 'core'}/${gv.version} to the generic handlers, one router per resource (requests are dispatched by resource, so a request is matched against its resource's few routes only).`],
    parameters: [{ name: 'endpointFactory', type: 'EndpointFactory' }],
    returnType: 'Record<string, Router>',
    statements: lines,
  });
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return { path: `generated/routes/${gv.id}.ts`, content: header('emit/routes', [gv.document.file]) + file.getFullText() };
}

/** emitRoutes writes one route module per group-version and an index of them. */
export function emitRoutes(ctx: Context): GeneratedFile[] {
  const files = ctx.groupVersions.map((gv) => routeModule(ctx, gv));
  const project = new Project({ useInMemoryFileSystem: true });
  const index = project.createSourceFile('index.ts', '', { overwrite: true });
  for (const gv of ctx.groupVersions) {
    index.addImportDeclaration({ moduleSpecifier: `./${gv.id}`, namespaceImport: identifier(gv.id) });
  }
  index.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['groupVersions lists every served group-version with its route module, in discovery order.'],
    declarations: [{ name: 'groupVersions', initializer: `[\n  ${ctx.groupVersions.map((gv) => identifier(gv.id)).join(',\n  ')},\n]` }],
  });
  files.push({ path: 'generated/routes/index.ts', content: header('emit/routes', ['schemas/kubernetes']) + index.getFullText() });
  return files;
}

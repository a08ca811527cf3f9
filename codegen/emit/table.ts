import { Project, VariableDeclarationKind } from 'ts-morph';
import type { Context } from '../context';
import { identifier } from './names';
import { header, type GeneratedFile } from './output';

/**
 * emitTable writes generated/resources.ts: one exported descriptor per served resource and
 * the full table, in group, version, plural order.
 */
export function emitTable(ctx: Context): GeneratedFile {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('resources.ts', '', { overwrite: true });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: '../src/resources/descriptor', namedImports: ['ResourceDescriptor'] });
  const names: string[] = [];
  for (const gv of ctx.groupVersions) {
    for (const r of gv.resources) {
      const name = identifier(gv.id, r.plural);
      names.push(name);
      file.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        docs: [`${name} is ${r.plural} in ${gv.group || 'core'}/${gv.version}.`],
        declarations: [{ name, type: 'ResourceDescriptor', initializer: JSON.stringify(r, null, 2) }],
      });
    }
  }
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['resources is every built-in resource the schemas declare, one row per served version.'],
    declarations: [{ name: 'resources', type: 'readonly ResourceDescriptor[]', initializer: `[\n  ${names.join(',\n  ')},\n]` }],
  });
  const inputs = [...ctx.inputs.documents.map((d) => d.file), ...ctx.inputs.overlay.files];
  return { path: 'generated/resources.ts', content: header('emit/table', inputs) + file.getFullText() };
}

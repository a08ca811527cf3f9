import standaloneCode from 'ajv/dist/standalone';
import { newAjv, toAjvSchema, type SchemaMode } from '../../src/schema/ajv';
import type { Context } from '../context';
import { COMPONENT_REF_PREFIX } from '../model';
import { header, type GeneratedFile } from './output';
import { ownKinds } from './types';

/** ROOT_ID is the AJV id of the one schema holding every merged definition. */
const ROOT_ID = 'k8s';

const rewriteRef = (ref: string) => `${ROOT_ID}#/definitions/${ref.slice(COMPONENT_REF_PREFIX.length)}`;

/** FAMILIES are the generated function families, one module per group-version each. */
const FAMILIES: readonly { dir: string; constName: string; mode: SchemaMode; doc: string }[] = [
  { dir: 'validators', constName: 'validatorModules', mode: 'validate', doc: 'check types, required fields and formats' },
  { dir: 'defaulters', constName: 'defaulterModules', mode: 'default', doc: 'fill the OpenAPI defaults (the zero values Go always serializes); run them after validation, a default would hide a missing field' },
  { dir: 'pruners', constName: 'prunerModules', mode: 'prune', doc: 'remove fields the schema does not know (unknown-field detection and pruning)' },
];

/**
 * emitValidators writes, per family, one AJV standalone module per group-version exporting a
 * function per kind, compiled here so the server never compiles schemas at start-up.
 */
export function emitValidators(ctx: Context): GeneratedFile[] {
  return FAMILIES.flatMap((f) => emitFamily(ctx, f));
}

function emitFamily(ctx: Context, family: (typeof FAMILIES)[number]): GeneratedFile[] {
  const definitions: Record<string, unknown> = {};
  for (const [name, s] of ctx.definitions) definitions[name] = toAjvSchema(s, { mode: family.mode, rewriteRef });
  const files: GeneratedFile[] = [];
  const ids: string[] = [];
  for (const gv of ctx.groupVersions) {
    const kinds = ownKinds(ctx, gv).filter(([kind]) => gv.resources.some((r) => r.kind === kind));
    if (kinds.length === 0) continue;
    const ajv = newAjv(family.mode, true);
    ajv.addSchema({ $id: ROOT_ID, definitions });
    const refs: Record<string, string> = {};
    for (const [kind, def] of kinds) refs[kind] = `${ROOT_ID}#/definitions/${def}`;
    const code = standaloneCode(ajv, refs);
    files.push({ path: `generated/${family.dir}/${gv.id}.js`, content: header('emit/validators', [gv.document.file]) + code + '\n' });
    files.push({
      path: `generated/${family.dir}/${gv.id}.d.ts`,
      content:
        header('emit/validators', [gv.document.file]) +
        `import type { ValidateFunction } from 'ajv';\n\n` +
        kinds.map(([kind]) => `export declare const ${kind}: ValidateFunction;\n`).join(''),
    });
    ids.push(gv.id);
  }
  files.push({
    path: `generated/${family.dir}/index.ts`,
    content:
      header('emit/validators', ['schemas/kubernetes']) +
      `import type { ValidateFunction } from 'ajv';\n\n` +
      `/** ${family.constName} loads a group-version's ${family.dir} on first use (they ${family.doc}); start-up never pays for them. */\n` +
      `export const ${family.constName}: Readonly<Record<string, () => Readonly<Record<string, ValidateFunction>>>> = {\n` +
      ids.map((id) => `  '${id}': () => require('./${id}.js') as Record<string, ValidateFunction>,\n`).join('') +
      `};\n`,
  });
  return files;
}

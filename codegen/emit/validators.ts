import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import type { Context } from '../context';
import { COMPONENT_REF_PREFIX, type Schema } from '../model';
import { header, type GeneratedFile } from './output';
import { ownKinds } from './types';

/** ROOT_ID is the AJV id of the one schema holding every merged definition. */
const ROOT_ID = 'k8s';

/** VENDOR_KEYWORDS are understood (they carry no validation of their own here) rather than rejected. */
export const VENDOR_KEYWORDS = [
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-unions',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
] as const;

const INT32 = { minimum: -2147483648, maximum: 2147483647 };
/** BASE64 is what Go's encoding/json accepts for []byte fields (standard alphabet, padded). */
const BASE64 = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/**
 * toAjvSchema turns a Kubernetes definition into what AJV compiles: descriptions dropped (they
 * only bloat the generated code), refs pointed at the merged root, and the Kubernetes formats
 * expressed as checks AJV understands (int32 as a range, byte as base64); int64 and
 * int-or-string need nothing beyond their type.
 */
export function toAjvSchema(v: unknown, keepDefaults = false): unknown {
  if (Array.isArray(v)) return v.map((x) => toAjvSchema(x, keepDefaults));
  if (!v || typeof v !== 'object') return v;
  const s = v as Schema;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(s)) {
    if (k === 'description' || k === 'x-kubernetes-group-version-kind' || k === 'example') continue;
    if (k === 'default') {
      if (keepDefaults) out.default = x;
      continue;
    }
    if (k === '$ref' && typeof x === 'string') {
      out.$ref = `${ROOT_ID}#/definitions/${x.slice(COMPONENT_REF_PREFIX.length)}`;
      continue;
    }
    if (k === 'format') {
      if (x === 'int32') Object.assign(out, INT32);
      else if (x === 'byte') out.pattern = BASE64;
      else if (x === 'date-time') out.format = x;
      continue;
    }
    if (k === 'properties' && x && typeof x === 'object') {
      const props: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(x)) props[name] = toAjvSchema(p, keepDefaults);
      out.properties = props;
      continue;
    }
    out[k] = toAjvSchema(x, keepDefaults);
  }
  return out;
}

/** newAjv is the one AJV configuration used for every generated validator. */
export function newAjv(useDefaults = false): Ajv {
  const ajv = new Ajv({
    code: { source: true, lines: true },
    allErrors: true,
    useDefaults,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    validateFormats: true,
  });
  addFormats(ajv, ['date-time']);
  ajv.addVocabulary([...VENDOR_KEYWORDS]);
  return ajv;
}

/**
 * emitValidators writes one AJV standalone module per group-version exporting a validator per
 * kind, compiled here so the server never compiles schemas at start-up.
 */
export function emitValidators(ctx: Context): GeneratedFile[] {
  return [...emitFamily(ctx, 'validators', false), ...emitFamily(ctx, 'defaulters', true)];
}

/**
 * emitFamily compiles one standalone module per group-version. Validators check types and
 * required fields; defaulters fill the OpenAPI `default` values (the zero values Go always
 * serializes), and run only after validation, because a default would hide a missing field.
 */
function emitFamily(ctx: Context, family: 'validators' | 'defaulters', useDefaults: boolean): GeneratedFile[] {
  const definitions: Record<string, unknown> = {};
  for (const [name, s] of ctx.definitions) definitions[name] = toAjvSchema(s, useDefaults);
  const files: GeneratedFile[] = [];
  const ids: string[] = [];
  const what = useDefaults ? 'defaulters apply the OpenAPI defaults of' : 'validators check';
  for (const gv of ctx.groupVersions) {
    const kinds = ownKinds(ctx, gv).filter(([kind]) => gv.resources.some((r) => r.kind === kind));
    if (kinds.length === 0) continue;
    const ajv = newAjv(useDefaults);
    ajv.addSchema({ $id: ROOT_ID, definitions });
    const refs: Record<string, string> = {};
    for (const [kind, def] of kinds) refs[kind] = `${ROOT_ID}#/definitions/${def}`;
    const code = standaloneCode(ajv, refs);
    files.push({ path: `generated/${family}/${gv.id}.js`, content: header('emit/validators', [gv.document.file]) + code + '\n' });
    files.push({
      path: `generated/${family}/${gv.id}.d.ts`,
      content:
        header('emit/validators', [gv.document.file]) +
        `import type { ValidateFunction } from 'ajv';\n\n` +
        kinds.map(([kind]) => `export declare const ${kind}: ValidateFunction;\n`).join(''),
    });
    ids.push(gv.id);
  }
  files.push({
    path: `generated/${family}/index.ts`,
    content:
      header('emit/validators', ['schemas/kubernetes']) +
      `import type { ValidateFunction } from 'ajv';\n\n` +
      `/** ${family}Modules loads a group-version's ${family} on first use (these ${what} each kind): start-up never pays for them. */\n` +
      `export const ${family.slice(0, -1)}Modules: Readonly<Record<string, () => Readonly<Record<string, ValidateFunction>>>> = {\n` +
      ids.map((id) => `  '${id}': () => require('./${id}.js') as Record<string, ValidateFunction>,\n`).join('') +
      `};\n`,
  });
  return files;
}

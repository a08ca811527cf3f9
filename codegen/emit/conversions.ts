import * as fs from 'node:fs';
import * as path from 'node:path';
import { Node, Project, VariableDeclarationKind } from 'ts-morph';
import type { Context } from '../context';
import { COMPONENT_REF_PREFIX, type Schema } from '../model';
import { header, type GeneratedFile } from './output';
import { ownKinds } from './types';

/**
 * Conversions between the versions a kind is served in, in the manner of Kubernetes'
 * conversion-gen: per pair of definitions (one per version, walked in parallel from the kind's
 * definitions), a generated function copies every property the two schemas agree on, converts
 * nested objects whose definitions differ with the generated function of that pair, and calls a
 * hand-written hook for the properties that have no counterpart or whose types differ.
 *
 * - Two properties agree when they have the same name and structurally the same schema: type,
 *   format, int-or-string, preserve-unknown-fields and embedded-resource, items, map values,
 *   properties and oneOf/anyOf alternatives, through references. Descriptions, defaults,
 *   required lists, enums, validations and list/map/patch metadata do not change what a value
 *   looks like, so they are not compared. Two different kind definitions never agree: their
 *   objects' apiVersion differs (a list's items are converted, not copied).
 * - The pair of definitions `io.k8s.api.networking.v1beta1.IngressBackend` and
 *   `io.k8s.api.networking.v1.IngressBackend` is named from their last two segments:
 *   `autoConvert_v1beta1_IngressBackend_to_v1_IngressBackend` (generated, in
 *   generated/conversions/<group>.ts) and `convert_v1beta1_IngressBackend_to_v1_IngressBackend`
 *   (the hook, `(input, output, scope) => void`, exported from src/conversion/<module>.ts, where
 *   the module is the group's first label: `networking`, `apps`, `core` for the core group).
 * - A kind definition's `apiVersion` is rewritten to the target group-version when present.
 * - Generation fails, naming each definition pair and field, when a pair that differs has no hook,
 *   and when the hook module exports a hook no pair needs (it would never be called). Which names
 *   the hook module exports is read with ts-morph, so a hook is found whether or not it compiles.
 */

const HOOK_DIR = 'src/conversion';
const OUT_DIR = 'generated/conversions';
/** RUNTIME is the helpers module, as imported from generated/conversions/. */
const RUNTIME = '../../src/conversion/runtime';
/** HOOK_NAME matches what the hook modules export for the generator: anything else there is theirs. */
const HOOK_NAME = /^convert_\w+_to_\w+$/;
/** SHAPE_KEYWORDS are the scalar keywords that change what a valid value looks like. */
const SHAPE_KEYWORDS = ['type', 'format', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource'];
/** TYPE_META_VERSION is the property holding a kind's group-version, rewritten rather than copied. */
const TYPE_META_VERSION = 'apiVersion';

/** MultiVersionKind is one kind (or list kind) served in more than one version of its group. */
export interface MultiVersionKind {
  group: string;
  kind: string;
  hub: string;
  /** definitions maps each served version to the kind's definition in it. */
  definitions: ReadonlyMap<string, string>;
  /** documents are the OpenAPI documents of the versions, for the generated header. */
  documents: readonly string[];
}

type FieldAction =
  | { kind: 'copy' }
  | { kind: 'apiVersion'; value: string }
  | { kind: 'object' | 'array' | 'map'; pair: PairPlan }
  | { kind: 'hook'; why: string };

/** PairPlan is the generated function for one definition pair in one direction. */
export interface PairPlan {
  from: string;
  to: string;
  /** fn is the generated function's name, hook the hand-written hook's. */
  fn: string;
  hook: string;
  fields: { name: string; action: FieldAction }[];
  /** differences are the fields the hook converts, with why the generator could not. */
  differences: { field: string; why: string }[];
}

/** hookModuleOf names the hook module of a group: its first label (`networking`), `core` for the core group. */
export function hookModuleOf(group: string): string {
  return group ? group.split('.')[0] : 'core';
}

function refOf(s: Schema | undefined): string | undefined {
  const ref = s?.$ref ?? (s?.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
  return ref?.startsWith(COMPONENT_REF_PREFIX) ? ref.slice(COMPONENT_REF_PREFIX.length) : undefined;
}

/** token is the part of a function name naming a definition: its last two segments, `v1beta1_IngressBackend`. */
function token(definition: string): string {
  return definition.split('.').slice(-2).join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

function access(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** Planner walks definition pairs; one per group, so each group's file holds the functions it reaches. */
class Planner {
  readonly pairs = new Map<string, PairPlan>();
  readonly #byName = new Map<string, string>();

  constructor(private readonly defs: ReadonlyMap<string, Schema>) {}

  #definition(name: string): Schema {
    const d = this.defs.get(name);
    if (!d) throw new Error(`conversions: definition ${name} is referenced but not defined`);
    return d;
  }

  /** resolve follows a reference to its definition; an inline schema is itself. */
  #resolve(s: Schema): Schema {
    const ref = refOf(s);
    return ref ? this.#definition(ref) : s;
  }

  /** structRef names the definition a reference points to when it has properties (a Go struct, which can be paired). */
  #structRef(s: Schema | undefined): string | undefined {
    const ref = refOf(s);
    return ref && this.#definition(ref).properties ? ref : undefined;
  }

  /** same tells whether every value of one schema is the same value of the other (see the file comment). */
  same(a: Schema, b: Schema, assumed = new Set<string>()): boolean {
    const ra = refOf(a);
    const rb = refOf(b);
    if (ra !== undefined && ra === rb) return true;
    // Two kinds are never the same: each object's apiVersion names its own version, so a kind
    // nested in another (a list's items) is converted by its pair's function, which rewrites it.
    if ([ra, rb].some((r) => r !== undefined && this.#definition(r)['x-kubernetes-group-version-kind']?.length)) return false;
    if (ra !== undefined && rb !== undefined) {
      // Recursive definitions: a pair already being compared is assumed the same; if it is not,
      // the comparison that assumed it fails elsewhere.
      const key = `${ra}\n${rb}`;
      if (assumed.has(key)) return true;
      assumed.add(key);
    }
    const x = this.#resolve(a);
    const y = this.#resolve(b);
    for (const k of SHAPE_KEYWORDS) if (x[k] !== y[k]) return false;
    if (!!x.items !== !!y.items || (x.items && !this.same(x.items, y.items!, assumed))) return false;
    const ax = x.additionalProperties;
    const ay = y.additionalProperties;
    if (typeof ax === 'object' || typeof ay === 'object') {
      if (typeof ax !== 'object' || typeof ay !== 'object' || !this.same(ax, ay, assumed)) return false;
    } else if ((ax ?? false) !== (ay ?? false)) return false;
    const px = Object.keys(x.properties ?? {}).sort();
    const py = Object.keys(y.properties ?? {}).sort();
    if (px.join('\n') !== py.join('\n')) return false;
    if (!!x.properties !== !!y.properties) return false;
    for (const p of px) if (!this.same(x.properties![p], y.properties![p], assumed)) return false;
    for (const k of ['oneOf', 'anyOf'] as const) {
      const ox = x[k] ?? [];
      const oy = y[k] ?? [];
      if (ox.length !== oy.length || ox.some((s, i) => !this.same(s, oy[i], assumed))) return false;
    }
    const allX = refOf(x) ? [] : (x.allOf ?? []);
    const allY = refOf(y) ? [] : (y.allOf ?? []);
    if (allX.length !== allY.length || allX.some((s, i) => !this.same(s, allY[i], assumed))) return false;
    return true;
  }

  /** describe renders a property's schema for an error message. */
  #describe(s: Schema): string {
    const ref = refOf(s);
    if (ref) return ref;
    if (s.type === 'array' && s.items) return `array of ${this.#describe(s.items)}`;
    if (typeof s.additionalProperties === 'object') return `map of ${this.#describe(s.additionalProperties)}`;
    return [s.type ?? 'any', s.format ? `(${s.format})` : ''].filter(Boolean).join(' ');
  }

  /** plan returns the plan of converting `from` into `to`, planning the nested pairs it reaches. */
  plan(from: string, to: string): PairPlan {
    const key = `${from}\n${to}`;
    const known = this.pairs.get(key);
    if (known) return known;
    const fn = `autoConvert_${token(from)}_to_${token(to)}`;
    const clash = this.#byName.get(fn);
    if (clash && clash !== key) {
      throw new Error(`conversions: ${from} → ${to} and ${clash.replace('\n', ' → ')} would both be named ${fn}`);
    }
    this.#byName.set(fn, key);
    const plan: PairPlan = { from, to, fn, hook: `convert_${token(from)}_to_${token(to)}`, fields: [], differences: [] };
    this.pairs.set(key, plan);
    const a = this.#definition(from);
    const b = this.#definition(to);
    const gvk = b['x-kubernetes-group-version-kind']?.[0];
    const names = [...new Set([...Object.keys(a.properties ?? {}), ...Object.keys(b.properties ?? {})])].sort();
    for (const name of names) {
      const pa = a.properties?.[name];
      const pb = b.properties?.[name];
      let action: FieldAction;
      if (!pa) action = { kind: 'hook', why: `only in ${to}` };
      else if (!pb) action = { kind: 'hook', why: `only in ${from}` };
      else if (name === TYPE_META_VERSION && gvk && pa.type === 'string' && pb.type === 'string') {
        action = { kind: 'apiVersion', value: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version };
      } else if (this.same(pa, pb)) action = { kind: 'copy' };
      else action = this.#nested(pa, pb) ?? { kind: 'hook', why: `${this.#describe(pa)} in ${from}, ${this.#describe(pb)} in ${to}` };
      if (action.kind === 'hook') plan.differences.push({ field: name, why: action.why });
      plan.fields.push({ name, action });
    }
    return plan;
  }

  /** nested pairs two properties that hold objects (alone, in arrays or in maps) of differing definitions. */
  #nested(pa: Schema, pb: Schema): FieldAction | undefined {
    const x = this.#resolve(pa);
    const y = this.#resolve(pb);
    const object = [this.#structRef(pa), this.#structRef(pb)];
    if (object[0] && object[1]) return { kind: 'object', pair: this.plan(object[0], object[1]) };
    if (x.type === 'array' && y.type === 'array') {
      const items = [this.#structRef(x.items), this.#structRef(y.items)];
      if (items[0] && items[1]) return { kind: 'array', pair: this.plan(items[0], items[1]) };
    }
    if (typeof x.additionalProperties === 'object' && typeof y.additionalProperties === 'object') {
      const values = [this.#structRef(x.additionalProperties), this.#structRef(y.additionalProperties)];
      if (values[0] && values[1]) return { kind: 'map', pair: this.plan(values[0], values[1]) };
    }
    return undefined;
  }
}

/** multiVersionKinds lists the kinds, and their list kinds, that more than one version of their group serves. */
export function multiVersionKinds(ctx: Context): MultiVersionKind[] {
  const rows = new Map<string, { kind: string; listKind: string; hub: string; versions: Map<string, { def: string; listDef?: string; document: string }> }>();
  for (const gv of ctx.groupVersions) {
    const definitionOf = new Map(ownKinds(ctx, gv));
    for (const r of gv.resources) {
      const key = `${r.group}/${r.plural}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { kind: r.kind, listKind: r.listKind, hub: r.storageVersion, versions: new Map() }));
      if (row.kind !== r.kind) throw new Error(`conversions: ${r.plural}.${r.group} is kind ${row.kind} in one version and ${r.kind} in ${r.version}`);
      row.versions.set(r.version, { def: r.schema, listDef: definitionOf.get(r.listKind), document: gv.document.file });
    }
  }
  const out: MultiVersionKind[] = [];
  for (const [key, row] of [...rows].sort((x, y) => x[0].localeCompare(y[0]))) {
    if (row.versions.size < 2) continue;
    const group = key.slice(0, key.lastIndexOf('/'));
    const versions = [...row.versions.keys()].sort();
    const documents = [...new Set(versions.map((v) => row.versions.get(v)!.document))].sort();
    out.push({ group, kind: row.kind, hub: row.hub, definitions: new Map(versions.map((v) => [v, row.versions.get(v)!.def])), documents });
    const lists = versions.map((v) => [v, row.versions.get(v)!.listDef] as const);
    const missing = lists.filter(([, d]) => !d).map(([v]) => v);
    if (missing.length) throw new Error(`conversions: ${row.listKind} has no definition in ${group}/${missing.join(', ')}`);
    out.push({ group, kind: row.listKind, hub: row.hub, definitions: new Map(lists as [string, string][]), documents });
  }
  return out;
}

/** exportedHooks reads the names a hook module exports as functions (and those it exports otherwise). */
function exportedHooks(file: string): { functions: Set<string>; others: Set<string> } {
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, compilerOptions: { allowJs: false } });
  const source = project.addSourceFileAtPath(file);
  const functions = new Set<string>();
  const others = new Set<string>();
  for (const [name, decls] of source.getExportedDeclarations()) {
    const isFunction = decls.some(
      (d) =>
        Node.isFunctionDeclaration(d) ||
        (Node.isVariableDeclaration(d) && (Node.isArrowFunction(d.getInitializer()) || Node.isFunctionExpression(d.getInitializer()))),
    );
    (isFunction ? functions : others).add(name);
  }
  return { functions, others };
}

/**
 * checkHooks fails, naming every definition pair and field, when a pair that differs has no hook
 * in the group's hook module, and when the module exports a hook nothing calls.
 */
function checkHooks(root: string, group: string, plans: readonly PairPlan[]): string | undefined {
  const rel = `${HOOK_DIR}/${hookModuleOf(group)}.ts`;
  const abs = path.join(root, rel);
  const needed = plans.filter((p) => p.differences.length > 0);
  const exported = fs.existsSync(abs) ? exportedHooks(abs) : { functions: new Set<string>(), others: new Set<string>() };
  const problems: string[] = [];
  for (const p of needed) {
    if (exported.functions.has(p.hook)) continue;
    const fields = p.differences.map((d) => `field ${d.field} (${d.why})`).join(', ');
    const what = exported.others.has(p.hook) ? 'is exported but is not a function' : 'is missing';
    problems.push(`${p.from} → ${p.to} differ in ${fields}: hook ${p.hook}(input, output, scope) ${what} in ${rel}`);
  }
  const wanted = new Set(needed.map((p) => p.hook));
  for (const name of [...exported.functions, ...exported.others].sort()) {
    if (HOOK_NAME.test(name) && !wanted.has(name)) problems.push(`${rel} exports ${name}, but no definition pair of ${group || 'core'} differs that way: nothing would call it`);
  }
  return problems.length ? problems.join('\n  ') : undefined;
}

function fieldStatement(name: string, action: FieldAction): string | undefined {
  const src = `input${access(name)}`;
  const dst = `output${access(name)}`;
  switch (action.kind) {
    case 'copy':
      return `if (${src} !== undefined) ${dst} = copy(${src});`;
    case 'apiVersion':
      return `if (${src} !== undefined) ${dst} = ${JSON.stringify(action.value)};`;
    case 'object':
      return `if (${src} !== undefined) ${dst} = convertObject(${src}, ${action.pair.fn}, scope);`;
    case 'array':
      return `if (${src} !== undefined) ${dst} = convertEach(${src}, ${action.pair.fn}, scope);`;
    case 'map':
      return `if (${src} !== undefined) ${dst} = convertValues(${src}, ${action.pair.fn}, scope);`;
    case 'hook':
      return undefined;
  }
}

const HELPER_OF: Readonly<Record<FieldAction['kind'], string | undefined>> = {
  copy: 'copy',
  apiVersion: undefined,
  object: 'convertObject',
  array: 'convertEach',
  map: 'convertValues',
  hook: undefined,
};

function pairDocs(p: PairPlan, hookFile: string): string {
  const list = (kinds: FieldAction['kind'][]) =>
    p.fields
      .filter((f) => kinds.includes(f.action.kind))
      .map((f) => f.name)
      .join(', ');
  const lines = [`${p.fn} converts ${p.from} to ${p.to}.`, ''];
  const copied = list(['copy']);
  const converted = list(['object', 'array', 'map']);
  if (copied) lines.push(`Copied: ${copied}.`);
  if (list(['apiVersion'])) lines.push(`Rewritten: apiVersion.`);
  if (converted) lines.push(`Converted by their pair's function: ${converted}.`);
  if (p.differences.length) {
    lines.push(`Left to the hook ${p.hook} (${hookFile}): ${p.differences.map((d) => `${d.field} (${d.why})`).join(', ')}.`);
  }
  return lines.join('\n');
}

function groupFile(group: string, kinds: readonly MultiVersionKind[], plans: readonly PairPlan[], root: string, overlayFiles: readonly string[]): GeneratedFile {
  const hookFile = `${HOOK_DIR}/${hookModuleOf(group)}.ts`;
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile(`${group}.ts`, '', { overwrite: true });
  const helpers = new Set<string>();
  for (const p of plans) for (const f of p.fields) if (HELPER_OF[f.action.kind]) helpers.add(HELPER_OF[f.action.kind]!);
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: RUNTIME, namedImports: ['ConversionScope', 'JsonObject'] });
  if (helpers.size) file.addImportDeclaration({ moduleSpecifier: RUNTIME, namedImports: [...helpers].sort() });
  const hooked = plans.some((p) => p.differences.length > 0);
  if (hooked) file.addImportDeclaration({ moduleSpecifier: `../../${hookFile.replace(/\.ts$/, '')}`, namespaceImport: 'hooks' });
  for (const p of [...plans].sort((x, y) => x.fn.localeCompare(y.fn))) {
    const statements = ['const output: JsonObject = {};'];
    for (const f of p.fields) {
      const s = fieldStatement(f.name, f.action);
      if (s) statements.push(s);
    }
    if (p.differences.length) statements.push(`hooks.${p.hook}(input, output, scope);`);
    statements.push('return output;');
    file.addFunction({
      isExported: true,
      name: p.fn,
      docs: [pairDocs(p, hookFile)],
      parameters: [
        { name: 'input', type: 'JsonObject' },
        { name: 'scope', type: 'ConversionScope' },
      ],
      returnType: 'JsonObject',
      statements,
    });
  }
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  const inputs = [...new Set(kinds.flatMap((k) => k.documents))].sort();
  inputs.push(...overlayFiles.filter((f) => f.endsWith('/storage.yaml')));
  if (hooked && fs.existsSync(path.join(root, hookFile))) inputs.push(hookFile);
  return { path: `${OUT_DIR}/${group}.ts`, content: header('emit/conversions', inputs) + file.getFullText() };
}

function identifierOf(group: string): string {
  return (group || 'core').replace(/[^A-Za-z0-9_]/g, '_');
}

function indexFile(kinds: readonly MultiVersionKind[], plans: ReadonlyMap<string, Planner>): GeneratedFile {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('index.ts', '', { overwrite: true });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: RUNTIME, namedImports: ['KindConversions'] });
  for (const group of [...new Set(kinds.map((k) => k.group))].sort()) {
    file.addImportDeclaration({ moduleSpecifier: `./${group}`, namespaceImport: identifierOf(group) });
  }
  const entries: string[] = [];
  for (const k of kinds) {
    const planner = plans.get(k.group)!;
    const hubDef = k.definitions.get(k.hub)!;
    const hubVersion = k.group ? `${k.group}/${k.hub}` : k.hub;
    const direction = (to: 'hub' | 'version') => {
      const out: string[] = [];
      for (const [version, def] of k.definitions) {
        if (version === k.hub) continue;
        const p = to === 'hub' ? planner.plan(def, hubDef) : planner.plan(hubDef, def);
        const apiVersion = to === 'hub' ? hubVersion : k.group ? `${k.group}/${version}` : version;
        out.push(
          `${JSON.stringify(version)}: (input, scope) => {\n` +
            `const output = ${identifierOf(k.group)}.${p.fn}(input, scope);\n` +
            `output.apiVersion = ${JSON.stringify(apiVersion)};\n` +
            `return output;\n},`,
        );
      }
      return out.join('\n');
    };
    entries.push(
      `${JSON.stringify(`${k.group}/${k.kind}`)}: {\n` +
        `hub: ${JSON.stringify(k.hub)},\n` +
        `versions: ${JSON.stringify([...k.definitions.keys()])},\n` +
        `toHub: {\n${direction('hub')}\n},\n` +
        `fromHub: {\n${direction('version')}\n},\n},`,
    );
  }
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      'conversions is every kind served in more than one version, keyed `<group>/<kind>` (list kinds ' +
        'included): its hub (storage) version and, per other version, the converters to and from the ' +
        'hub. Each converter sets the apiVersion of the object it returns; src/conversion/index.ts is ' +
        'the API the request path uses.',
    ],
    declarations: [{ name: 'conversions', type: 'Readonly<Record<string, KindConversions>>', initializer: `{\n${entries.join('\n')}\n}` }],
  });
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return { path: `${OUT_DIR}/index.ts`, content: header('emit/conversions', ['schemas/kubernetes', 'schemas/overlay/storage.yaml']) + file.getFullText() };
}

/**
 * emitConversions writes generated/conversions/<group>.ts for every group with a kind served in
 * more than one version, and generated/conversions/index.ts, the registry of converters. It throws
 * when a definition pair that differs has no hand-written hook (see the file comment).
 */
export function emitConversions(ctx: Context): GeneratedFile[] {
  const kinds = multiVersionKinds(ctx);
  const planners = new Map<string, Planner>();
  const modules = new Map<string, string>();
  for (const k of kinds) {
    if (!planners.has(k.group)) planners.set(k.group, new Planner(ctx.definitions));
    const planner = planners.get(k.group)!;
    const other = modules.get(hookModuleOf(k.group));
    if (other !== undefined && other !== k.group) {
      throw new Error(`conversions: groups ${other} and ${k.group} would share the hook module ${HOOK_DIR}/${hookModuleOf(k.group)}.ts`);
    }
    modules.set(hookModuleOf(k.group), k.group);
    const hub = k.definitions.get(k.hub);
    if (!hub) throw new Error(`conversions: ${k.kind}.${k.group} is not served in its storage version ${k.hub}`);
    for (const [version, def] of k.definitions) {
      if (version === k.hub) continue;
      planner.plan(def, hub);
      planner.plan(hub, def);
    }
  }
  const problems: string[] = [];
  const files: GeneratedFile[] = [];
  for (const [group, planner] of [...planners].sort((x, y) => x[0].localeCompare(y[0]))) {
    const plans = [...planner.pairs.values()];
    const problem = checkHooks(ctx.inputs.root, group, plans);
    if (problem) problems.push(problem);
    files.push(groupFile(group, kinds.filter((k) => k.group === group), plans, ctx.inputs.root, ctx.inputs.overlay.files));
  }
  if (problems.length) {
    throw new Error(`conversions: where two versions' schemas differ, a hand-written hook must convert the field:\n  ${problems.join('\n  ')}`);
  }
  files.push(indexFile(kinds, planners));
  return files;
}

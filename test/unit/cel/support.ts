/**
 * Helpers of the CEL tests: reading fixtures, adding rules to a real CRD's schema, compiling
 * schemas and evaluating single expressions.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse as parseYaml } from 'yaml';

import type { FieldError } from '../../../src/apierrors';
import { compileSchemaRulesSync, type CompiledRules } from '../../../src/cel';
import { compileExpression, isCompileFailure } from '../../../src/cel/compile';
import { metered } from '../../../src/cel/cost';
import type { CelType } from '../../../src/cel/types';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const CEL_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/cel');
/** REAL_CRDS are verbatim copies of ../shared/crds (see test/fixtures/crds/README.md). */
export const REAL_CRDS = path.join(REPO_ROOT, 'test/fixtures/crds');

export type Json = Record<string, unknown>;

export function readYaml<T = Json>(file: string): T {
  return parseYaml(fs.readFileSync(file, 'utf8')) as T;
}

/** crdSchema returns the openAPIV3Schema of a CRD's first version. */
export function crdSchema(crd: Json): Json {
  const versions = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: Json } }> }).versions;
  return versions[0].schema.openAPIV3Schema;
}

interface Overlay {
  path: string;
  rules: Json[];
}

/** addRules adds an overlay's rules to a schema (paths as test/fixtures/cel/README.md says). */
export function addRules(schema: Json, overlay: readonly Overlay[]): void {
  for (const { path: p, rules } of overlay) {
    let node = schema;
    for (const seg of p ? p.split('.') : []) {
      if (seg === '{}') {
        node = node.additionalProperties as Json;
        continue;
      }
      const items = seg.endsWith('[]');
      node = (node.properties as Record<string, Json>)[items ? seg.slice(0, -2) : seg];
      if (items) node = node.items as Json;
      assert.ok(node, `schema path ${p}`);
    }
    node['x-kubernetes-validations'] = [...((node['x-kubernetes-validations'] as Json[] | undefined) ?? []), ...rules];
  }
}

/** messages renders field errors as kube-apiserver prints them. */
export const messages = (errs: readonly FieldError[]) => errs.map((e) => e.message());

/** compileOk compiles a schema and fails the test on compile errors. */
export function compileOk(schema: unknown): CompiledRules {
  const r = compileSchemaRulesSync(schema);
  assert.deepEqual(messages(r.errors), [], 'schema compiles');
  return r;
}

/** obj builds a small object schema: `{type: object, properties}` plus extras. */
export function objectSchema(properties: Json, extra: Json = {}): Json {
  return { type: 'object', properties, ...extra };
}

/** evalExpr compiles and runs one expression without variables; errors come back as Error. */
export function evalExpr(source: string, vars: ReadonlyMap<string, CelType> = new Map(), bindings: Record<string, unknown> = {}): unknown {
  const c = compileExpression(source, vars);
  if (isCompileFailure(c)) throw new Error(`compile: ${c.error}`);
  return metered(1_000_000, () => c.program(bindings)).value;
}

/** compileError returns the compile error of an expression (fails when it compiles). */
export function compileError(source: string, vars: ReadonlyMap<string, CelType> = new Map(), output?: 'bool' | 'string'): string {
  const c = compileExpression(source, vars, output);
  assert.ok(isCompileFailure(c), `expected ${source} not to compile`);
  return c.error;
}

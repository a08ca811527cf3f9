/**
 * Compiling a CustomResourceDefinition's schemas at run time, with the same translation to AJV
 * the generator uses for built-in kinds (src/schema/ajv.ts): one validator, defaulter and pruner
 * per version, and the merge structure for apply and patches.
 */
import type { ValidateFunction } from 'ajv';
import { FieldError, invalid } from '../apierrors';
import { newAjv, toAjvSchema, type SchemaMode } from '../schema/ajv';
import { buildTypeTable } from '../schema/build';
import type { OpenAPISchema } from '../schema/openapi';
import { kindKey, type TypeRef, type TypeTable } from '../schema/typeinfo';
import type { CRD } from './types';
import { compileSchemaRulesSync, type CompiledRules } from '../cel';

/** VersionSchemas is what serving one version of a custom resource needs. */
export interface VersionSchemas {
  validator: ValidateFunction;
  defaulter: ValidateFunction;
  pruner: ValidateFunction;
  types: { table: TypeTable; root: TypeRef };
  /** rules are the version's x-kubernetes-validations, compiled. */
  rules: CompiledRules;
}

/** PERMISSIVE_OBJECT is the schema of a version without one (apiextensions v1 requires one; older data may lack it). */
const PERMISSIVE_OBJECT = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * rootSchema adds what every custom resource has whatever its schema says: apiVersion, kind
 * and metadata (ObjectMeta, validated by the registry, never pruned here).
 */
export function rootSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const props = { ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  props.apiVersion = { type: 'string' };
  props.kind = { type: 'string' };
  props.metadata = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return { ...schema, type: 'object', properties: props };
}

function compile(schema: Record<string, unknown>, mode: SchemaMode): ValidateFunction {
  return newAjv(mode).compile(toAjvSchema(schema, { mode }) as object);
}

/** versionSchema is a version's root schema as validators see it (what the generator compiles for drop-ins). */
export function versionSchema(crd: CRD, version: string): Record<string, unknown> {
  const v = crd.spec.versions.find((x) => x.name === version);
  return rootSchema(v?.schema?.openAPIV3Schema ?? PERMISSIVE_OBJECT);
}

/** compileCRD compiles every version; errors name the version's schema field, as CRD validation reports them. */
export function compileCRD(crd: CRD): { versions: Map<string, VersionSchemas>; errors: FieldError[] } {
  const versions = new Map<string, VersionSchemas>();
  const errors: FieldError[] = [];
  crd.spec.versions.forEach((v, i) => {
    const raw = v.schema?.openAPIV3Schema ?? PERMISSIVE_OBJECT;
    const schema = rootSchema(raw);
    const field = `spec.versions[${i}].schema.openAPIV3Schema`;
    try {
      // CEL rules are compiled against the schema as written (without the added root fields).
      const rules = compileSchemaRulesSync(raw, { path: field });
      errors.push(...rules.errors);
      const definition = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      const key = kindKey(crd.spec.group, v.name, crd.spec.names.kind);
      const table = buildTypeTable({ [definition]: schema as OpenAPISchema }, [{ key, definition }]);
      versions.set(v.name, {
        validator: compile(schema, 'validate'),
        defaulter: compile(schema, 'default'),
        pruner: compile(schema, 'prune'),
        types: { table, root: definition },
        rules,
      });
    } catch (e) {
      errors.push(invalid(field, '', `cannot be compiled: ${(e as Error).message}`));
    }
  });
  return { versions, errors };
}

/**
 * Compiling a CustomResourceDefinition's schemas at run time: per version the schema validator
 * (the same translation to AJV the generator uses for built-in kinds, src/schema/ajv.ts, read
 * as a CRD schema), the CEL rules, the merge structure for apply and patches, and what
 * apiextensions-apiserver does around validation (src/crd/structural.ts): pruning, defaulting,
 * embedded resources and list types.
 */
import type { ValidateFunction } from 'ajv';
import { FieldError, invalid } from '../apierrors';
import { blockingError, compileSchemaRulesSync, type CompiledRules } from '../cel';
import { CorrelatedObject, ratchetsAt } from '../cel/correlation';
import { toStructural, type Structural } from '../cel/schema';
import { isPlainObject, type KubeObject } from '../meta/object';
import { deepEqual } from '../registry/equal';
import { schemaErrors } from '../registry/schema';
import { newAjv, registerCRDFormats, toAjvSchema } from '../schema/ajv';
import { buildTypeTable } from '../schema/build';
import type { OpenAPISchema } from '../schema/openapi';
import { kindKey, type TypeRef, type TypeTable } from '../schema/typeinfo';
import { applyDefaults, pruneFields, pruneResource, validateEmbeddedResources, validateListSetsAndMaps, type Schema } from './structural';
import type { CRD } from './types';

/** VersionSchemas is what serving one version of a custom resource needs. */
export interface VersionSchemas {
  /** validator checks an object against the version's schema (kube-openapi's part of validation). */
  validator: ValidateFunction;
  /**
   * prune removes what the schema does not specify, as the decoder does (unknown fields,
   * metadata beyond ObjectMeta, nulls the schema does not allow), and returns their paths.
   */
  prune(obj: Record<string, unknown>): string[];
  /** defaults fills the schema's defaults. */
  defaults(obj: Record<string, unknown>): void;
  /**
   * validate is the custom resource strategy's validation (upstream's customResourceStrategy
   * Validate and ValidateUpdate): the schema, embedded resources and list types, then the CEL
   * rules unless the schema is violated in a way that blocks them. On update (`old` given),
   * list types ratchet: a list already invalid may stay so.
   */
  validate(obj: KubeObject, old?: KubeObject): FieldError[];
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

/** compileCRDValidator compiles a schema node as a CRD schema: nullable, CRD formats, int-or-string. */
function compileCRDValidator(schema: Record<string, unknown>): ValidateFunction {
  const formats = new Set<string>();
  const translated = toAjvSchema(schema, { mode: 'validate', crd: true, formatsUsed: formats });
  const ajv = newAjv('validate');
  registerCRDFormats(ajv, formats);
  return ajv.compile(translated as object);
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
      const defaultErrors = validateDefaults(raw, field);
      errors.push(...defaultErrors);
      // CEL rules are compiled against the schema as written (without the added root fields).
      const rules = compileSchemaRulesSync(raw, { path: field });
      errors.push(...rules.errors);
      const definition = `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`;
      const key = kindKey(crd.spec.group, v.name, crd.spec.names.kind);
      const table = buildTypeTable({ [definition]: schema as OpenAPISchema }, [{ key, definition }]);
      const validator = compileCRDValidator(schema);
      const structural = toStructural(schema);
      versions.set(v.name, {
        validator,
        prune: (obj) => pruneResource(obj, raw),
        defaults: (obj) => applyDefaults(obj, raw),
        validate: (obj, old) => validateCustomResource(obj, old, { validator, raw, structural, rules }),
        types: { table, root: definition },
        rules,
      });
    } catch (e) {
      errors.push(invalid(field, '', `cannot be compiled: ${(e as Error).message}`));
    }
  });
  return { versions, errors };
}

function validateCustomResource(obj: KubeObject, old: KubeObject | undefined, v: { validator: ValidateFunction; raw: Schema; structural: Structural; rules: CompiledRules }): FieldError[] {
  // Ratcheting (GA in 1.33): on update, schema errors in parts the update left unchanged are
  // dropped, so an object stored under a looser schema can still be updated elsewhere.
  const correlated = old && new CorrelatedObject(obj, old, v.structural);
  const ignore = correlated && ((pointer: string) => ratchetsAt(correlated, pointer));
  const errs = schemaErrors(v.validator, obj, { formatIsType: true, ignore });
  errs.push(...validateEmbeddedResources(obj, v.raw));
  if (!old || validateListSetsAndMaps(old, v.raw).length === 0) errs.push(...validateListSetsAndMaps(obj, v.raw));
  if (v.rules.hasRules) {
    const blocked = blockingError(errs);
    if (blocked) errs.push(blocked);
    else errs.push(...v.rules.validate(obj, old));
  }
  return errs;
}

/** META_FIELDS are the members of a resource whose defaults upstream checks inside a whole object. */
const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * validateDefaults checks every `default` of a schema as upstream's structural defaulting
 * validation does: the value must be pruned (no field the schema does not know), its embedded
 * resources valid, and valid against its own node's schema. Defaults inside a resource's
 * TypeMeta and ObjectMeta are not checked here.
 */
function validateDefaults(root: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (s: Record<string, unknown>, at: string, insideMeta: boolean, isRoot: boolean) => {
    const embedded = isRoot || s['x-kubernetes-embedded-resource'] === true;
    if (embedded) insideMeta = false;
    if (s.default !== undefined && s.default !== null && !insideMeta) errs.push(...defaultErrors(s, `${at}.default`, embedded));
    if (isPlainObject(s.items)) walk(s.items, `${at}.items`, insideMeta, false);
    if (isPlainObject(s.properties)) {
      for (const [k, sub] of Object.entries(s.properties)) {
        if (isPlainObject(sub)) walk(sub, `${at}.properties[${k}]`, insideMeta || (embedded && META_FIELDS.has(k)), false);
      }
    }
  };
  walk(root, path, false, true);
  return errs;
}

function defaultErrors(s: Record<string, unknown>, at: string, embedded: boolean): FieldError[] {
  const value = s.default;
  const pruned = structuredClone(value);
  pruneFields(pruned, s, embedded);
  const errs: FieldError[] = [];
  if (!deepEqual(pruned, value)) errs.push(invalid(at, value, 'must not have unknown fields'));
  const meta = validateEmbeddedResources(value, s, at);
  if (meta.length) return [...errs, ...meta];
  return [...errs, ...schemaErrors(compileCRDValidator(s), structuredClone(value), { basePath: at, formatIsType: true })];
}

/**
 * CustomResourceDefinition validation rules (x-kubernetes-validations), evaluated as
 * kube-apiserver does. Compile a CRD version's schema once when the CRD is created or updated
 * (compile errors are the CRD's validation errors, never skipped rules), then validate each
 * custom resource on create and update:
 *
 * ```ts
 * const rules = await compileSchemaRules(version.schema.openAPIV3Schema, { path: 'spec.validation.openAPIV3Schema' });
 * if (rules.errors.length) throw newInvalid(crdKind, name, rules.errors);
 * const errs = rules.validate(obj, oldObj);   // synchronous
 * ```
 *
 * @bufbuild/cel ships a CommonJS build, so compilation is synchronous too
 * (compileSchemaRulesSync); the Promise form leaves room for loading the evaluator lazily.
 */
import { FieldError } from '../apierrors';
import { compileSchema, DEFAULT_SCHEMA_PATH, type CompileOptions, type RuleNode } from './rules';
import { validateRules, type ValidateOptions, type ValidationResult } from './validator';

export { DEFAULT_SCHEMA_PATH, SUPPORTED_REASONS } from './rules';
export type { CompileOptions } from './rules';
export type { ValidateOptions, ValidationResult } from './validator';
export { PER_CALL_LIMIT, RUNTIME_COST_BUDGET } from './cost';
export { SUPPORTED_LIBRARIES, UNSUPPORTED_FEATURES } from './support';

/** CompiledRules are the compiled x-kubernetes-validations of one schema. */
export class CompiledRules {
  /** @internal */
  constructor(
    /** errors are the CRD validation errors of the rules; empty when all compiled. */
    readonly errors: readonly FieldError[],
    /** ruleCount is how many rules the schema has. */
    readonly ruleCount: number,
    private readonly root: RuleNode | undefined,
  ) {}

  /** hasRules tells whether there is anything to evaluate. */
  get hasRules(): boolean {
    return this.root !== undefined;
  }

  /**
   * validate evaluates the rules against `obj` (the whole custom resource, defaulted and pruned)
   * and, on update, `old`; it returns the failures as field errors. Failures ratcheted into
   * warnings (unchanged nodes on update) are not returned; see validateWithWarnings.
   */
  validate(obj: unknown, old?: unknown): FieldError[] {
    return this.validateWithWarnings(obj, old).errors;
  }

  /** validateWithWarnings is validate returning the ratcheted failures as warnings too. */
  validateWithWarnings(obj: unknown, old?: unknown, opts?: ValidateOptions): ValidationResult {
    if (!this.root) return { errors: [], warnings: [] };
    return validateRules(this.root, obj, old, opts);
  }
}

/** compileSchemaRulesSync compiles every rule of a CRD version's openAPIV3Schema. */
export function compileSchemaRulesSync(schema: unknown, opts: CompileOptions = {}): CompiledRules {
  const c = compileSchema(schema, { path: opts.path ?? DEFAULT_SCHEMA_PATH });
  return new CompiledRules(c.errors, c.ruleCount, c.root);
}

/** compileSchemaRules is compileSchemaRulesSync behind a Promise. */
export async function compileSchemaRules(schema: unknown, opts: CompileOptions = {}): Promise<CompiledRules> {
  return compileSchemaRulesSync(schema, opts);
}

/**
 * blockingError is upstream's hasBlockingErr: when schema validation already found a required,
 * unsupported, too long, too many or wrong-type value, rules are not evaluated and this error
 * is reported instead (callers append it and skip validate).
 */
export function blockingError(errs: readonly FieldError[]): FieldError | undefined {
  const blocking = errs.some((e) => e.type === 'NotSupported' || e.type === 'Required' || e.type === 'TooLong' || e.type === 'TooMany' || e.type === 'TypeInvalid');
  return blocking
    ? new FieldError('Invalid', '<nil>', null, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation')
    : undefined;
}

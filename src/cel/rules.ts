/**
 * Compiling the x-kubernetes-validations of a CRD version's schema: the checks kube-apiserver
 * makes when a CustomResourceDefinition is created or updated (apiextensions validation.go and
 * cel/compilation.go), with its field paths and messages, and the tree of compiled rules that
 * validation walks (cel/validation.go's Validator).
 */
import { FieldError, GoValue, NO_VALUE, notSupported, required, invalid } from '../apierrors';
import { goQuote } from '../selectors/validation';
import { compileExpression, isCompileFailure, type Program } from './compile';
import { declType } from './decltype';
import { escapeName } from './escape';
import { validFieldPath } from './fieldpath';
import { hasValidations, toStructural, withTypeAndObjectMeta, type Structural, type ValidationRule } from './schema';
import { optionalOf, type CelType } from './types';

/** SUPPORTED_REASONS are the reasons a rule may give (sorted, as upstream lists them). */
export const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'] as const;

/** CompiledRule is one rule ready to evaluate, or the reason it cannot be. */
export interface CompiledRule {
  readonly rule: ValidationRule;
  readonly program?: Program;
  /** error is the compile error detail (`compilation failed: ...`), if any. */
  readonly error?: string;
  readonly usesOldSelf: boolean;
  readonly messageProgram?: Program;
  /** fieldPath is the rule's normalized fieldPath, relative to the node. */
  readonly fieldPath?: string;
}

/** RuleNode parallels the schema: the compiled rules of a node and of the nodes below it. */
export interface RuleNode {
  readonly schema: Structural;
  readonly isResourceRoot: boolean;
  readonly rules: readonly CompiledRule[];
  readonly properties: ReadonlyMap<string, RuleNode>;
  readonly items?: RuleNode;
  readonly additionalProperties?: RuleNode;
  readonly allOf: readonly RuleNode[];
  /** initError is set when the node's rules could not be compiled at all (no CEL type). */
  readonly initError?: string;
}

/** CompileOptions configure compileSchemaRules. */
export interface CompileOptions {
  /**
   * path is where the schema sits in the CustomResourceDefinition, for error field paths:
   * `spec.validation.openAPIV3Schema` (upstream's internal path when all versions share one
   * schema) or `spec.versions[0].schema.openAPIV3Schema`.
   */
  readonly path?: string;
}

/** DEFAULT_SCHEMA_PATH is upstream's path for a schema shared by all versions. */
export const DEFAULT_SCHEMA_PATH = 'spec.validation.openAPIV3Schema';

let typeNameCounter = 0;

/** ruleValue renders a rule as upstream's `%#v` of apiextensions.ValidationRule. */
export function ruleValue(r: ValidationRule): GoValue {
  // Go prints the pointers' addresses; they carry no information, so a fixed one stands in.
  const reason = r.reason === undefined ? '(*apiextensions.FieldValueErrorReason)(nil)' : '(*apiextensions.FieldValueErrorReason)(0xc000a8c000)';
  const optional = r.optionalOldSelf === undefined ? '(*bool)(nil)' : '(*bool)(0xc000a8c008)';
  return new GoValue(
    `apiextensions.ValidationRule{Rule:${goQuote(r.rule)}, Message:${goQuote(r.message ?? '')}, MessageExpression:${goQuote(r.messageExpression ?? '')}, ` +
      `Reason:${reason}, FieldPath:${goQuote(r.fieldPath ?? '')}, OptionalOldSelf:${optional}}`,
  );
}

const hasNewlines = (s: string) => /[\n\r]/.test(s);

class RuleCompiler {
  readonly errors: FieldError[] = [];

  /**
   * node compiles the rules of `v` (at schema path `path`) with `self` of type `selfType`, and
   * recurses. As upstream's validator, it walks two parallel schemas: `v` holds the rules and
   * `n` the structure (they differ below allOf, whose branches carry rules without types).
   * `uncorrelatable` is the path of the nearest ancestor below which oldSelf cannot be
   * correlated (items of lists that are not x-kubernetes-list-type=map).
   */
  node(v: Structural, n: Structural, path: string, isResourceRoot: boolean, selfType: CelType | undefined, uncorrelatable: string | undefined): RuleNode | undefined {
    const properties = new Map<string, RuleNode>();
    for (const [name, vp] of v.properties ?? []) {
      const np = n.properties?.get(name);
      if (!np || !hasValidations(vp)) continue;
      // The field's type as its parent declares it; a property whose name cannot be escaped is
      // not a field, and its rules see the type of its own schema.
      const escaped = escapeName(name);
      const ownType = () => declType(np, np.embeddedResource, `${this.nameOf(selfType)}.${name}`);
      const declared = escaped !== undefined && selfType?.kind === 'struct';
      const fieldType = declared ? selfType.fields.get(escaped) : ownType();
      const childPath = `${path}.properties[${name}]`;
      if (declared && fieldType === undefined) {
        // A field the parent's type leaves out (metadata.labels at a resource root): upstream
        // compiles its rules with the field's own type, reporting their errors, but never runs
        // them, as its validator skips fields absent from the parent's type.
        this.node(vp, np, childPath, np.embeddedResource, ownType(), uncorrelatable);
        continue;
      }
      const child = this.node(vp, np, childPath, np.embeddedResource, fieldType, uncorrelatable);
      if (child) properties.set(name, child);
    }
    let items: RuleNode | undefined;
    if (v.items && n.items && hasValidations(v.items)) {
      const forbid = uncorrelatable ?? (n.listType !== 'map' ? path : undefined);
      const elem = selfType?.kind === 'list' ? selfType.elem : declType(n.items, n.items.embeddedResource, `${this.nameOf(selfType)}.@idx`);
      items = this.node(v.items, n.items, `${path}.items`, n.items.embeddedResource, elem, forbid);
    }
    let additionalProperties: RuleNode | undefined;
    if (v.additionalProperties && n.additionalProperties && hasValidations(v.additionalProperties)) {
      const np = n.additionalProperties;
      const value = selfType?.kind === 'map' ? selfType.value : declType(np, np.embeddedResource, `${this.nameOf(selfType)}.@elem`);
      additionalProperties = this.node(v.additionalProperties, np, `${path}.additionalProperties`, np.embeddedResource, value, uncorrelatable);
    }
    const allOf: RuleNode[] = [];
    v.allOf.forEach((branch, i) => {
      if (!hasValidations(branch)) return;
      // allOf branches carry value validations only: their rules see the node's own type.
      const b = this.node(branch, n, `${path}.allOf[${i}]`, isResourceRoot, selfType, uncorrelatable);
      if (b) allOf.push(b);
    });
    const { rules, initError } = this.rules(v.validations, n, path, selfType, uncorrelatable);
    if (rules.length === 0 && !initError && properties.size === 0 && !items && !additionalProperties && allOf.length === 0) return undefined;
    return { schema: n, isResourceRoot, rules, properties, items, additionalProperties, allOf, initError };
  }

  private nameOf(t: CelType | undefined): string {
    return t?.kind === 'struct' ? t.name : `selfType${typeNameCounter}`;
  }

  private rules(validations: readonly ValidationRule[], s: Structural, path: string, selfType: CelType | undefined, uncorrelatable: string | undefined): { rules: CompiledRule[]; initError?: string } {
    if (validations.length === 0) return { rules: [] };
    const vpath = (i: number, f: string) => `${path}.x-kubernetes-validations[${i}].${f}`;
    const schemaErrors: FieldError[] = [];
    validations.forEach((r, i) => {
      const rule = r.rule.trim();
      const msg = (r.message ?? '').trim();
      if (rule === '') schemaErrors.push(required(vpath(i, 'rule'), 'rule is not specified'));
      else if ((r.message ?? '') !== '' && msg === '') schemaErrors.push(invalid(vpath(i, 'message'), r.message, 'must be non-empty if specified'));
      else if (hasNewlines(msg)) schemaErrors.push(invalid(vpath(i, 'message'), r.message, 'must not contain line breaks'));
      else if (hasNewlines(rule) && msg === '') schemaErrors.push(required(vpath(i, 'message'), 'message must be specified if rule contains line breaks'));
      if ((r.messageExpression ?? '') !== '' && (r.messageExpression ?? '').trim() === '') {
        schemaErrors.push(required(vpath(i, 'messageExpression'), 'messageExpression must be non-empty if specified'));
      }
      if (r.reason !== undefined && !(SUPPORTED_REASONS as readonly string[]).includes(r.reason)) schemaErrors.push(notSupported(vpath(i, 'reason'), r.reason, SUPPORTED_REASONS));
      const fp = r.fieldPath ?? '';
      if (fp !== '' && fp.trim() === '') schemaErrors.push(invalid(vpath(i, 'fieldPath'), fp, 'must be non-empty if specified'));
      if (hasNewlines(fp)) schemaErrors.push(invalid(vpath(i, 'fieldPath'), fp, 'must not contain line breaks'));
      if (fp !== '' && !isValidPath(fp, s)) schemaErrors.push(invalid(vpath(i, 'fieldPath'), fp, 'must be a valid path'));
    });
    this.errors.push(...schemaErrors);
    if (!selfType) {
      const detail = 'internal error: failed to construct type information for x-kubernetes-validations rules: unable to convert structural schema to CEL declarations';
      if (schemaErrors.length === 0) this.errors.push(new FieldError('Internal', `${path}.x-kubernetes-validations`, NO_VALUE, detail));
      return { rules: [], initError: 'failed to convert to declType for CEL validation rules' };
    }
    const self = selfType;
    const plain = new Map<string, CelType>([
      ['self', self],
      ['oldSelf', self],
    ]);
    const optional = new Map<string, CelType>([
      ['self', self],
      ['oldSelf', optionalOf(self)],
    ]);
    const rules = validations.map((r, i): CompiledRule => {
      if (r.rule.trim() === '') return { rule: r, usesOldSelf: false };
      const compiled = compileExpression(r.rule, r.optionalOldSelf ? optional : plain, 'bool');
      if (isCompileFailure(compiled)) {
        const detail = compiled.stage === 'program' ? `program instantiation failed: ${compiled.error}` : compiled.error.startsWith('ERROR:') ? `compilation failed: ${compiled.error}` : compiled.error;
        if (schemaErrors.length === 0) this.errors.push(invalid(vpath(i, 'rule'), ruleValue(r), detail));
        return { rule: r, error: detail, usesOldSelf: false };
      }
      const usesOldSelf = compiled.references.has('oldSelf');
      let messageProgram: Program | undefined;
      if ((r.messageExpression ?? '') !== '') {
        const m = compileExpression(r.messageExpression ?? '', r.optionalOldSelf ? optional : plain, 'string');
        if (isCompileFailure(m)) {
          const detail =
            m.stage === 'program'
              ? `messageExpression instantiation failed: ${m.error}`
              : m.error.startsWith('ERROR:')
                ? `messageExpression compilation failed: ${m.error}`
                : 'messageExpression must evaluate to a string';
          if (schemaErrors.length === 0) this.errors.push(invalid(vpath(i, 'messageExpression'), ruleValue(r), detail));
        } else {
          messageProgram = m.program;
        }
      }
      if (schemaErrors.length === 0) {
        if (usesOldSelf && uncorrelatable !== undefined) {
          this.errors.push(invalid(vpath(i, 'rule'), r.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
        } else if (!usesOldSelf && r.optionalOldSelf !== undefined) {
          this.errors.push(invalid(vpath(i, 'optionalOldSelf'), r.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
        }
      }
      let fieldPath: string | undefined;
      if (r.fieldPath) {
        try {
          fieldPath = validFieldPath(r.fieldPath, s).path;
        } catch {
          fieldPath = undefined;
        }
      }
      return { rule: r, program: compiled.program, usesOldSelf, messageProgram, fieldPath };
    });
    return { rules };
  }
}

function isValidPath(path: string, s: Structural): boolean {
  try {
    validFieldPath(path, s);
    return true;
  } catch {
    return false;
  }
}

/** CompiledSchema is the outcome of compiling a schema's rules. */
export interface CompiledSchema {
  /** errors are the CRD validation errors (empty when every rule compiled). */
  readonly errors: readonly FieldError[];
  /** root is the tree of compiled rules; undefined when the schema has none. */
  readonly root?: RuleNode;
  /** ruleCount is the number of x-kubernetes-validations rules in the schema. */
  readonly ruleCount: number;
}

function countRules(s: Structural | undefined): number {
  if (!s) return 0;
  let n = s.validations.length + countRules(s.items) + countRules(s.additionalProperties);
  for (const p of s.properties?.values() ?? []) n += countRules(p);
  for (const a of s.allOf) n += countRules(a);
  return n;
}

/** compileSchema compiles every rule of a CRD version's openAPIV3Schema. */
export function compileSchema(schema: unknown, opts: CompileOptions = {}): CompiledSchema {
  const s = toStructural(schema);
  const ruleCount = countRules(s);
  if (ruleCount === 0) return { errors: [], ruleCount };
  typeNameCounter++;
  const rootType = declType(withTypeAndObjectMeta(s), false, `selfType${typeNameCounter}`);
  const c = new RuleCompiler();
  const root = c.node(s, s, opts.path ?? DEFAULT_SCHEMA_PATH, true, rootType, undefined);
  return { errors: c.errors, root, ruleCount };
}

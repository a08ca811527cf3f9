/**
 * Evaluating compiled rules against an object (upstream's cel.Validator.Validate): rules run at
 * every schema node present in the object, for each list item and map value, transition rules
 * (those using oldSelf) only where an old value correlates, each with upstream's per-call cost
 * limit and all of them within the object's cost budget. Failures become field errors with the
 * rule's message, evaluated messageExpression or `failed rule: <rule>`, at the rule's node or its
 * fieldPath, with the rule's reason; on update, failures of unchanged nodes are ratcheted into
 * warnings.
 */
import { isCelError, type CelResult } from '@bufbuild/cel';

import { FieldError, NO_VALUE, invalid } from '../apierrors';
import type { Program } from './compile';
import { CorrelatedObject, MapList, ratchetIndex, ratchetKey, shouldRatchet, type Ratcheting } from './correlation';
import { metered, PER_CALL_LIMIT, RUNTIME_COST_BUDGET } from './cost';
import { optionalNone, optionalOf } from './opaque';
import type { CompiledRule, RuleNode } from './rules';
import { withTypeAndObjectMeta } from './schema';
import { toCelValue } from './values';

/** MAX_MESSAGE_EXPRESSION_BYTES is upstream's MaxEvaluatedMessageExpressionSizeBytes. */
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;

/** ValidateOptions tune one validation. */
export interface ValidateOptions {
  /** costBudget is the cost all rules of the object may spend (upstream's RuntimeCELCostBudget). */
  readonly costBudget?: number;
  /** perCallLimit is the cost one evaluation may spend (upstream's PerCallLimit). */
  readonly perCallLimit?: number;
  /** ratcheting turns failures of unchanged nodes into warnings on update (default true, as upstream). */
  readonly ratcheting?: boolean;
}

/** ValidationResult holds the errors and the warnings (ratcheted failures) of a validation. */
export interface ValidationResult {
  readonly errors: FieldError[];
  readonly warnings: string[];
}

const child = (path: string, name: string) => (path ? `${path}.${name}` : name);

/** fieldOf renders a path as upstream's field.Path does: the root (a nil path) is `<nil>`. */
const fieldOf = (path: string) => (path === '' ? '<nil>' : path);

type Json = Record<string, unknown>;
const isJsonObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** goErrorText translates @bufbuild/cel's runtime errors to the texts of cel-go's. */
function goErrorText(message: string): string {
  let m = /^field not found: (.*)$/.exec(message);
  if (m) return `no such key: ${m[1]}`;
  m = /^index (-?\d+) out of bounds/.exec(message);
  if (m) return `index out of bounds: ${m[1]}`;
  if (/^found no matching overload|^unbound function|^no such overload/.test(message)) return 'no such overload';
  if (/divide by zero$/.test(message)) return 'division by zero';
  if (/modulus by zero$/.test(message)) return 'modulus by zero';
  if (/^(int|uint) overflow/.test(message) || message === 'integer overflow') return 'integer overflow';
  return message;
}

function errorMessage(r: CelResult): string {
  const e = r as Error & { cause?: unknown };
  let msg = e.message;
  // @bufbuild/cel wraps a thrown error; its own message is then the cause's.
  if ((!msg || msg === 'undefined') && e.cause instanceof Error) msg = e.cause.message;
  return goErrorText(msg);
}

const ruleErrorString = (r: CompiledRule) => (r.rule.message ? r.rule.message.trim() : r.rule.rule.trim());
const ruleMessageOrDefault = (r: CompiledRule) => (r.rule.message ? r.rule.message.trim() : `failed rule: ${ruleErrorString(r)}`);

/** Evaluation walks one object. */
class Evaluation {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];
  remaining: number;
  private readonly perCallLimit: number;

  constructor(opts: ValidateOptions) {
    this.remaining = opts.costBudget ?? RUNTIME_COST_BUDGET;
    this.perCallLimit = opts.perCallLimit ?? PER_CALL_LIMIT;
  }

  /** validate returns false once the budget is spent (no further rule runs). */
  validate(node: RuleNode, path: string, obj: unknown, old: unknown, ratchet: Ratcheting): boolean {
    if (obj === null || obj === undefined) return true;
    if (!this.expressions(node, path, obj, old, ratchet)) return false;
    for (const branch of node.allOf) {
      if (!this.validate(branch, path, obj, old, { nearestParent: ratchet.nearestParent })) return false;
    }
    if (Array.isArray(obj)) {
      if (node.items) {
        const oldItems = node.schema.listType === 'map' ? MapList.of(node.schema, old) : undefined;
        for (let i = 0; i < obj.length; i++) {
          if (!this.validate(node.items, `${path}[${i}]`, obj[i], oldItems?.get(obj[i]), ratchetIndex(ratchet, i))) return false;
        }
      }
      return true;
    }
    if (isJsonObject(obj)) {
      const oldMap = isJsonObject(old) ? old : undefined;
      for (const [k, v] of Object.entries(obj)) {
        if (node.additionalProperties) {
          if (!this.validate(node.additionalProperties, `${path}[${k}]`, v, oldMap?.[k], ratchetKey(ratchet, k))) return false;
        }
        const p = node.properties.get(k);
        if (p && !this.validate(p, child(path, k), v, oldMap?.[k], ratchetKey(ratchet, k))) return false;
      }
    }
    return true;
  }

  private expressions(node: RuleNode, path: string, obj: unknown, old: unknown, ratchet: Ratcheting): boolean {
    const sts = node.isResourceRoot ? withTypeAndObjectMeta(node.schema) : node.schema;
    const typeName = sts.type;
    if (node.initError) {
      this.errors.push(invalid(fieldOf(path), typeName, `rule compiler initialization error: ${node.initError}`));
      return true;
    }
    if (node.rules.length === 0) return true;
    if (this.remaining <= 0) {
      this.errors.push(invalid(fieldOf(path), typeName, 'validation failed due to running out of cost budget, no further validation rules will be run'));
      return false;
    }
    const hasOld = old !== null && old !== undefined;
    let self: CelResult | undefined;
    let oldSelf: CelResult | undefined;
    const vars = (rule: CompiledRule): Record<string, unknown> => {
      self ??= toCelValue(obj, sts);
      if (hasOld) oldSelf ??= toCelValue(old, sts);
      if (rule.rule.optionalOldSelf) return { self, oldSelf: hasOld ? optionalOf(oldSelf) : optionalNone() };
      return hasOld ? { self, oldSelf } : { self };
    };
    for (const rule of node.rules) {
      if (rule.error !== undefined) {
        this.errors.push(invalid(fieldOf(path), typeName, `rule compile error: ${rule.error}`));
        continue;
      }
      if (!rule.program) continue;
      // Transition rules run only where an old value correlates, unless oldSelf is optional.
      if (rule.usesOldSelf && !hasOld && !rule.rule.optionalOldSelf) continue;
      const run = metered(this.perCallLimit, () => (rule.program as Program)(vars(rule)));
      if (run.exceeded) {
        this.errors.push(
          invalid(fieldOf(path), typeName, `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(rule)}`),
        );
        return false;
      }
      if (run.cost > this.remaining) {
        this.errors.push(invalid(fieldOf(path), typeName, 'validation failed due to running out of cost budget, no further validation rules will be run'));
        return false;
      }
      this.remaining -= run.cost;
      const result = run.value;
      if (isCelError(result)) {
        const text = errorMessage(result);
        if (text === 'no such overload') {
          this.errors.push(invalid(fieldOf(path), typeName, `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`));
        } else {
          this.errors.push(invalid(fieldOf(path), typeName, `${text} evaluating rule: ${ruleErrorString(rule)}`));
        }
        continue;
      }
      if (result === true) continue;
      const fieldPath = fieldOf(rule.fieldPath ? child(path, rule.fieldPath) : path);
      const add = (e: FieldError) => {
        if (!rule.usesOldSelf && shouldRatchet(ratchet)) this.warnings.push(e.message());
        else this.errors.push(e);
      };
      let detail: string | undefined;
      if (rule.messageProgram) {
        const msg = this.messageExpression(rule, rule.messageProgram, vars(rule));
        if (msg.kind === 'stop') {
          add(invalid(fieldPath, typeName, msg.text));
          return false;
        }
        if (msg.kind === 'ok') detail = msg.text;
      }
      detail ??= ruleMessageOrDefault(rule);
      const value = typeName === 'object' || typeName === 'array' ? NO_VALUE : obj;
      add(fieldErrorForReason(fieldPath, value, detail, rule.rule.reason));
    }
    return true;
  }

  private messageExpression(rule: CompiledRule, program: Program, vars: Record<string, unknown>): { kind: 'ok' | 'fallback' | 'stop'; text: string } {
    const run = metered(this.perCallLimit, () => program(vars));
    if (run.exceeded) {
      return { kind: 'stop', text: `no further validation rules will be run due to call cost exceeds limit for messageExpression: ${JSON.stringify(rule.rule.messageExpression)}` };
    }
    if (run.cost > this.remaining) return { kind: 'stop', text: 'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run' };
    this.remaining -= run.cost;
    const v = run.value;
    if (isCelError(v) || typeof v !== 'string') return { kind: 'fallback', text: '' };
    const trimmed = v.trim();
    if (Buffer.byteLength(trimmed) > MAX_MESSAGE_EXPRESSION_BYTES || /\n/.test(trimmed) || trimmed.length === 0) return { kind: 'fallback', text: '' };
    return { kind: 'ok', text: trimmed };
  }
}

/** fieldErrorForReason maps a rule's reason to the field error type, as upstream. */
function fieldErrorForReason(path: string, value: unknown, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return new FieldError('Forbidden', path, NO_VALUE, detail);
    case 'FieldValueRequired':
      return new FieldError('Required', path, NO_VALUE, detail);
    case 'FieldValueDuplicate':
      return new FieldError('Duplicate', path, value);
    default:
      return new FieldError('Invalid', path, value, detail);
  }
}

/** validateRules evaluates the rule tree against an object and, on update, its old version. */
export function validateRules(root: RuleNode, obj: unknown, old: unknown, opts: ValidateOptions = {}): ValidationResult {
  const ev = new Evaluation(opts);
  const ratchet: Ratcheting = old !== undefined && old !== null && opts.ratcheting !== false ? { current: new CorrelatedObject(obj, old, root.schema) } : {};
  ev.validate(root, '', obj, old ?? undefined, ratchet);
  return { errors: ev.errors, warnings: ev.warnings };
}

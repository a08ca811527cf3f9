/**
 * The CEL type checker (cel-go's checker/checker.go, ported): @bufbuild/cel parses and evaluates
 * but does not type-check, and kube-apiserver rejects at CRD creation every rule that does not
 * type-check (undefined fields, unknown functions, wrong argument types, non-bool rules). The
 * checker walks the parsed AST with the declarations of kapi's CEL environment, with cel-go's
 * overload resolution, type-parameter unification and error messages, then runs the AST
 * validators Kubernetes enables (homogeneous aggregate literals, literal durations, timestamps
 * and regular expressions).
 */
import type { Constant, Expr, Expr_Call, Expr_Comprehension, Expr_CreateList, Expr_CreateStruct, Expr_Select } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';

import type { FunctionDecl } from './library';
import { re2Error } from './lib/regex';
import { parseGoDuration, parseDateTime } from './timefmt';
import {
  BOOL,
  BYTES,
  DOUBLE,
  DYN,
  ERROR,
  INT,
  Mapping,
  NULL,
  STRING,
  UINT,
  formatType,
  isAssignable,
  isAssignableList,
  isExactType,
  isOptionalType,
  listOf,
  mapOf,
  mostGeneral,
  optionalOf,
  param,
  substitute,
  type CelType,
} from './types';

/** CheckEnv is what identifiers and functions mean to the checker. */
export interface CheckEnv {
  readonly variables: ReadonlyMap<string, CelType>;
  readonly functions: ReadonlyMap<string, FunctionDecl>;
  readonly typeIdents: ReadonlyMap<string, CelType>;
}

/** CheckIssue is one compile error, at the expression it concerns. */
export interface CheckIssue {
  readonly id: bigint;
  readonly message: string;
}

/** CheckResult is the outcome of checking one expression. */
export interface CheckResult {
  readonly type: CelType;
  readonly issues: readonly CheckIssue[];
  /** identifiers the expression references (after scoping), e.g. `oldSelf`. */
  readonly references: ReadonlySet<string>;
}

/** UNSUPPORTED_MACROS are cel-go macros @bufbuild/cel's parser leaves unexpanded, by name. */
const UNSUPPORTED_MACROS: Readonly<Record<string, string>> = {
  sortBy: 'the sortBy macro is',
  transformList: 'two-variable comprehensions (transformList) are',
  transformMap: 'two-variable comprehensions (transformMap) are',
  transformMapEntry: 'two-variable comprehensions (transformMapEntry) are',
  optMap: 'the optMap macro is',
  optFlatMap: 'the optFlatMap macro is',
};

const COMPREHENSION_MACROS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter']);

/** REGEX_FUNCTIONS are checked for literal patterns at program creation (upstream's OptimizeRegex). */
const REGEX_FUNCTIONS = new Set(['find', 'findAll']);

class Checker {
  private mappings = new Mapping();
  private readonly types = new Map<bigint, CelType>();
  private readonly scopes: Array<Map<string, CelType>> = [];
  private freeTypeVar = 0;
  readonly issues: CheckIssue[] = [];
  readonly references = new Set<string>();
  /** calls whose single resolved overload runs under another name (see Overload.runtimeName). */
  readonly renames: Array<[Expr_Call, string]> = [];

  constructor(private readonly env: CheckEnv) {}

  private error(id: bigint, message: string): void {
    this.issues.push({ id, message });
  }

  private setType(e: Expr, t: CelType): void {
    this.types.set(e.id, t);
  }

  getType(e: Expr | undefined): CelType {
    return (e && this.types.get(e.id)) ?? ERROR;
  }

  /** finalType substitutes bound type parameters (unbound ones become dyn). */
  finalType(e: Expr): CelType {
    return substitute(this.mappings, this.getType(e), true);
  }

  private isAssignable(t1: CelType, t2: CelType): boolean {
    const m = isAssignable(this.mappings, t1, t2);
    if (m) this.mappings = m;
    return m !== undefined;
  }

  private newTypeVar(): CelType {
    return param(`_var${this.freeTypeVar++}`);
  }

  private lookupIdent(name: string): CelType | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const t = this.scopes[i].get(name);
      if (t) return t;
    }
    return this.env.variables.get(name) ?? this.env.typeIdents.get(name);
  }

  check(e: Expr | undefined): void {
    if (!e) return;
    switch (e.exprKind.case) {
      case 'constExpr':
        this.setType(e, constantType(e.exprKind.value));
        return;
      case 'identExpr': {
        const name = e.exprKind.value.name;
        const t = this.lookupIdent(name);
        if (t) {
          this.setType(e, t);
          if (this.env.variables.has(name) && !this.scopes.some((s) => s.has(name))) this.references.add(name);
          return;
        }
        this.setType(e, ERROR);
        this.error(e.id, `undeclared reference to '${name}' (in container '')`);
        return;
      }
      case 'selectExpr':
        this.checkSelect(e, e.exprKind.value);
        return;
      case 'callExpr':
        this.checkCall(e, e.exprKind.value);
        return;
      case 'listExpr':
        this.checkCreateList(e, e.exprKind.value);
        return;
      case 'structExpr':
        this.checkCreateStruct(e, e.exprKind.value);
        return;
      case 'comprehensionExpr':
        this.checkComprehension(e, e.exprKind.value);
        return;
      default:
        this.setType(e, ERROR);
        this.error(e.id, 'unexpected unspecified type');
    }
  }

  private checkSelect(e: Expr, sel: Expr_Select): void {
    if (!sel.testOnly) {
      const qualified = qualifiedName(e);
      if (qualified !== undefined && !this.scopes.some((s) => s.has(qualified.split('.')[0]))) {
        const t = this.env.variables.get(qualified) ?? this.env.typeIdents.get(qualified);
        if (t) {
          this.setType(e, t);
          return;
        }
      }
    }
    let resultType = this.checkSelectField(e, sel.operand, sel.field);
    if (sel.testOnly) resultType = BOOL;
    this.setType(e, substitute(this.mappings, resultType, false));
  }

  private checkSelectField(e: Expr, operand: Expr | undefined, field: string): CelType {
    this.check(operand);
    const operandType = substitute(this.mappings, this.getType(operand), false);
    const isOpt = isOptionalType(operandType);
    const target = isOpt ? operandType.params[0] : operandType;
    let result: CelType = ERROR;
    switch (target.kind) {
      case 'map':
        result = target.value;
        break;
      case 'struct': {
        const ft = target.fields.get(field);
        if (ft) result = ft;
        else this.error(e.id, `undefined field '${field}'`);
        break;
      }
      case 'param':
        this.isAssignable(DYN, target);
        result = DYN;
        break;
      default:
        if (target.kind !== 'dyn' && target.kind !== 'error') this.error(e.id, `type '${formatType(target)}' does not support field selection`);
        result = DYN;
    }
    return isOpt ? optionalOf(result) : result;
  }

  private checkCall(e: Expr, call: Expr_Call): void {
    const fnName = call.function;
    if (call.target && !this.env.functions.has(fnName) && (UNSUPPORTED_MACROS[fnName] || COMPREHENSION_MACROS.has(fnName))) {
      // A macro the parser did not expand: its arguments bind variables, so they are not checked.
      this.setType(e, ERROR);
      if (UNSUPPORTED_MACROS[fnName]) this.error(e.id, `${UNSUPPORTED_MACROS[fnName]} not supported by kapi's CEL evaluator`);
      else if (call.args.length === 3 && call.args.slice(0, 2).every((a) => a.exprKind.case === 'identExpr')) {
        this.error(e.id, `two-variable comprehensions (${fnName}) are not supported by kapi's CEL evaluator`);
      } else if (call.args.length >= 2) this.error(call.args[0].id, 'argument must be a simple name');
      else this.error(e.id, `undeclared reference to '${fnName}' (in container '')`);
      return;
    }
    for (const arg of call.args) this.check(arg);
    if (!call.target) {
      const fn = this.env.functions.get(fnName);
      if (!fn) {
        this.setType(e, ERROR);
        if (fnName === 'has') this.error(e.id, 'invalid argument to has() macro');
        else if (fnName === '_?._' || fnName === '_[?_]') this.error(e.id, 'optional field selection is not supported by kapi');
        else this.error(e.id, `undeclared reference to '${fnName}' (in container '')`);
        return;
      }
      this.resolveOverloadOrError(e, call, fn, undefined);
      return;
    }
    const qualifier = qualifiedName(call.target);
    if (qualifier !== undefined && !this.scopes.some((s) => s.has(qualifier.split('.')[0])) && !this.env.variables.has(qualifier.split('.')[0])) {
      const fn = this.env.functions.get(`${qualifier}.${fnName}`);
      if (fn) {
        this.resolveOverloadOrError(e, call, fn, undefined);
        return;
      }
    }
    this.check(call.target);
    const fn = this.env.functions.get(fnName);
    if (fn) {
      this.resolveOverloadOrError(e, call, fn, call.target);
      return;
    }
    this.setType(e, ERROR);
    this.error(e.id, `undeclared reference to '${fnName}' (in container '')`);
  }

  private resolveOverloadOrError(e: Expr, call: Expr_Call, fn: FunctionDecl, target: Expr | undefined): void {
    const argTypes: CelType[] = [];
    if (target) argTypes.push(this.getType(target));
    for (const a of call.args) argTypes.push(this.getType(a));
    let resultType: CelType | undefined;
    const matched: string[] = [];
    let runtimeName: string | undefined;
    for (const o of fn.overloads) {
      if ((target === undefined) === o.member) continue;
      if (fn.name === '_&&_' || fn.name === '_||_') {
        let failed = false;
        argTypes.forEach((t, i) => {
          if (!this.isAssignable(t, BOOL)) {
            this.error(call.args[i].id, `expected type 'bool' but found '${formatType(t)}'`);
            failed = true;
          }
        });
        if (failed) {
          this.setType(e, ERROR);
          return;
        }
        this.setType(e, BOOL);
        return;
      }
      // Instantiate the overload's type parameters with fresh type variables.
      const subs = new Mapping();
      for (const p of typeParamsOf([o.result, ...o.args])) subs.add(param(p), this.newTypeVar());
      const args = o.args.map((t) => substitute(subs, t, false));
      const result = substitute(subs, o.result, false);
      const m = isAssignableList(this.mappings, argTypes, args);
      if (!m) continue;
      this.mappings = m;
      matched.push(o.id);
      runtimeName = o.runtimeName;
      const fnResult = substitute(this.mappings, result, false);
      if (resultType === undefined) resultType = fnResult;
      else if (resultType.kind !== 'dyn' && !isExactType(fnResult, resultType)) resultType = DYN;
    }
    if (resultType === undefined) {
      const formatted = argTypes.map((t) => formatType(substitute(this.mappings, t, true)));
      const sig = target ? `${formatted[0]}.(${formatted.slice(1).join(', ')})` : `(${formatted.join(', ')})`;
      this.error(e.id, `found no matching overload for '${fn.name}' applied to '${sig}'`);
      this.setType(e, ERROR);
      return;
    }
    if (matched.length === 1 && runtimeName) this.renames.push([call, runtimeName]);
    this.setType(e, resultType);
  }

  private checkCreateList(e: Expr, list: Expr_CreateList): void {
    let elemType: CelType | undefined;
    for (const el of list.elements) {
      this.check(el);
      elemType = this.joinTypes(elemType, this.getType(el));
    }
    this.setType(e, listOf(elemType ?? this.newTypeVar()));
  }

  private checkCreateStruct(e: Expr, s: Expr_CreateStruct): void {
    if (s.messageName !== '') {
      for (const entry of s.entries) this.check(entry.value);
      this.setType(e, ERROR);
      this.error(e.id, `undeclared reference to '${s.messageName}' (in container '')`);
      return;
    }
    let keyType: CelType | undefined;
    let valueType: CelType | undefined;
    for (const entry of s.entries) {
      const key = entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined;
      this.check(key);
      keyType = this.joinTypes(keyType, this.getType(key));
      this.check(entry.value);
      valueType = this.joinTypes(valueType, this.getType(entry.value));
    }
    this.setType(e, keyType && valueType ? mapOf(keyType, valueType) : mapOf(this.newTypeVar(), this.newTypeVar()));
  }

  private joinTypes(previous: CelType | undefined, current: CelType): CelType {
    if (previous === undefined) return current;
    if (this.isAssignable(previous, current)) return mostGeneral(previous, current);
    return DYN;
  }

  private checkComprehension(e: Expr, c: Expr_Comprehension): void {
    this.check(c.iterRange);
    this.check(c.accuInit);
    const rangeType = substitute(this.mappings, this.getType(c.iterRange), false);
    const accuType = this.getType(c.accuInit);
    this.scopes.push(new Map([[c.accuVar, accuType]]));
    let varType: CelType;
    switch (rangeType.kind) {
      case 'list':
        varType = rangeType.elem;
        break;
      case 'map':
        varType = rangeType.key;
        break;
      case 'dyn':
      case 'error':
      case 'param':
        this.isAssignable(DYN, rangeType);
        varType = DYN;
        break;
      default:
        this.error(c.iterRange?.id ?? e.id, `expression of type '${formatType(rangeType)}' cannot be range of a comprehension (must be list, map, or dynamic)`);
        varType = ERROR;
    }
    this.scopes.push(new Map([[c.iterVar, varType]]));
    this.check(c.loopCondition);
    this.assertType(c.loopCondition, BOOL);
    this.check(c.loopStep);
    this.assertType(c.loopStep, accuType);
    this.scopes.pop();
    this.check(c.result);
    this.scopes.pop();
    this.setType(e, substitute(this.mappings, this.getType(c.result), false));
  }

  private assertType(e: Expr | undefined, t: CelType): void {
    if (!e) return;
    if (!this.isAssignable(t, this.getType(e))) this.error(e.id, `expected type '${formatType(t)}' but found '${formatType(this.getType(e))}'`);
  }
}

function constantType(c: Constant): CelType {
  switch (c.constantKind.case) {
    case 'boolValue':
      return BOOL;
    case 'bytesValue':
      return BYTES;
    case 'doubleValue':
      return DOUBLE;
    case 'int64Value':
      return INT;
    case 'nullValue':
      return NULL;
    case 'stringValue':
      return STRING;
    case 'uint64Value':
      return UINT;
    default:
      return ERROR;
  }
}

/** qualifiedName renders `a.b.c` when an expression is a chain of selections on an identifier. */
function qualifiedName(e: Expr): string | undefined {
  if (e.exprKind.case === 'identExpr') return e.exprKind.value.name;
  if (e.exprKind.case === 'selectExpr' && !e.exprKind.value.testOnly && e.exprKind.value.operand) {
    const prefix = qualifiedName(e.exprKind.value.operand);
    return prefix === undefined ? undefined : `${prefix}.${e.exprKind.value.field}`;
  }
  return undefined;
}

function typeParamsOf(types: readonly CelType[]): Set<string> {
  const out = new Set<string>();
  const visit = (t: CelType): void => {
    switch (t.kind) {
      case 'param':
        out.add(t.name);
        return;
      case 'list':
        visit(t.elem);
        return;
      case 'map':
        visit(t.key);
        visit(t.value);
        return;
      case 'opaque':
        t.params.forEach(visit);
        return;
      case 'type':
        if (t.param) visit(t.param);
        return;
    }
  };
  types.forEach(visit);
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST validators (cel-go's cel/validator.go, as Kubernetes configures them)

/** children lists an expression's direct sub-expressions. */
function children(e: Expr): Expr[] {
  switch (e.exprKind.case) {
    case 'selectExpr':
      return e.exprKind.value.operand ? [e.exprKind.value.operand] : [];
    case 'callExpr':
      return [...(e.exprKind.value.target ? [e.exprKind.value.target] : []), ...e.exprKind.value.args];
    case 'listExpr':
      return e.exprKind.value.elements;
    case 'structExpr':
      return e.exprKind.value.entries.flatMap((en) => [...(en.keyKind.case === 'mapKey' ? [en.keyKind.value] : []), ...(en.value ? [en.value] : [])]);
    case 'comprehensionExpr': {
      const c = e.exprKind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter((x): x is Expr => x !== undefined);
    }
    default:
      return [];
  }
}

const normalized = (t: CelType): string => formatType(t).replace(/\b_var\d+\b|\b[A-Z]\b/g, '?');

function validate(root: Expr, checker: Checker): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const walk = (e: Expr, inFormat: boolean): void => {
    if (e.exprKind.case === 'listExpr' && !inFormat) {
      let first: CelType | undefined;
      for (const el of e.exprKind.value.elements) {
        const t = checker.finalType(el);
        if (first === undefined) first = t;
        else if (normalized(first) !== normalized(t)) {
          issues.push({ id: el.id, message: `expected type '${formatType(first)}' but found '${formatType(t)}'` });
          break;
        }
      }
    }
    if (e.exprKind.case === 'structExpr' && e.exprKind.value.messageName === '' && !inFormat) {
      let kt: CelType | undefined;
      let vt: CelType | undefined;
      for (const en of e.exprKind.value.entries) {
        if (en.keyKind.case !== 'mapKey' || !en.value) continue;
        const k = checker.finalType(en.keyKind.value);
        const v = checker.finalType(en.value);
        if (kt === undefined || vt === undefined) {
          kt = k;
          vt = v;
          continue;
        }
        if (normalized(kt) !== normalized(k)) issues.push({ id: en.keyKind.value.id, message: `expected type '${formatType(kt)}' but found '${formatType(k)}'` });
        if (normalized(vt) !== normalized(v)) issues.push({ id: en.value.id, message: `expected type '${formatType(vt)}' but found '${formatType(v)}'` });
      }
    }
    if (e.exprKind.case === 'callExpr') {
      const call = e.exprKind.value;
      const lit = call.args[0];
      const str = lit?.exprKind.case === 'constExpr' && lit.exprKind.value.constantKind.case === 'stringValue' ? lit.exprKind.value.constantKind.value : undefined;
      if (str !== undefined) {
        if (call.function === 'duration' && !call.target && parseGoDuration(str) === undefined) issues.push({ id: lit.id, message: 'invalid duration argument' });
        if (call.function === 'timestamp' && !call.target && parseDateTime(str) === undefined) issues.push({ id: lit.id, message: 'invalid timestamp argument' });
        if (call.function === 'matches' && re2Error(str) !== undefined) issues.push({ id: lit.id, message: 'invalid matches argument' });
      }
    }
    const nowInFormat = inFormat || (e.exprKind.case === 'callExpr' && e.exprKind.value.function === 'format');
    for (const c of children(e)) walk(c, nowInFormat);
  };
  walk(root, false);
  return issues;
}

/** programErrors reports what upstream finds when it creates the program: invalid regex literals. */
function programErrors(root: Expr): string | undefined {
  let found: string | undefined;
  const walk = (e: Expr): void => {
    if (found) return;
    if (e.exprKind.case === 'callExpr' && e.exprKind.value.target && REGEX_FUNCTIONS.has(e.exprKind.value.function)) {
      const lit = e.exprKind.value.args[0];
      if (lit?.exprKind.case === 'constExpr' && lit.exprKind.value.constantKind.case === 'stringValue') {
        const err = re2Error(lit.exprKind.value.constantKind.value);
        if (err) found = err;
      }
    }
    children(e).forEach(walk);
  };
  walk(root);
  return found;
}

/** CheckOutcome adds the renames and the program-creation error to a CheckResult. */
export interface CheckOutcome extends CheckResult {
  /** programError is set when the expression type-checks but its program cannot be created. */
  readonly programError?: string;
}

/**
 * checkExpr type-checks a parsed expression. It renames calls resolved to overloads with their
 * own runtime name (mutating the AST, which is then planned).
 */
export function checkExpr(root: Expr, env: CheckEnv): CheckOutcome {
  const c = new Checker(env);
  c.check(root);
  if (c.issues.length > 0) return { type: ERROR, issues: c.issues, references: c.references };
  const issues = validate(root, c);
  const type = c.finalType(root);
  if (issues.length > 0) return { type, issues, references: c.references };
  for (const [call, name] of c.renames) call.function = name;
  return { type, issues: [], references: c.references, programError: programErrors(root) };
}

/**
 * Compiling one CEL expression: parse with @bufbuild/cel, type-check with kapi's checker, plan
 * with @bufbuild/cel. Errors read as cel-go's (`ERROR: <input>:1:6: undefined field 'foo'`
 * followed by the source line and a caret under the position).
 */
import { parse, plan, type CelResult } from '@bufbuild/cel';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';

import { checkExpr, type CheckIssue } from './checker';
import { RUNTIME, checkEnv } from './env';
import type { CelType } from './types';

/** Program evaluates a compiled expression against its variables. */
export type Program = (vars: Record<string, unknown>) => CelResult;

/** Compiled is a successfully compiled expression. */
export interface Compiled {
  readonly program: Program;
  readonly outputType: CelType;
  /** references are the declared variables the expression uses (`self`, `oldSelf`). */
  readonly references: ReadonlySet<string>;
}

/** CompileFailure carries cel-go style issues text, and whether parsing or checking failed. */
export interface CompileFailure {
  readonly error: string;
  /** stage tells which upstream step failed: compile (parse/check) or program instantiation. */
  readonly stage: 'compile' | 'program';
}

const SOURCE_DESCRIPTION = '<input>';

interface Location {
  line: number;
  column: number;
}

/** locate turns a UTF-16 offset into cel-go's 1-based line and 0-based code point column. */
function locate(source: string, offset: number): Location {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Array.from(source.slice(lineStart, offset)).length };
}

/** displayError renders one issue as cel-go's Error.ToDisplayString does. */
function displayError(source: string, loc: Location, message: string): string {
  let out = `ERROR: ${SOURCE_DESCRIPTION}:${loc.line}:${loc.column + 1}: ${message}`;
  const snippet = source.split('\n')[loc.line - 1];
  if (snippet !== undefined) {
    const line = snippet.replace(/\t/g, ' ');
    out += `\n | ${line}`;
    let ind = '\n | ';
    const cps = Array.from(line);
    for (let i = 0; i < loc.column && i < cps.length; i++) ind += (cps[i].codePointAt(0) ?? 0) > 0x7f ? '\uff0e' : '.';
    const at = cps[loc.column];
    ind += at !== undefined && (at.codePointAt(0) ?? 0) > 0x7f ? '\uff3e' : '^';
    out += ind;
  }
  return out;
}

/** MAX_ERRORS_TO_REPORT is cel-go's default limit of issues rendered. */
const MAX_ERRORS_TO_REPORT = 100;

/** callNames maps the ids of named calls (not operators) to their function names. */
function callNames(root: Expr): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (e: Expr | undefined): void => {
    if (!e) return;
    switch (e.exprKind.case) {
      case 'callExpr':
        if (/^[A-Za-z_]/.test(e.exprKind.value.function)) out.set(e.id.toString(), e.exprKind.value.function);
        walk(e.exprKind.value.target);
        e.exprKind.value.args.forEach(walk);
        return;
      case 'selectExpr':
        walk(e.exprKind.value.operand);
        return;
      case 'listExpr':
        e.exprKind.value.elements.forEach(walk);
        return;
      case 'structExpr':
        for (const en of e.exprKind.value.entries) {
          if (en.keyKind.case === 'mapKey') walk(en.keyKind.value);
          walk(en.value);
        }
        return;
      case 'comprehensionExpr': {
        const c = e.exprKind.value;
        [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].forEach(walk);
        return;
      }
    }
  };
  walk(root);
  return out;
}

/**
 * cel-go positions an operator at its symbol and a call at its opening parenthesis, where
 * @bufbuild/cel records the whitespace before an operator and the start of a call: this moves a
 * recorded offset to where cel-go would report it.
 */
function celGoOffset(source: string, offset: number, fn: string | undefined): number {
  let i = offset;
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i])) i++;
  };
  skipSpace();
  if (fn === undefined) return i;
  const start = i;
  if (source[i] === '.') i++;
  skipSpace();
  if (!source.startsWith(fn, i)) return start;
  i += fn.length;
  skipSpace();
  return source[i] === '(' ? i : start;
}

function displayIssues(source: string, root: Expr, positions: { [id: string]: number }, issues: readonly CheckIssue[]): string {
  const calls = callNames(root);
  const located = issues.map((i) => {
    const id = i.id.toString();
    return { loc: locate(source, celGoOffset(source, positions[id] ?? 0, calls.get(id))), message: i.message };
  });
  located.sort((a, b) => a.loc.line - b.loc.line || a.loc.column - b.loc.column);
  const lines = located.slice(0, MAX_ERRORS_TO_REPORT).map((i) => displayError(source, i.loc, i.message));
  if (located.length > MAX_ERRORS_TO_REPORT) lines.push(`${located.length - MAX_ERRORS_TO_REPORT} more errors were truncated`);
  return lines.join('\n');
}

/** optionalSyntaxAt finds `.?`, `[?` or `{?` outside string literals (optional syntax). */
function optionalSyntaxAt(source: string): number | undefined {
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === '\\') i++;
      else if (source.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
      continue;
    }
    if ((c === '.' || c === '[' || c === '{' || c === ',') && /^\s*\?/.test(source.slice(i + 1)) && c !== ',') return i + 1 + (source.slice(i + 1).match(/^\s*/)?.[0].length ?? 0);
  }
  return undefined;
}

interface ParseError {
  message: string;
  offset: number;
}

function parseError(e: unknown): ParseError {
  const err = e as { rawMessage?: string; location?: { start?: { offset?: number } }; message?: string };
  const raw = err?.rawMessage ?? (typeof err?.message === 'string' ? err.message.replace(/^<input>:\d+:\d+: /, '') : String(e));
  return { message: raw, offset: err?.location?.start?.offset ?? 0 };
}

/**
 * compileExpression compiles `source` with the given variables; `output` is the type the
 * expression must have (bool for rules, string for message expressions), if any.
 */
export function compileExpression(source: string, variables: ReadonlyMap<string, CelType>, output?: 'bool' | 'string'): Compiled | CompileFailure {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    const optionalAt = optionalSyntaxAt(source);
    if (optionalAt !== undefined) {
      return { stage: 'compile', error: displayError(source, locate(source, optionalAt), 'optional syntax (.?, [?, {?) is not supported by kapi\'s CEL parser; use has() or optional.of()') };
    }
    const pe = parseError(e);
    return { stage: 'compile', error: displayError(source, locate(source, pe.offset), `Syntax error: ${pe.message}`) };
  }
  const root: Expr = parsed.expr;
  const positions = parsed.sourceInfo?.positions ?? {};
  const checked = checkExpr(root, checkEnv(variables));
  if (checked.issues.length > 0) return { stage: 'compile', error: displayIssues(source, root, positions, checked.issues) };
  if (output !== undefined && checked.type.kind !== output) {
    return { stage: 'compile', error: output === 'bool' ? 'cel expression must evaluate to a bool' : 'must evaluate to a string' };
  }
  if (checked.programError) return { stage: 'program', error: checked.programError };
  const planned = plan(RUNTIME, parsed) as (vars: Record<string, unknown>) => CelResult;
  return { program: (vars) => planned(vars), outputType: checked.type, references: checked.references };
}

/** isCompileFailure tells a failed compilation from a successful one. */
export function isCompileFailure(c: Compiled | CompileFailure): c is CompileFailure {
  return 'error' in c;
}

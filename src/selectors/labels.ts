/**
 * Label selectors with k8s.io/apimachinery's semantics (pkg/labels/selector.go and
 * metav1.LabelSelectorAsSelector): the same grammar, the same validation, the same error text,
 * the same canonical string. Matching runs for every object of every LIST and watch event, so
 * everything it needs is worked out once, at parse time.
 */
import { newBadRequest } from '../apierrors';
import { compareBytewise, goQuote, isQualifiedName, isValidLabelValue } from './validation';

/**
 * LabelOperator is upstream's selection.Operator as label selectors use it: `!` is "does not
 * exist", `gt`/`lt` are the integer comparisons written `>`/`<`.
 */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** LabelRequirement is one condition of a selector; a selector is the AND of its requirements. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** values as upstream keeps them: parsed `in` lists sorted and de-duplicated, object lists as given. */
  readonly values: readonly string[];
}

/** Labels is what a selector matches against: an object's metadata.labels, possibly absent. */
export type Labels = Readonly<Record<string, string>> | null | undefined;

/** LabelSelectorRequirementObject mirrors metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirementObject {
  key: string;
  operator: string;
  values?: readonly string[] | null;
}

/** LabelSelectorObject mirrors metav1.LabelSelector, the form selectors take inside objects. */
export interface LabelSelectorObject {
  matchLabels?: Readonly<Record<string, string>> | null;
  matchExpressions?: readonly LabelSelectorRequirementObject[] | null;
}

/** SelectorError carries upstream's error text up to the public entry points, which wrap it in a 400. */
class SelectorError extends Error {}

// strconv.ParseInt(s, 10, 64) bounds; values outside them do not parse upstream.
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
// Any decimal of up to 15 digits is exact as a double, so only longer ones need a BigInt.
const EXACT_DOUBLE_DIGITS = 15;
const INT64_MAX_DIGITS = 19;

/**
 * parseInt64 reads a decimal integer exactly as Go's strconv.ParseInt(s, 10, 64): an optional
 * sign, at least one digit, no underscores, within int64. The common short case allocates nothing.
 */
function parseInt64(s: string): number | bigint | undefined {
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 0x2b /* + */ || first === 0x2d /* - */) i = 1;
  if (i >= s.length) return undefined;
  let n = 0;
  let significant = 0;
  for (; i < s.length; i++) {
    const digit = s.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    if (significant > 0 || digit !== 0) significant++;
    if (significant <= EXACT_DOUBLE_DIGITS) n = n * 10 + digit;
  }
  if (significant <= EXACT_DOUBLE_DIGITS) return first === 0x2d ? -n : n;
  if (significant > INT64_MAX_DIGITS) return undefined;
  const big = BigInt(s);
  return big > INT64_MAX || big < INT64_MIN ? undefined : big;
}

/** Requirement is a validated LabelRequirement with what matching needs precomputed. */
class Requirement implements LabelRequirement {
  readonly values: readonly string[];
  /** The value equality operators compare with when there is only one. */
  private readonly onlyValue: string | undefined;
  /** Membership for `in`/`notin` with more than one value. */
  private readonly valueSet: ReadonlySet<string> | undefined;
  /** The integer `gt`/`lt` compare with (number and bigint compare exactly in JavaScript). */
  private readonly bound: number | bigint;
  private readonly text: string;

  constructor(
    readonly key: string,
    readonly operator: LabelOperator,
    values: readonly string[],
  ) {
    this.values = Object.freeze([...values]);
    this.onlyValue = values.length === 1 ? values[0] : undefined;
    this.valueSet = values.length > 1 ? new Set(values) : undefined;
    this.bound = (operator === 'gt' || operator === 'lt') && values.length === 1 ? (parseInt64(values[0]) ?? 0) : 0;
    this.text = renderRequirement(key, operator, values);
  }

  matches(labels: Labels): boolean {
    // Own properties only: a label called `constructor` must not find Object.prototype's.
    const value = labels != null && Object.hasOwn(labels, this.key) ? labels[this.key] : undefined;
    switch (this.operator) {
      case '=':
      case '==':
      case 'in':
        return value !== undefined && this.hasValue(value);
      case '!=':
      case 'notin':
        // Upstream: an object without the key satisfies a negative requirement.
        return value === undefined || !this.hasValue(value);
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
      case 'gt':
      case 'lt': {
        if (value === undefined) return false;
        const n = parseInt64(value);
        if (n === undefined) return false;
        return this.operator === 'gt' ? n > this.bound : n < this.bound;
      }
    }
  }

  toString(): string {
    return this.text;
  }

  private hasValue(value: string): boolean {
    return this.valueSet !== undefined ? this.valueSet.has(value) : value === this.onlyValue;
  }
}

const operatorSymbols: Readonly<Record<LabelOperator, string>> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** renderRequirement is upstream's Requirement.String: values sorted on output, never in place. */
function renderRequirement(key: string, operator: LabelOperator, values: readonly string[]): string {
  if (operator === 'exists') return key;
  if (operator === '!') return `!${key}`;
  const list = values.length === 1 ? values[0] : [...values].sort(compareBytewise).join(',');
  const body = operator === 'in' || operator === 'notin' ? `(${list})` : list;
  return `${key}${operatorSymbols[operator]}${body}`;
}

/**
 * LabelSelector is a parsed, validated label selector. Build one with parseLabelSelector or
 * labelSelectorFromObject; the constructor is internal.
 */
export class LabelSelector {
  /** everything matches every object (the empty selector). */
  static readonly everything: LabelSelector = new LabelSelector([], false);
  /** nothing matches no object (what a null metav1.LabelSelector means). */
  static readonly nothing: LabelSelector = new LabelSelector([], true);

  /** requirements, sorted by key as upstream sorts them. */
  readonly requirements: readonly LabelRequirement[];
  private readonly compiled: readonly Requirement[];
  private readonly text: string;

  /** @internal Use parseLabelSelector or labelSelectorFromObject. */
  constructor(
    requirements: readonly Requirement[],
    private readonly selectsNothing: boolean,
  ) {
    // Array.prototype.sort is stable, so requirements on one key keep their written order.
    this.compiled = Object.freeze([...requirements].sort((a, b) => compareBytewise(a.key, b.key)));
    this.requirements = this.compiled;
    this.text = this.compiled.join(',');
  }

  /** matches reports whether every requirement holds for the labels; absent labels are an empty set. */
  matches(labels: Labels): boolean {
    if (this.selectsNothing) return false;
    const reqs = this.compiled;
    for (let i = 0; i < reqs.length; i++) {
      if (!reqs[i].matches(labels)) return false;
    }
    return true;
  }

  /** isEmpty is true when the selector does not restrict anything (false for `nothing`). */
  isEmpty(): boolean {
    return !this.selectsNothing && this.compiled.length === 0;
  }

  /** matchesNothing is true only for the selector a null metav1.LabelSelector produces. */
  matchesNothing(): boolean {
    return this.selectsNothing;
  }

  /**
   * exactValue returns v when the first requirement on key pins it to one value (`=`, `==` or
   * a one-value `in`), as upstream's RequiresExactMatch; later requirements on the key are not
   * consulted, as upstream.
   */
  exactValue(key: string): string | undefined {
    for (const r of this.compiled) {
      if (r.key !== key) continue;
      const exact = r.operator === '=' || r.operator === '==' || r.operator === 'in';
      return exact && r.values.length === 1 ? r.values[0] : undefined;
    }
    return undefined;
  }

  /** toString is upstream's canonical String(): requirements by key, joined by commas. */
  toString(): string {
    return this.text;
  }
}

/** field.Invalid(path, value, detail).Error() with the value already rendered. */
function invalid(path: string, renderedValue: string, detail: string): string {
  return `${path}: Invalid value: ${renderedValue}: ${detail}`;
}

/**
 * renderValueList prints a []string as upstream's field errors do, through encoding/json. Only
 * object selectors reach it, where an empty list arrives as Go's nil slice: `null`.
 */
function renderValueList(values: readonly string[]): string {
  if (values.length === 0) return 'null';
  // encoding/json escapes these, JSON.stringify does not.
  return JSON.stringify(values).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** aggregate is utilerrors.Aggregate's Error(): duplicates dropped, several bracketed. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** newRequirement validates as upstream's labels.NewRequirement (with no field path) does. */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement {
  const errors: string[] = [];
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) errors.push(invalid('key', goQuote(key), keyErrors.join('; ')));
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) {
        errors.push(invalid('values', renderValueList(values), "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) {
        errors.push(invalid('values', renderValueList(values), 'exact-match compatibility requires one single value'));
      }
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) {
        errors.push(invalid('values', renderValueList(values), 'values set must be empty for exists and does not exist'));
      }
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) {
        errors.push(invalid('values', renderValueList(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errors.push(invalid(`values[${i}]`, goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrors = isValidLabelValue(v);
    if (valueErrors.length > 0) errors.push(invalid(`values[${i}][${key}]`, goQuote(v), valueErrors.join('; ')));
  });
  if (errors.length > 0) throw new SelectorError(aggregate(errors));
  return new Requirement(key, operator, values);
}

// ---- lexer ----

const SYMBOLS = ['(', ')', ',', '!', '=', '==', '!=', '>', '<'] as const;
type SymbolKind = (typeof SYMBOLS)[number];
type TokenKind = SymbolKind | 'identifier' | 'in' | 'notin' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const END: Token = { kind: 'end', text: '' };

function symbolKind(text: string): SymbolKind | undefined {
  return SYMBOLS.find((s) => s === text);
}

/** specialKind names the characters that start an operator and end an identifier; each is a token alone. */
function specialKind(ch: number): SymbolKind | undefined {
  switch (ch) {
    case 0x28:
      return '(';
    case 0x29:
      return ')';
    case 0x2c:
      return ',';
    case 0x21:
      return '!';
    case 0x3d:
      return '=';
    case 0x3e:
      return '>';
    case 0x3c:
      return '<';
    default:
      return undefined;
  }
}

/** isWhitespace: upstream separates tokens by space, tab, CR and LF only. */
function isWhitespace(ch: number): boolean {
  return ch === 0x20 || ch === 0x09 || ch === 0x0d || ch === 0x0a;
}

/**
 * lex splits a selector into tokens as upstream's Lexer. Its quirk is kept: character code 0
 * means "end of input", so a NUL before a token ends the selector and a NUL after one is skipped.
 */
function lex(input: string): Token[] {
  let pos = 0;
  const read = (): number => (pos < input.length ? input.charCodeAt(pos++) : 0);
  const tokens: Token[] = [];

  const scanWord = (): Token => {
    const start = pos;
    let end: number;
    for (;;) {
      end = pos;
      const ch = read();
      if (ch === 0) break;
      if (specialKind(ch) !== undefined || isWhitespace(ch)) {
        pos--;
        break;
      }
    }
    const text = input.slice(start, end);
    return { kind: text === 'in' || text === 'notin' ? text : 'identifier', text };
  };

  // Longest match from a special character: `!=` and `==` are the only two-character tokens.
  const scanSymbol = (first: SymbolKind): Token => {
    let kind = first;
    pos++;
    for (;;) {
      const ch = read();
      if (ch === 0) break;
      const longer = specialKind(ch) !== undefined ? symbolKind(kind + String.fromCharCode(ch)) : undefined;
      if (longer === undefined) {
        pos--;
        break;
      }
      kind = longer;
    }
    return { kind, text: kind };
  };

  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === 0) {
      tokens.push(END);
      return tokens;
    }
    pos--;
    const special = specialKind(ch);
    tokens.push(special !== undefined ? scanSymbol(special) : scanWord());
  }
}

// ---- parser ----

/** Where `in`/`notin` are keywords; anywhere else (keys, values) they are plain identifiers. */
type Context = 'operator' | 'values';

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const token = this.peek('values');
      switch (token.kind) {
        case 'identifier':
        case '!': {
          requirements.push(this.wrapped());
          const after = this.next('values');
          if (after.kind === 'end') return requirements;
          if (after.kind !== ',') throw new SelectorError(`found '${after.text}', expected: ',' or 'end of string'`);
          const following = this.peek('values');
          if (following.kind !== 'identifier' && following.kind !== '!') {
            throw new SelectorError(`found '${following.text}', expected: identifier after ','`);
          }
          break;
        }
        case 'end':
          return requirements;
        default:
          throw new SelectorError(`found '${token.text}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  /** Upstream prefixes every error from inside one requirement. */
  private wrapped(): Requirement {
    try {
      return this.requirement();
    } catch (e) {
      if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private requirement(): Requirement {
    const { key, unary } = this.keyAndUnaryOperator();
    if (unary !== undefined) return newRequirement(key, unary, []);
    const operator = this.operator();
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, values);
  }

  /** Reads `[!]key`; a key followed by `,` or the end is an existence test. */
  private keyAndUnaryOperator(): { key: string; unary: 'exists' | '!' | undefined } {
    let token = this.next('values');
    const negated = token.kind === '!';
    if (negated) token = this.next('values');
    if (token.kind !== 'identifier') throw new SelectorError(`found '${token.text}', expected: identifier`);
    const keyErrors = isQualifiedName(token.text);
    // Upstream validates here with a nil field path, which prints as `<nil>`.
    if (keyErrors.length > 0) throw new SelectorError(invalid('<nil>', goQuote(token.text), keyErrors.join('; ')));
    // `!key` stays a does-not-exist test even when more follows; the caller then rejects the rest.
    if (negated) return { key: token.text, unary: '!' };
    const ahead = this.peek('values').kind;
    return { key: token.text, unary: ahead === 'end' || ahead === ',' ? 'exists' : undefined };
  }

  private operator(): LabelOperator {
    const token = this.next('operator');
    switch (token.kind) {
      case 'in':
        return 'in';
      case 'notin':
        return 'notin';
      case '=':
        return '=';
      case '==':
        return '==';
      case '!=':
        return '!=';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorError(`found '${token.text}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** Reads `(a,b,...)`; empty entries are the empty value, `()` is just the empty value. */
  private valueSet(): string[] {
    const open = this.next('values');
    if (open.kind !== '(') throw new SelectorError(`found '${open.text}' expected: '('`);
    const first = this.peek('values');
    switch (first.kind) {
      case 'identifier':
      case ',': {
        const values = this.valueList();
        // Unreachable (the list only ends before `)`), but upstream reports `first` if it were.
        if (this.next('values').kind !== ')') throw new SelectorError(`found '${first.text}', expected: ')'`);
        return values;
      }
      case ')':
        this.next('values');
        return [''];
      default:
        throw new SelectorError(`found '${first.text}', expected: ',', ')' or identifier`);
    }
  }

  /** The list inside the parentheses, as a sorted set the way upstream's sets.String returns it. */
  private valueList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const token = this.next('values');
      if (token.kind === 'identifier') {
        values.add(token.text);
        const ahead = this.peek('values');
        if (ahead.kind === ',') continue;
        if (ahead.kind === ')') break;
        throw new SelectorError(`found '${ahead.text}', expected: ',' or ')'`);
      }
      if (token.kind !== ',') throw new SelectorError(`found '${token.text}', expected: ',', or identifier`);
      // A comma with nothing before it, before `)` or before another comma stands for "".
      if (values.size === 0) values.add('');
      const ahead = this.peek('values').kind;
      if (ahead === ')') {
        values.add('');
        break;
      }
      if (ahead === ',') values.add('');
    }
    return [...values].sort(compareBytewise);
  }

  /** The value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end is "". */
  private exactValue(): string[] {
    const ahead = this.peek('values').kind;
    if (ahead === 'end' || ahead === ',') return [''];
    const token = this.next('values');
    if (token.kind === 'identifier') return [token.text];
    throw new SelectorError(`found '${token.text}', expected: identifier`);
  }

  private peek(context: Context): Token {
    return this.classify(this.tokens[Math.min(this.position, this.tokens.length - 1)], context);
  }

  private next(context: Context): Token {
    const token = this.peek(context);
    this.position++;
    return token;
  }

  private classify(token: Token, context: Context): Token {
    if (context === 'values' && (token.kind === 'in' || token.kind === 'notin')) return { kind: 'identifier', text: token.text };
    return token;
  }
}

/**
 * parseLabelSelector parses the `labelSelector` query parameter syntax (`a=b,c in (d,e),!f,g>3`)
 * as upstream's labels.Parse. The empty string selects everything.
 *
 * @throws StatusError 400 BadRequest carrying upstream's message when the text does not parse
 *   or a key or value is invalid.
 */
export function parseLabelSelector(text: string): LabelSelector {
  let requirements: Requirement[];
  try {
    requirements = new Parser(lex(text)).parse();
  } catch (e) {
    if (e instanceof SelectorError) throw newBadRequest(e.message);
    throw e;
  }
  return requirements.length === 0 ? LabelSelector.everything : new LabelSelector(requirements, false);
}

const objectOperators: ReadonlyMap<string, LabelOperator> = new Map([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/**
 * labelSelectorFromObject turns a metav1.LabelSelector into a selector as upstream's
 * LabelSelectorAsSelector: null or undefined selects nothing, an empty one everything,
 * matchLabels become `=` requirements, matchExpressions their operator.
 *
 * @throws StatusError 400 BadRequest with upstream's message for an invalid key, value or operator.
 */
export function labelSelectorFromObject(selector: LabelSelectorObject | null | undefined): LabelSelector {
  if (selector == null) return LabelSelector.nothing;
  const matchLabels = selector.matchLabels ?? {};
  const expressions = selector.matchExpressions ?? [];
  // Upstream walks matchLabels in Go's random map order; sorting makes the reported error stable.
  const labelKeys = Object.keys(matchLabels).sort(compareBytewise);
  if (labelKeys.length + expressions.length === 0) return LabelSelector.everything;
  try {
    const requirements = labelKeys.map((key) => newRequirement(key, '=', [matchLabels[key]]));
    for (const expression of expressions) {
      const operator = objectOperators.get(expression.operator);
      if (operator === undefined) throw new SelectorError(`${goQuote(expression.operator)} is not a valid label selector operator`);
      requirements.push(newRequirement(expression.key, operator, expression.values ?? []));
    }
    return new LabelSelector(requirements, false);
  } catch (e) {
    if (e instanceof SelectorError) throw newBadRequest(e.message);
    throw e;
  }
}

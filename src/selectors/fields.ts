/**
 * Field selectors with k8s.io/apimachinery's semantics (pkg/fields/selector.go): `f=v`, `f==v`
 * and `f!=v` joined by commas, values escaped with backslashes, and kube-apiserver's refusal of
 * fields a resource does not index. Matching runs for every object of every LIST and watch event,
 * so it only compares precomputed strings.
 */
import { newBadRequest } from '../apierrors';
import { compareBytewise, goQuote } from './validation';

/** FieldOperator is how a requirement compares; `==` parses to `=`, as upstream. */
export type FieldOperator = '=' | '!=';

/** FieldRequirement is one condition of a field selector; a selector is the AND of them. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Fields is what a selector matches against: the field values a resource exposes for selection. */
export type Fields = Readonly<Record<string, string>>;

/**
 * FieldSelector is a parsed field selector. A field the object does not have reads as "", so
 * `f=` matches objects without f and `f!=v` matches them too, as upstream.
 */
export class FieldSelector {
  /** everything matches every object (the empty selector). */
  static readonly everything: FieldSelector = new FieldSelector([]);

  readonly requirements: readonly FieldRequirement[];
  private readonly text: string;

  /** Builds a selector from requirements, kept in the order given (upstream's AndSelectors). */
  constructor(requirements: readonly FieldRequirement[]) {
    this.requirements = Object.freeze(requirements.map((r) => Object.freeze({ field: r.field, operator: r.operator, value: r.value })));
    this.text = this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }

  /** matches reports whether every requirement holds for the object's fields. */
  matches(fields: Fields): boolean {
    const reqs = this.requirements;
    for (let i = 0; i < reqs.length; i++) {
      const r = reqs[i];
      // Own properties only: a field called `constructor` must not find Object.prototype's.
      const actual = Object.hasOwn(fields, r.field) ? fields[r.field] : '';
      if ((actual === r.value) !== (r.operator === '=')) return false;
    }
    return true;
  }

  /** isEmpty is true when the selector does not restrict anything. */
  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /**
   * exactValue returns v when some requirement is `field=v` (the first such), as upstream's
   * RequiresExactMatch; the store uses it to turn `metadata.name=x` into a point read.
   */
  exactValue(field: string): string | undefined {
    for (const r of this.requirements) {
      if (r.field === field && r.operator === '=') return r.value;
    }
    return undefined;
  }

  /** toString is upstream's String(): terms in parse order, values escaped. */
  toString(): string {
    return this.text;
  }
}

/** escapeFieldValue backslash-escapes `\`, `,` and `=`, the characters that would split a value. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, '\\$&');
}

/** unescapeValue undoes escapeFieldValue, refusing any other escape and any bare `,` or `=`. */
function unescapeValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let value = '';
  let escaping = false;
  for (const c of raw) {
    if (escaping) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw newBadRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      value += c;
      escaping = false;
    } else if (c === '\\') {
      escaping = true;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune with %v, i.e. as its number.
      throw newBadRequest(`invalid field selector: unescaped character in value: ${c.charCodeAt(0)}`);
    } else {
      value += c;
    }
  }
  if (escaping) throw newBadRequest('invalid field selector: invalid escape sequence: \\');
  return value;
}

/** splitTerms cuts at commas that are not escaped; the escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector.charCodeAt(i);
    if (escaped) escaped = false;
    else if (c === 0x5c /* \ */) escaped = true;
    else if (c === 0x2c /* , */) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// `==` is tried before `=` so it does not leave a `=` at the start of the value.
const TERM_OPERATORS = ['!=', '==', '='] as const;

/** splitTerm splits at the first operator; the field part has no escaping at all. */
function splitTerm(term: string): { field: string; operator: FieldOperator; rawValue: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) {
        return { field: term.slice(0, i), operator: op === '!=' ? '!=' : '=', rawValue: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

/**
 * parseFieldSelector parses the `fieldSelector` query parameter as upstream's
 * fields.ParseSelector. Terms are sorted (as text) so equal selectors print the same; spaces are
 * not trimmed; a term with neither field nor value (`=`) is dropped; the empty string selects
 * everything.
 *
 * @throws StatusError 400 BadRequest with upstream's message for a term without an operator or
 *   a value with a bad escape.
 */
export function parseFieldSelector(selector: string): FieldSelector {
  const terms = splitTerms(selector).sort(compareBytewise);
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (split === undefined) throw newBadRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const value = unescapeValue(split.rawValue);
    // Upstream's identity Transform turns a term with empty field and value into Everything.
    if (split.field === '' && value === '') continue;
    requirements.push({ field: split.field, operator: split.operator, value });
  }
  return requirements.length === 0 ? FieldSelector.everything : new FieldSelector(requirements);
}

/**
 * FieldLabelRejection picks which of kube-apiserver's two refusals a resource gives for a field
 * it cannot select on:
 * - `notSupported`: kinds with a registered field-label conversion (pods, nodes, events,
 *   namespaces, secrets, replicasets, replicationcontrollers, jobs, certificatesigningrequests
 *   ...) and every custom resource: `field label not supported: spec.foo`.
 * - `notKnown`: every other built-in kind, which falls back to the scheme's default conversion:
 *   `"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"`.
 */
export type FieldLabelRejection = 'notSupported' | 'notKnown';

/**
 * checkFieldSelector refuses a selector naming a field outside `supported`, with the message
 * kube-apiserver gives. Requirements are checked in selector order, so the first bad one is
 * reported, as upstream. With `notKnown` the message names metadata.name and metadata.namespace
 * whatever `supported` says, because upstream's default conversion hard-codes both.
 *
 * @throws StatusError 400 BadRequest.
 */
export function checkFieldSelector(
  selector: FieldSelector,
  supported: readonly string[],
  rejection: FieldLabelRejection = 'notSupported',
): void {
  for (const r of selector.requirements) {
    if (supported.includes(r.field)) continue;
    throw newBadRequest(
      rejection === 'notSupported'
        ? `field label not supported: ${r.field}`
        : `${goQuote(r.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
    );
  }
}

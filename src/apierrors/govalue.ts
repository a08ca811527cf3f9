/**
 * How Go prints the values kube-apiserver puts in its messages, for the ones field errors need:
 * strconv.Quote (`%q`), `%v` of a float64, and encoding/json's Marshal of maps, slices and
 * structs. Kept beside the errors because the field error's rendering is their main user.
 */

const HEX = '0123456789abcdef';

/** isGoPrint is unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
function isGoPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v' };

/**
 * goQuote is strconv.Quote, Go's `%q` of a string: printable runes as they are, the rest
 * escaped. A lone surrogate cannot reach Go from JSON (its decoder turns it into U+FFFD, which
 * is printable), so it prints as U+FFFD.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (isGoPrint(ch)) out += ch;
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp];
    else if (cp < 0x80) out += `\\x${HEX[cp >> 4]}${HEX[cp & 0xf]}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/**
 * goFloat is `%v` of a float64 (strconv 'g' with the shortest precision, which switches to an
 * exponent below 1e-4 and from 1e21 up). Integral values print as integers, as Go's integer
 * types do: a JSON number of an int32/int64 field is what most values are.
 */
export function goFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    const [mantissa, e] = v.toExponential().split('e');
    const n = Number(e);
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

/** jsonString is encoding/json's string encoding, which also escapes <, >, & and U+2028/9. */
function jsonString(s: string): string {
  // With the u flag the class matches lone surrogates only; Go's decoder made them U+FFFD.
  return JSON.stringify(s.replace(/[\ud800-\udfff]/gu, '\ufffd')).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * goJSON is encoding/json's Marshal of a decoded JSON value. Object keys are sorted, as Go sorts
 * map keys; a struct prints its fields in declaration order instead, which no longer exists once
 * the object is JSON, so sorting is the one deterministic rule (and exact for every map).
 */
export function goJSON(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))); // Go sorts by UTF-8 bytes
    return `{${keys.map((k) => `${jsonString(k)}:${goJSON(o[k])}`).join(',')}}`;
  }
  return 'null';
}

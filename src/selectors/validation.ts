/**
 * The name and value checks Kubernetes applies to label keys, label values and object names.
 *
 * Each check returns upstream's error strings, empty when the value is valid. Clients and tests
 * compare these strings, so they are kube-apiserver's (k8s.io/apimachinery v0.35, the release
 * kubectl 1.35 talks to) word for word. Two families of wording coexist in that release:
 * label keys and values are checked by `pkg/api/validate/content`, which measures in "bytes";
 * object names go through `pkg/util/validation`, which still says "characters". Both count
 * UTF-8 bytes, as Go's `len` does.
 */

/** LABEL_KEY_NAME_MAX_LENGTH bounds the part of a label key after the optional prefix. */
export const LABEL_KEY_NAME_MAX_LENGTH = 63;

/** LABEL_VALUE_MAX_LENGTH bounds a label value. */
export const LABEL_VALUE_MAX_LENGTH = 63;

/** DNS1123_LABEL_MAX_LENGTH is RFC 1123's limit for one DNS label. */
export const DNS1123_LABEL_MAX_LENGTH = 63;

/** DNS1123_SUBDOMAIN_MAX_LENGTH is RFC 1123's limit for a whole DNS name. */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

// The patterns are kept as text because the messages quote them verbatim.
const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${labelKeyFmt})?`;
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';

const labelKeyRegexp = new RegExp(`^${labelKeyFmt}$`);
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`);
const dns1123LabelRegexp = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelRegexp = new RegExp(`^${dns1035LabelFmt}$`);

const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1035LabelErrMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Which upstream package's wording a length error uses (see the module comment). */
type LengthUnit = 'bytes' | 'characters';

function maxLenError(length: number, unit: LengthUnit): string {
  return `must be no more than ${length} ${unit}`;
}

// Upstream writes "'a', " then " or " between examples, hence the double space; clients see it.
function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}

/**
 * utf8Length counts the UTF-8 bytes of a string without encoding it, because upstream's length
 * limits are Go `len`, i.e. bytes. A lone surrogate counts as the 3 bytes of U+FFFD it becomes.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function subdomainErrors(value: string, unit: LengthUnit): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH, unit));
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

/**
 * isQualifiedName checks a label key (upstream's IsQualifiedName, now content.IsLabelKey): a name
 * of at most 63 bytes of `[-A-Za-z0-9_.]` starting and ending alphanumeric, optionally preceded
 * by a DNS-1123 subdomain prefix and `/`. Returns upstream's messages, empty when valid.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const msg of subdomainErrors(prefix, 'bytes')) errs.push(`prefix part ${msg}`);
  } else {
    errs.push(
      `a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return errs;
  }
  // Upstream reports an empty name twice (empty, and not matching the pattern); so do we.
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (utf8Length(name) > LABEL_KEY_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(LABEL_KEY_NAME_MAX_LENGTH, 'bytes')}`);
  if (!labelKeyRegexp.test(name)) {
    errs.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/**
 * isValidLabelValue checks a label value: empty, or at most 63 bytes of `[-A-Za-z0-9_.]`
 * starting and ending alphanumeric. Returns upstream's messages, empty when valid.
 */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH, 'bytes'));
  if (!labelValueRegexp.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * isDNS1123Subdomain checks a lowercase RFC 1123 subdomain of at most 253 bytes, the rule for
 * most object names. Returns upstream's messages (util/validation wording), empty when valid.
 */
export function isDNS1123Subdomain(value: string): string[] {
  return subdomainErrors(value, 'characters');
}

/**
 * isDNS1123Label checks a lowercase RFC 1123 label of at most 63 bytes (namespace and service
 * names). A valid subdomain that is not a label can only differ by its dots, and upstream says
 * exactly that instead of the general message.
 */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH, 'characters'));
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

/**
 * isDNS1035Label checks an RFC 1035 label of at most 63 characters: like an RFC 1123 label but
 * starting with a letter (service names). Returns upstream's messages, empty when valid.
 */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (utf8Length(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH, 'characters'));
  if (!dns1035LabelRegexp.test(value)) errs.push(regexError(dns1035LabelErrMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const shortEscapes: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
};

/**
 * goQuote renders a string as Go's `%q` does. Upstream field errors print a bad string value
 * that way (`Invalid value: "a\tb"`), and JSON.stringify differs for control and format
 * characters, which a selector can carry since its lexer only splits on space, tab, CR and LF.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (printable.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    const short = shortEscapes[cp];
    if (short !== undefined) out += short;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'; // a lone surrogate reaches Go as U+FFFD, which prints as is
    else out += cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/**
 * compareBytewise orders strings as Go's sort.Strings does, by UTF-8 bytes (that is, by code
 * point). JavaScript's default order is by UTF-16 unit, which puts characters above U+FFFF
 * before U+E000..U+FFFF; upstream's sorted output and first-reported error follow byte order.
 */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Lift surrogates above the rest of the BMP so units compare in code point order.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

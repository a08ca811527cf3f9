/**
 * The string formats a CustomResourceDefinition schema may use, checked as kube-openapi's strfmt
 * registry checks them (k8s.io/kube-openapi pkg/validation/strfmt, the list of
 * apiextensions-apiserver pkg/apiserver/validation/formats.go). Other formats are ignored, as
 * upstream strips them from the schema before validating.
 */

/** FormatCheck tells whether a string is of a format. */
export type FormatCheck = (value: string) => boolean;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
/** HOSTNAME_MAX and LABEL_MAX are the lengths strfmt's IsHostname allows. */
const HOSTNAME_MAX = 255;
const LABEL_MAX = 63;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGB_PART = '\\s*(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])\\s*';
const RGBCOLOR = new RegExp(`^rgb\\(${RGB_PART},${RGB_PART},${RGB_PART}\\)$`);
const SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
/** SSN_LENGTH is what govalidator's IsSSN requires before matching. */
const SSN_LENGTH = 11;
const CREDITCARD = /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/;
const SHORT_NAME = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const K8S_SHORT_NAME = new RegExp(`^${SHORT_NAME}$`);
const K8S_LONG_NAME = new RegExp(`^${SHORT_NAME}(\\.${SHORT_NAME})*$`);
const K8S_SHORT_NAME_MAX = 63;
const K8S_LONG_NAME_MAX = 253;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_CLOCK = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/;
/** ATEXT is RFC 5322's atom text, which Go's net/mail accepts (plus any non-ASCII rune). */
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\u0080-\\uffff]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = new RegExp(`^(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])$`);
const DISPLAY_NAME = new RegExp(`^(?:(?:${ATOM}|${QUOTED})(?:\\s+(?:${ATOM}|${QUOTED}))*)?\\s*$`);

/** isDate is Go's time.Parse("2006-01-02"): a real calendar day. */
function isDate(s: string): boolean {
  const m = FULL_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

/** isDateTime is strfmt.IsDateTime: a full date, "t", and a clock with a zone (case-insensitive). */
function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = DATE_TIME_CLOCK.exec(parts[1]);
  if (!m) return false;
  return m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
}

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const LOOSE_DURATION = /((\d+)\s*([A-Za-zµ]+))/g;
const DURATION_UNITS = [['ns', 'nano'], ['us', 'µs', 'micro'], ['ms', 'milli'], ['s', 'sec'], ['m', 'min'], ['h', 'hr', 'hour'], ['d', 'day'], ['w', 'wk', 'week']];

/** isDuration is strfmt.ParseDuration: Go's time.ParseDuration, or "<n> <unit>" pairs. */
function isDuration(s: string): boolean {
  if (s === '0' || GO_DURATION.test(s)) return true;
  for (const m of s.matchAll(LOOSE_DURATION)) {
    const unit = m[3].trim().toLowerCase();
    for (const variants of DURATION_UNITS) {
      if (variants.some((v, i) => (i === variants.length - 1 && unit.startsWith(v)) || v.toLowerCase() === unit)) return true;
    }
  }
  return false;
}

/** isEmail is Go's net/mail.ParseAddress with a non-empty address: `addr` or `Name <addr>`. */
function isEmail(s: string): boolean {
  const t = s.trim();
  const angle = /^(.*)<([^<>]*)>$/.exec(t);
  if (angle) return DISPLAY_NAME.test(angle[1]) && ADDR_SPEC.test(angle[2]);
  return ADDR_SPEC.test(t);
}

/** isIPv4Literal reads a dotted quad as k8s.io/utils/net's ParseIPSloppy does (leading zeros allowed). */
function isIPv4Literal(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** isIPv6Literal is net.ParseIP for a colon form, with an optional embedded IPv4 tail. */
function isIPv6Literal(s: string): boolean {
  if (!s.includes(':')) return false;
  let body = s;
  let need = 8;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4Literal(tail)) return false;
    need = 6;
    body = s.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const isGroup = (g: string) => /^[0-9a-fA-F]{1,4}$/.test(g);
  const halves = body.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 2) {
    const all = [...groups(halves[0]), ...groups(halves[1])];
    return all.every(isGroup) && all.length < need;
  }
  const all = groups(body);
  return all.every(isGroup) && all.length === need;
}

function isIP(s: string): boolean {
  return isIPv4Literal(s) || isIPv6Literal(s);
}

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const prefix = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return false;
  if (isIPv4Literal(ip)) return Number(prefix) <= 32;
  return isIPv6Literal(ip) && Number(prefix) <= 128;
}

/** isMAC is Go's net.ParseMAC: 6, 8 or 20 octets, colon, dash or dotted-quad-hex separated. */
function isMAC(s: string): boolean {
  const octets = (n: number) => n === 6 || n === 8 || n === 20;
  for (const sep of [':', '-']) {
    const parts = s.split(sep);
    if (parts.length > 1 && octets(parts.length) && parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return true;
  }
  const dotted = s.split('.');
  return dotted.length > 1 && octets(dotted.length * 2) && dotted.every((p) => /^[0-9a-fA-F]{4}$/.test(p));
}

/** isRequestURI is Go's url.ParseRequestURI: an absolute URI or an absolute path, no control bytes. */
function isRequestURI(s: string): boolean {
  if (s === '' || /[\x00-\x1f\x7f]/.test(s)) return false;
  if (s.startsWith('/')) return true;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:(.*)$/.exec(s);
  if (!m) return false;
  const rest = m[1];
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split(/[/?#]/)[0];
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  return !/[\s<>"{}|\\^`]/.test(host);
}

function isISBN10(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^(?:[0-9]{9}X|[0-9]{10})$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(d[i]);
  sum += d[9] === 'X' ? 100 : 10 * Number(d[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^[0-9]{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(d[12]);
}

function isCreditCard(s: string): boolean {
  const d = s.replace(/[^0-9]/g, '');
  if (!CREDITCARD.test(d)) return false;
  let sum = 0;
  let double = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let n = Number(d[i]);
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return sum % 10 === 0;
}

/** CRD_FORMATS are the checks by normalized name (go-openapi drops the dashes: date-time is datetime). */
const CRD_FORMATS: Readonly<Record<string, FormatCheck>> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: (s) => HOSTNAME.test(s) && s.length <= HOSTNAME_MAX && s.split('.').every((p) => p.length <= LABEL_MAX),
  ipv4: (s) => isIP(s) && s.includes('.'),
  ipv6: (s) => isIP(s) && s.includes(':'),
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => UUID.test(s),
  uuid3: (s) => UUID3.test(s),
  uuid4: (s) => UUID4.test(s),
  uuid5: (s) => UUID5.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => s.length === SSN_LENGTH && SSN.test(s),
  hexcolor: (s) => HEXCOLOR.test(s),
  rgbcolor: (s) => RGBCOLOR.test(s),
  byte: (s) => BASE64.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
  k8sshortname: (s) => s.length <= K8S_SHORT_NAME_MAX && K8S_SHORT_NAME.test(s),
  k8slongname: (s) => s.length <= K8S_LONG_NAME_MAX && K8S_LONG_NAME.test(s),
};

/**
 * crdFormatCheck returns the check of a format as a CRD schema uses it, or undefined when
 * upstream strips the format (unknown, or on a non-string type).
 */
export function crdFormatCheck(format: string, type: unknown): FormatCheck | undefined {
  if (type !== undefined && type !== 'string') return undefined;
  return CRD_FORMATS[format.replace(/-/g, '')];
}

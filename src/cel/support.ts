/**
 * What kapi's CEL environment supports, for documentation and for the CRD registration to
 * report. Anything not listed fails compilation with a message naming it.
 */

/** SUPPORTED_LIBRARIES lists the libraries and their functions. */
export const SUPPORTED_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  'standard library': [
    'operators (arithmetic, comparison with cross-type numeric comparisons, logical, ?:, in, [])',
    'has() and the all, exists, exists_one, map, filter macros',
    'size, type, dyn, int, uint, double, string, bytes, bool, timestamp, duration',
    'contains, startsWith, endsWith, matches (RE2)',
    'timestamp and duration accessors (getFullYear ... getMilliseconds, with time zones)',
  ],
  'kubernetes lists': ['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf'],
  'strings (cel-go ext.Strings v2)': ['charAt', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim', 'join', 'format', 'strings.quote'],
  'kubernetes regex': ['find', 'findAll'],
  'kubernetes urls': ['url', 'isURL', 'getScheme', 'getHost', 'getHostname', 'getPort', 'getEscapedPath', 'getQuery'],
  'kubernetes quantity': ['quantity', 'isQuantity', 'sign', 'isInteger', 'asInteger', 'asApproximateFloat', 'add', 'sub', 'compareTo', 'isGreaterThan', 'isLessThan'],
  'kubernetes ip and cidr': [
    'ip', 'isIP', 'ip.isCanonical', 'family', 'isUnspecified', 'isLoopback', 'isLinkLocalMulticast', 'isLinkLocalUnicast', 'isGlobalUnicast',
    'cidr', 'isCIDR', 'containsIP', 'containsCIDR', 'prefixLength', 'masked', 'string',
  ],
  'kubernetes format': ['format.named', 'format.<name>()', 'validate'],
  'kubernetes semver': ['semver', 'isSemver', 'major', 'minor', 'patch', 'compareTo', 'isGreaterThan', 'isLessThan'],
  'sets (cel-go ext.Sets)': ['sets.contains', 'sets.equivalent', 'sets.intersects'],
  'lists (cel-go ext.Lists v3)': ['slice', 'flatten', 'sort', 'lists.range', 'reverse', 'distinct'],
  'optional values': ['optional.of', 'optional.ofNonZeroValue', 'optional.none', 'hasValue', 'value', 'orValue', 'or', 'optionalOldSelf'],
};

/** UNSUPPORTED_FEATURES are parts of kube-apiserver's CEL environment kapi rejects at compile time. */
export const UNSUPPORTED_FEATURES: readonly string[] = [
  'optional syntax: a.?b, a[?k], [?x], {?k: v} (@bufbuild/cel\'s parser does not parse it)',
  'two-variable comprehensions: all(i, v, p), exists(i, v, p), existsOne, transformList, transformMap, transformMapEntry',
  'the sortBy, optMap and optFlatMap macros',
  'the authorizer library (not offered to CRD rules upstream either)',
];

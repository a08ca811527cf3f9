/**
 * The CEL libraries of kapi's environment, function by function, with the results and errors of
 * their upstream implementations (k8s.io/apiserver/pkg/cel/library, cel-go's ext).
 */
import * as assert from 'node:assert/strict';

import { isCelError } from '@bufbuild/cel';

import { SUPPORTED_LIBRARIES } from '../../../src/cel';
import { FUNCTIONS } from '../../../src/cel/env';
import { evalExpr } from './support';

/** truths are expressions that must evaluate to true. */
function truths(title: string, cases: readonly string[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c, () => {
        const v = evalExpr(c);
        assert.equal(isCelError(v) ? `error: ${(v as Error).message}` : v, true);
      });
    }
  });
}

/** failures are expressions whose evaluation fails with a message matching the pattern. */
function failures(title: string, cases: ReadonlyArray<[string, RegExp]>): void {
  describe(title, () => {
    for (const [c, pattern] of cases) {
      it(c, () => {
        const v = evalExpr(c);
        assert.ok(isCelError(v), `${c} evaluated to ${String(v)}`);
        const e = v as Error & { cause?: unknown };
        const msg = e.message || (e.cause instanceof Error ? e.cause.message : '');
        assert.match(msg, pattern);
      });
    }
  });
}

describe('cel: libraries', () => {
  truths('standard library', [
    "size('héllo') == 5 && 'héllo'.size() == 5 && size([1, 2]) == 2 && size({'a': 1}) == 1 && size(b'ab') == 2",
    "'abc'.contains('b') && 'abc'.startsWith('ab') && 'abc'.endsWith('bc') && 'abc'.matches('^a.c$') && matches('abc', 'b')",
    '1 < 1.5 && 2u > 1 && 1.0 <= 1 && 3 >= 2u',
    'dyn(1) == 1.0 && dyn(1u) == 1 && dyn([1]) == [1.0] && {1: 2} == {1: 2}',
    "int('42') == 42 && uint(3) == 3u && double(2) == 2.0 && string(12) == '12' && string(true) == 'true' && bool('true')",
    "int(duration('1s')) == 1000000000 && int(timestamp('1970-01-01T00:01:00Z')) == 60",
    "duration('1h30m') == duration('90m') && duration('1h').getMinutes() == 60 && timestamp('2024-01-01T00:00:00Z') + duration('24h') == timestamp('2024-01-02T00:00:00Z')",
    "timestamp('2024-02-29T23:30:00Z').getDate() == 29 && timestamp('2024-02-29T23:30:00Z').getDate('+01:00') == 1 && timestamp('2024-02-29T23:30:00Z').getMonth() == 1",
    "timestamp('2024-02-29T23:30:00Z').getDate('Asia/Tokyo') == 1",
    "type(1) == int && type('a') == string && type([1]) == list && type({'a': 1}) == map && type(1.5) == double",
    "[1, 2, 3].all(x, x > 0) && [1, 2, 3].exists(x, x == 2) && [1, 2, 3].exists_one(x, x > 2) && [1, 2, 3].map(x, x * 2) == [2, 4, 6] && [1, 2, 3].filter(x, x % 2 == 1) == [1, 3]",
    "[1, 2, 3].map(x, x > 1, x * 10) == [20, 30] && {'a': 1, 'b': 2}.all(k, k in ['a', 'b'])",
    "1 in [1, 2] && 'a' in {'a': 1} && !(3 in [1, 2])",
  ]);

  truths('kubernetes lists', [
    '[1, 2, 3].isSorted() && ![3, 1].isSorted() && ["a", "b"].isSorted() && [].isSorted()',
    '[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0 && [duration("1s"), duration("2s")].sum() == duration("3s") && [1u, 2u].sum() == 3u',
    'size([0.0].filter(x, x > 1.0)) == 0 && [0.0].filter(x, x > 1.0).sum() == 0.0',
    '[3, 1, 2].min() == 1 && [3, 1, 2].max() == 3 && ["b", "a"].min() == "a" && [timestamp("2020-01-01T00:00:00Z"), timestamp("2021-01-01T00:00:00Z")].max() == timestamp("2021-01-01T00:00:00Z")',
    '[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2 && [1, 2].indexOf(5) == -1',
  ]);
  failures('kubernetes lists errors', [['[].min() == 0', /min called on empty list/]]);

  truths('strings', [
    "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == '' && 'héllo'.charAt(1) == 'é'",
    "'hello mellow'.indexOf('ello') == 1 && 'hello mellow'.indexOf('ello', 2) == 7 && 'hello mellow'.indexOf('') == 0 && 'hello mellow'.indexOf('ello', 20) == -1",
    "'hello mellow'.lastIndexOf('ello') == 7 && 'hello mellow'.lastIndexOf('ello', 6) == 1 && 'hello mellow'.lastIndexOf('') == 12",
    "'TacoCÆt Xii'.lowerAscii() == 'tacocÆt xii' && 'TacoCÆt Xii'.upperAscii() == 'TACOCÆT XII'",
    "'hello hello'.replace('he', 'we') == 'wello wello' && 'hello hello'.replace('he', 'we', 1) == 'wello hello' && 'hello hello'.replace('he', 'we', 0) == 'hello hello' && 'ab'.replace('', '_') == '_a_b_'",
    "'a b c'.split(' ') == ['a', 'b', 'c'] && 'a b c'.split(' ', 2) == ['a', 'b c'] && 'a b c'.split(' ', 0) == [] && 'abc'.split('') == ['a', 'b', 'c']",
    "'tacocat'.substring(4) == 'cat' && 'tacocat'.substring(0, 4) == 'taco' && 'ñandú'.substring(1, 3) == 'an'",
    "'  \\ttrim\\n   '.trim() == 'trim'",
    "['a', 'b'].join() == 'ab' && ['a', 'b'].join('-') == 'a-b' && [].join(',') == ''",
    "strings.quote('a\"b\\n') == '\"a\\\\\"b\\\\n\"'",
    "'%s is %d years, %.2f%% sure, %x, %X, %o, %b, %e'.format(['Bob', 42, 99.5, 255, 255, 8, 5, 1234.5678]) == 'Bob is 42 years, 99.50% sure, ff, FF, 10, 101, 1.234568e+03'",
    "'%s %s %s %s'.format([[1, 'a'], {'k': true}, null, 1.5]) == '[1, \"a\"] {\"k\":true} null 1.5'",
  ]);
  failures('strings errors', [
    ["'hello'.charAt(-1) == ''", /index out of range: -1/],
    ["'tacocat'.substring(2, 1) == ''", /invalid substring range. start: 2, end: 1/],
    ["'hello'.indexOf('l', -1) == 0", /index out of range: -1/],
    ["'%d'.format(['x']) == ''", /decimal clause can only be used on integers/],
  ]);

  truths('kubernetes regex', [
    "'abc123def456'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
    "'abc123def456'.findAll('[0-9]+') == ['123', '456'] && 'abc123def456'.findAll('[0-9]+', 1) == ['123']",
    "'xAbC'.find('(?i)abc') == 'AbC' && 'a.b'.find('\\\\.') == '.' && 'key=val'.find('(?P<k>[a-z]+)=') == 'key='",
    "'aaa'.findAll('a*') == ['aaa'] && 'baaab'.findAll('a*') == ['', 'aaa', ''] && 'abc'.findAll('') == ['', '', '', '']",
    "'x y'.find('\\\\s') == ' ' && 'éa'.find('\\\\pL') == 'é' && 'ab12'.find('[[:digit:]]+') == '12'",
  ]);
  failures('kubernetes regex errors', [["'a'.find(dyn('[')) == ''", /Illegal regex: error parsing regexp: missing closing \]/]]);

  truths('kubernetes urls', [
    "url('https://user@example.com:8443/a%20b/c?x=1&x=2&y').getScheme() == 'https'",
    "url('https://example.com:8443/p').getHost() == 'example.com:8443' && url('https://[::1]:80/').getHostname() == '::1' && url('https://[::1]:80/').getPort() == '80'",
    "url('https://example.com/a%20b/c').getEscapedPath() == '/a%20b/c' && url('/absolute/path').getEscapedPath() == '/absolute/path'",
    "url('https://e.com/?x=1&x=2&y').getQuery() == {'x': ['1', '2'], 'y': ['']}",
    "isURL('https://example.com') && isURL('/path') && !isURL('example.com') && !isURL('') && isURL('mailto:a@b.c')",
    "url('HTTPS://example.com').getScheme() == 'https' && url('https://example.com') == url('https://example.com')",
  ]);
  failures('kubernetes urls errors', [
    ["url('not a url').getScheme() == ''", /URL parse error during conversion from string: parse "not a url": invalid URI for request/],
    ["url('https://h:port/').getHost() == ''", /URL parse error during conversion from string: parse "https:\/\/h:port\/": invalid port ":port" after host/],
  ]);

  truths('kubernetes quantity', [
    "quantity('1Gi').isGreaterThan(quantity('1G')) && quantity('500m').isLessThan(quantity('1'))",
    "quantity('200M').compareTo(quantity('0.2G')) == 0 && quantity('50M').compareTo(quantity('50Mi')) == -1",
    "quantity('50k').add(quantity('20k')) == quantity('70k') && quantity('50k').add(20) == quantity('50020') && quantity('50k').sub(20000) == quantity('30k')",
    "quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')",
    "quantity('50k').asInteger() == 50000 && quantity('50k').isInteger() && !quantity('1.5').isInteger() && quantity('1500m').asApproximateFloat() == 1.5",
    "!quantity('9999999999999999999999999999999999999G').isInteger() && quantity('1e3').asInteger() == 1000",
    "sign(quantity('-50')) == -1 && sign(quantity('0')) == 0 && sign(quantity('3Ki')) == 1",
    // 'Mi' is a quantity (zero mebi): resource.ParseQuantity's scanner takes an empty number as
    // 0 and Mi is a known suffix, whatever library/quantity.go's doc comment claims.
    "isQuantity('1.3G') && isQuantity('1.3Gi') && !isQuantity('1,3G') && isQuantity('10000k') && !isQuantity('200K') && !isQuantity('Three') && isQuantity('Mi') && !isQuantity('1i')",
  ]);
  failures('kubernetes quantity errors', [
    ["quantity('200K') == quantity('1')", /quantities must match the regular expression/],
    ["quantity('1.5').asInteger() == 1", /cannot convert value to integer/],
  ]);

  truths('kubernetes ip', [
    "isIP('192.168.0.1') && isIP('::1') && !isIP('192.168.0.1/24') && !isIP('300.0.0.1') && !isIP('fe80::1%eth0') && !isIP('::ffff:1.2.3.4') && !isIP('01.2.3.4')",
    "ip('192.168.0.1').family() == 4 && ip('2001:db8::1').family() == 6",
    "ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1') && !ip.isCanonical('2001:db8:0:0:0:0:0:1')",
    "string(ip('2001:db8:0:0:1:0:0:1')) == '2001:db8::1:0:0:1' && string(ip('0:0:0:0:0:0:0:0')) == '::'",
    "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback() && ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()",
    "ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast() && ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()",
    "ip('10.0.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast() && !ip('224.0.0.1').isGlobalUnicast() && ip('2001:db8::1').isGlobalUnicast()",
    "ip('10.0.0.1') == ip('10.0.0.1') && ip('::1') != ip('::2')",
  ]);
  failures('kubernetes ip errors', [
    ["ip('1.2.3') == ip('1.2.3.4')", /IP Address "1.2.3" parse error during conversion from string: ParseAddr\("1.2.3"\): IPv4 address too short/],
    ["ip('fe80::1%eth0').family() == 6", /IP address "fe80::1%eth0" with zone value is not allowed/],
    ["ip('::ffff:1.2.3.4').family() == 6", /IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed/],
  ]);

  truths('kubernetes cidr', [
    "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/33') && !isCIDR('10.0.0.0/08')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && !cidr('10.0.0.0/8').containsIP('11.0.0.1')",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8') && cidr('::/0').containsCIDR(cidr('2001:db8::/32'))",
    "cidr('10.1.2.3/8').ip() == ip('10.1.2.3') && cidr('10.1.2.3/8').masked() == cidr('10.0.0.0/8') && cidr('10.1.2.3/8').prefixLength() == 8",
    "string(cidr('2001:db8::1/64').masked()) == '2001:db8::/64'",
  ]);
  failures('kubernetes cidr errors', [["cidr('10.0.0.0/40') == cidr('10.0.0.0/8')", /network address parse error during conversion from string/]]);

  truths('kubernetes format', [
    "!format.dns1123Label().validate('my-name').hasValue() && format.dns1123Label().validate('My_Name').hasValue()",
    "format.dns1123Subdomain().validate('apiextensions.k8s.io') == optional.none() && format.dns1035Label().validate('1abc').hasValue()",
    "format.qualifiedName().validate('apiextensions.k8s.io/v1beta1') == optional.none() && format.labelValue().validate('x_y') == optional.none() && format.labelValue().validate('-x').hasValue()",
    "!format.dns1123LabelPrefix().validate('my-prefix-').hasValue() && !format.dns1123SubdomainPrefix().validate('sub.prefix-').hasValue() && !format.dns1035LabelPrefix().validate('p-').hasValue()",
    "!format.uri().validate('http://example.com').hasValue() && format.uri().validate('nope').value()[0] == 'parse \"nope\": invalid URI for request'",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue() && format.uuid().validate('x').value() == ['does not match the UUID format']",
    "!format.byte().validate('aGVsbG8=').hasValue() && format.byte().validate('!').value() == ['invalid base64']",
    "!format.date().validate('2021-01-01').hasValue() && format.date().validate('2021-13-01').value() == ['invalid date']",
    "!format.datetime().validate('2021-01-01T00:00:00Z').hasValue() && format.datetime().validate('2021-01-01').value() == ['invalid datetime']",
    "format.named('dns1123Label').hasValue() && !format.named('nope').hasValue() && format.named('dns1123Label').value().validate('a').hasValue() == false",
    "format.dns1123Label().validate('My_Name').value() == [\"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\"]",
  ]);

  truths('kubernetes semver', [
    "isSemver('1.2.3') && isSemver('1.2.3-rc.1+build.5') && !isSemver('v1.2.3') && isSemver('v1.2', true) && !isSemver('1.02.3') && isSemver('1.02.3', true)",
    "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
    "semver('1.2.3').isLessThan(semver('1.10.0')) && semver('1.0.0').isGreaterThan(semver('1.0.0-rc.1')) && semver('1.0.0-alpha').compareTo(semver('1.0.0-alpha.1')) == -1",
    "semver('1.0.0-alpha.10').compareTo(semver('1.0.0-alpha.2')) == 1 && semver('1.0.0+a') == semver('1.0.0+b') && semver('v2', true) == semver('2.0.0')",
  ]);
  failures('kubernetes semver errors', [["semver('1.2').major() == 1", /No Major.Minor.Patch elements found/]]);

  truths('sets', [
    'sets.contains([1, 2, 3], [3, 1]) && !sets.contains([1, 2], [3]) && sets.contains([1], [])',
    'sets.equivalent([1, 2, 2], [2, 1]) && !sets.equivalent([1], [1, 2])',
    'sets.intersects([1, 2], [2, 3]) && !sets.intersects([1], [2])',
  ]);

  truths('lists', [
    '[1, 2, 3, 4].slice(1, 3) == [2, 3] && [[1], [2, 3], [4]].flatten() == [1, 2, 3, 4] && [[[1]], [[2], [3]]].flatten(2) == [1, 2, 3] && [[[1]]].flatten() == [[1]]',
    '[3, 1, 2].sort() == [1, 2, 3] && ["b", "a"].sort() == ["a", "b"] && lists.range(3) == [0, 1, 2]',
    '[1, 2, 3].reverse() == [3, 2, 1] && [1, 2, 2, 3, 1].distinct() == [1, 2, 3]',
  ]);
  failures('lists errors', [
    ['[1, 2].slice(1, 5) == []', /cannot slice\(1, 5\), list is length 2/],
    ['[1, 2].slice(2, 1) == []', /start index must be less than or equal to end index/],
  ]);

  truths('optional values', [
    'optional.of(1).hasValue() && optional.of(1).value() == 1 && !optional.none().hasValue()',
    'optional.none().orValue(5) == 5 && optional.of(1).orValue(5) == 1 && optional.none().or(optional.of(2)).value() == 2',
    "!optional.ofNonZeroValue('').hasValue() && optional.ofNonZeroValue('a').hasValue() && !optional.ofNonZeroValue(0).hasValue() && !optional.ofNonZeroValue([]).hasValue()",
  ]);
  failures('optional errors', [['optional.none().value() == 1', /optional.none\(\) dereference/]]);

  it('declares every function it documents', () => {
    for (const [lib, fns] of Object.entries(SUPPORTED_LIBRARIES)) {
      if (lib === 'standard library') continue;
      for (const fn of fns) {
        if (fn.includes('<') || fn === 'optionalOldSelf') continue;
        assert.ok(FUNCTIONS.has(fn), `${lib}: ${fn}`);
      }
    }
  });
});

import assert from 'node:assert/strict';
import {
  compareBytewise,
  goQuote,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  utf8Length,
} from '../../../src/selectors/validation';

// Upstream's messages, word for word (k8s.io/apimachinery v0.35).
const KEY_NAME_PATTERN =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_PATTERN =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN_PATTERN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS_LABEL_PATTERN =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('selectors/validation', () => {
  describe('isQualifiedName', () => {
    it('accepts names with and without a DNS subdomain prefix', () => {
      for (const key of ['a', 'A', '1', 'app', 'My_Name.v-1', 'example.com/MyName', 'k8s.io/a', 'a'.repeat(63), `${'p'.repeat(253)}/n`]) {
        assert.deepEqual(isQualifiedName(key), [], key);
      }
    });

    it('explains each broken part of a key as upstream does', () => {
      const table: [string, string[]][] = [
        ['', ['name part must be non-empty', `name part ${KEY_NAME_PATTERN}`]],
        ['_a', [`name part ${KEY_NAME_PATTERN}`]],
        ['a-', [`name part ${KEY_NAME_PATTERN}`]],
        ['a'.repeat(64), ['name part must be no more than 63 bytes']],
        ['/a', ['prefix part must be non-empty']],
        ['a/', ['name part must be non-empty', `name part ${KEY_NAME_PATTERN}`]],
        ['Example.com/a', [`prefix part ${SUBDOMAIN_PATTERN}`]],
        [`${'p'.repeat(254)}/a`, ['prefix part must be no more than 253 bytes']],
        [
          'a/b/c',
          [
            `a valid label key ${KEY_NAME_PATTERN} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
          ],
        ],
      ];
      for (const [key, want] of table) assert.deepEqual(isQualifiedName(key), want, key);
    });
  });

  describe('isValidLabelValue', () => {
    it('accepts the empty value and up to 63 bytes of the label alphabet', () => {
      for (const value of ['', 'a', 'MyValue', 'my_value', '12345', 'a.b-c_d', 'v'.repeat(63)]) {
        assert.deepEqual(isValidLabelValue(value), [], value);
      }
    });

    it('reports length and pattern separately, counting UTF-8 bytes like Go', () => {
      const table: [string, string[]][] = [
        ['a b', [LABEL_VALUE_PATTERN]],
        ['-a', [LABEL_VALUE_PATTERN]],
        ['v'.repeat(64), ['must be no more than 63 bytes']],
        // 32 characters but 64 bytes: upstream's len() sees bytes.
        ['é'.repeat(32), ['must be no more than 63 bytes', LABEL_VALUE_PATTERN]],
      ];
      for (const [value, want] of table) assert.deepEqual(isValidLabelValue(value), want, value);
    });
  });

  describe('isDNS1123Subdomain', () => {
    it('accepts lowercase dotted names up to 253 characters', () => {
      for (const name of ['a', 'example.com', 'a-b.c-d', '0.1', 'x'.repeat(253)]) assert.deepEqual(isDNS1123Subdomain(name), [], name);
    });

    it('gives the object-name messages kube-apiserver returns for a bad metadata.name', () => {
      assert.deepEqual(isDNS1123Subdomain('My_Pod'), [SUBDOMAIN_PATTERN]);
      assert.deepEqual(isDNS1123Subdomain('a..b'), [SUBDOMAIN_PATTERN]);
      assert.deepEqual(isDNS1123Subdomain(''), [SUBDOMAIN_PATTERN]);
      assert.deepEqual(isDNS1123Subdomain('x'.repeat(254)), ['must be no more than 253 characters']);
      assert.deepEqual(isDNS1123Subdomain('X'.repeat(254)), ['must be no more than 253 characters', SUBDOMAIN_PATTERN]);
    });
  });

  describe('isDNS1123Label', () => {
    it('accepts a single lowercase label up to 63 characters', () => {
      for (const name of ['a', 'kube-system', '0a', 'x'.repeat(63)]) assert.deepEqual(isDNS1123Label(name), [], name);
    });

    it('says "must not contain dots" for a valid subdomain that is not a label', () => {
      assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    });

    it('gives the general pattern message otherwise, and the 63-character limit', () => {
      assert.deepEqual(isDNS1123Label('A'), [DNS_LABEL_PATTERN]);
      assert.deepEqual(isDNS1123Label('-a'), [DNS_LABEL_PATTERN]);
      assert.deepEqual(isDNS1123Label('x'.repeat(64)), ['must be no more than 63 characters']);
    });
  });

  describe('goQuote', () => {
    it("renders values as Go's %q, not as JSON", () => {
      const table: [string, string][] = [
        ['abc', '"abc"'],
        ['a"b\\c', '"a\\"b\\\\c"'],
        ['a\tb\nc\rd', '"a\\tb\\nc\\rd"'],
        ['\u0007\b\f\v', '"\\a\\b\\f\\v"'],
        ['\u0001\u007f', '"\\x01\\x7f"'],
        ['é😀', '"é😀"'],
        ['\u200b\u2028\u0085', '"\\u200b\\u2028\\u0085"'],
        ['\u{e0001}', '"\\U000e0001"'],
      ];
      for (const [input, want] of table) assert.equal(goQuote(input), want, JSON.stringify(input));
    });
  });

  describe('utf8Length', () => {
    it('counts bytes as Go len() does', () => {
      const table: [string, number][] = [
        ['', 0],
        ['abc', 3],
        ['é', 2],
        ['€', 3],
        ['😀', 4],
        ['\ud800', 3],
      ];
      for (const [input, want] of table) assert.equal(utf8Length(input), want, JSON.stringify(input));
    });
  });

  describe('compareBytewise', () => {
    it('orders characters above U+FFFF after the rest of the BMP, as Go sorts strings', () => {
      const sorted = ['😀', '\uffff', 'b', 'a', 'ab', ''].sort(compareBytewise);
      assert.deepEqual(sorted, ['', 'a', 'ab', 'b', '\uffff', '😀']);
    });
  });
});

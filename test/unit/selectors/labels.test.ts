import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/apierrors';
import { LabelSelector, labelSelectorFromObject, parseLabelSelector, type Labels } from '../../../src/selectors/labels';

// Upstream's messages, word for word (k8s.io/apimachinery v0.35).
const LABEL_VALUE_PATTERN =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const KEY_NAME_PATTERN =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const KEY_SHAPE =
  `a valid label key ${KEY_NAME_PATTERN} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;

function assertBadRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isStatusError(e), `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

/** Each row: selector, labels, whether it must match. */
type MatchRow = [string, Labels, boolean];

function assertMatches(rows: readonly MatchRow[]): void {
  for (const [selector, labels, want] of rows) {
    assert.equal(parseLabelSelector(selector).matches(labels), want, `${selector} on ${JSON.stringify(labels)}`);
  }
}

describe('selectors/labels', () => {
  describe('parseLabelSelector matching', () => {
    it('treats the empty string as a selector that matches every object', () => {
      const s = parseLabelSelector('');
      assert.equal(s.isEmpty(), true);
      assert.equal(s.matchesNothing(), false);
      assert.equal(s.toString(), '');
      assert.deepEqual(s.requirements, []);
      assertMatches([
        ['', {}, true],
        ['', undefined, true],
        ['', { a: 'b' }, true],
        ['  ', { a: 'b' }, true],
      ]);
    });

    it('matches = and == only when the label has exactly that value', () => {
      assertMatches([
        ['app=web', { app: 'web' }, true],
        ['app==web', { app: 'web' }, true],
        ['app=web', { app: 'db' }, false],
        ['app=web', {}, false],
        ['app=web', undefined, false],
        ['app=', { app: '' }, true],
        ['app=', {}, false],
      ]);
    });

    it('matches != for objects that lack the label', () => {
      assertMatches([
        ['app!=web', { app: 'db' }, true],
        ['app!=web', { app: 'web' }, false],
        ['app!=web', {}, true],
        ['app!=web', null, true],
      ]);
    });

    it('matches notin for objects that lack the key, but in does not', () => {
      assertMatches([
        ['env in (prod,dev)', { env: 'prod' }, true],
        ['env in (prod,dev)', { env: 'qa' }, false],
        ['env in (prod,dev)', {}, false],
        ['env notin (prod,dev)', { env: 'qa' }, true],
        ['env notin (prod,dev)', { env: 'dev' }, false],
        ['env notin (prod,dev)', {}, true],
      ]);
    });

    it('reads a bare key as exists and !key as does-not-exist', () => {
      assertMatches([
        ['tier', { tier: '' }, true],
        ['tier', {}, false],
        ['!tier', {}, true],
        ['!tier', undefined, true],
        ['!tier', { tier: 'x' }, false],
      ]);
    });

    it('compares gt and lt as integers and never matches a missing or non-integer label', () => {
      assertMatches([
        ['n>5', { n: '6' }, true],
        ['n>5', { n: '5' }, false],
        ['n>5', { n: '10' }, true],
        ['n<5', { n: '-3' }, true],
        ['n<5', { n: '+4' }, true],
        ['n<5', { n: '05' }, false],
        ['n>5', {}, false],
        ['n<5', { n: 'x' }, false],
        ['n<5', { n: '' }, false],
        ['n<5', { n: '1e0' }, false],
        ['n<5', { n: ' 1' }, false],
        ['n<10', { n: '99999999999999999999' }, false], // overflows int64: does not parse upstream
      ]);
    });

    it('compares gt and lt exactly beyond 2^53', () => {
      assertMatches([
        ['n>9007199254740992', { n: '9007199254740993' }, true],
        ['n<9223372036854775807', { n: '9223372036854775806' }, true],
        ['n<9223372036854775807', { n: '9223372036854775807' }, false],
        ['n>1', { n: '-9223372036854775808' }, false],
        ['n>1', { n: '9223372036854775808' }, false],
      ]);
    });

    it('requires every comma-separated requirement to hold', () => {
      assertMatches([
        ['a=1,b=2', { a: '1', b: '2' }, true],
        ['a=1,b=2', { a: '1' }, false],
        ['a=1,a!=1', { a: '1' }, false],
        ['a,!b,c in (x)', { a: '', c: 'x' }, true],
      ]);
    });

    it('accepts in and notin as keys and values outside the operator position', () => {
      assertMatches([
        ['in=notin', { in: 'notin' }, true],
        ['notin in (in,notin)', { notin: 'in' }, true],
        ['in', { in: 'x' }, true],
      ]);
    });

    it('reads empty entries in a value set as the empty value', () => {
      assertMatches([
        ['a in ()', { a: '' }, true],
        ['a in (,x)', { a: '' }, true],
        ['a in (x,)', { a: '' }, true],
        ['a in (x,,y)', { a: '' }, true],
        ['a in (x,y)', { a: '' }, false],
      ]);
    });

    it('allows spaces, tabs and newlines between tokens', () => {
      assertMatches([[' a = 1 ,\tb\nin ( x , y )\r', { a: '1', b: 'y' }, true]]);
    });

    it('does not read labels inherited from Object.prototype', () => {
      assertMatches([
        ['constructor', {}, false],
        ['!toString', {}, true],
        ['hasOwnProperty!=x', {}, true],
      ]);
    });
  });

  describe('parseLabelSelector structure', () => {
    it('prints the canonical form: sorted by key, set values sorted and de-duplicated, operators as written', () => {
      const table: [string, string][] = [
        [' b in (z,y,z) , a==1,!c ,d', 'a==1,b in (y,z),!c,d'],
        ['x notin ( )', 'x notin ()'],
        ['x in (,a)', 'x in (,a)'],
        ['n>5,m<07', 'm<07,n>5'],
        ['a!=b,a=c', 'a!=b,a=c'], // one key keeps its written order
      ];
      for (const [input, want] of table) assert.equal(parseLabelSelector(input).toString(), want, input);
    });

    it('exposes requirements with upstream operator names', () => {
      const s = parseLabelSelector('a=1,b==2,c!=3,d in (y,x),e notin (z),f,!g,h>1,i<2');
      assert.deepEqual(
        s.requirements.map((r) => [r.key, r.operator, r.values]),
        [
          ['a', '=', ['1']],
          ['b', '==', ['2']],
          ['c', '!=', ['3']],
          ['d', 'in', ['x', 'y']],
          ['e', 'notin', ['z']],
          ['f', 'exists', []],
          ['g', '!', []],
          ['h', 'gt', ['1']],
          ['i', 'lt', ['2']],
        ],
      );
      assert.equal(s.isEmpty(), false);
    });

    it('names the exact value a requirement pins, for index fast paths', () => {
      const s = parseLabelSelector('a=1,b==2,c in (3),d in (4,5),e!=6,f');
      assert.equal(s.exactValue('a'), '1');
      assert.equal(s.exactValue('b'), '2');
      assert.equal(s.exactValue('c'), '3');
      assert.equal(s.exactValue('d'), undefined);
      assert.equal(s.exactValue('e'), undefined);
      assert.equal(s.exactValue('f'), undefined);
      assert.equal(s.exactValue('zz'), undefined);
      // Like upstream, only the first requirement on the key counts.
      assert.equal(parseLabelSelector('a!=1,a=2').exactValue('a'), undefined);
    });
  });

  describe('parseLabelSelector errors', () => {
    it('answers syntax errors with a 400 carrying upstream parser messages', () => {
      const table: [string, string][] = [
        ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
        ['a=b c', "found 'c', expected: ',' or 'end of string'"],
        ['a=b=c', "found '=', expected: ',' or 'end of string'"],
        ['!a=b', "found '=', expected: ',' or 'end of string'"],
        ['a,', "found '', expected: identifier after ','"],
        ['a,,b', "found ',', expected: identifier after ','"],
        [',a', "found ',', expected: !, identifier, or 'end of string'"],
        ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
        ['(', "found '(', expected: !, identifier, or 'end of string'"],
        ['!', "unable to parse requirement: found '', expected: identifier"],
        ['!!a', "unable to parse requirement: found '!', expected: identifier"],
        ['a!b', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
        ['a<=5', "unable to parse requirement: found '=', expected: identifier"],
        ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
        ['a in', "unable to parse requirement: found '' expected: '('"],
        ['a in in', "unable to parse requirement: found 'in' expected: '('"],
        ['a in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
        ['a in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
        ['a in (a,', "unable to parse requirement: found '', expected: ',', or identifier"],
        ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
      ];
      for (const [input, message] of table) assertBadRequest(() => parseLabelSelector(input), message);
    });

    it('rejects invalid keys with the nil-path field error upstream prints', () => {
      assertBadRequest(
        () => parseLabelSelector('_a=b'),
        `unable to parse requirement: <nil>: Invalid value: "_a": name part ${KEY_NAME_PATTERN}`,
      );
      assertBadRequest(() => parseLabelSelector('a/b/c'), `unable to parse requirement: <nil>: Invalid value: "a/b/c": ${KEY_SHAPE}`);
      assertBadRequest(
        () => parseLabelSelector(`${'k'.repeat(64)}`),
        `unable to parse requirement: <nil>: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`,
      );
    });

    it('rejects invalid values under values[i][key]', () => {
      assertBadRequest(
        () => parseLabelSelector('app=a_'),
        `unable to parse requirement: values[0][app]: Invalid value: "a_": ${LABEL_VALUE_PATTERN}`,
      );
      assertBadRequest(
        () => parseLabelSelector(`app=${'v'.repeat(64)}`),
        `unable to parse requirement: values[0][app]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 bytes`,
      );
      // Values are sorted before validation, so the index is the sorted position.
      assertBadRequest(
        () => parseLabelSelector('app in (b, -a)'),
        `unable to parse requirement: values[0][app]: Invalid value: "-a": ${LABEL_VALUE_PATTERN}`,
      );
      // Control characters are not separators and are quoted as Go quotes them.
      assertBadRequest(
        () => parseLabelSelector('app=a\u000bb'),
        `unable to parse requirement: values[0][app]: Invalid value: "a\\vb": ${LABEL_VALUE_PATTERN}`,
      );
    });

    it('rejects gt and lt values that are not int64 integers', () => {
      const notInteger = "for 'Gt', 'Lt' operators, the value must be an integer";
      assertBadRequest(() => parseLabelSelector('n>x'), `unable to parse requirement: values[0]: Invalid value: "x": ${notInteger}`);
      assertBadRequest(() => parseLabelSelector('n<'), `unable to parse requirement: values[0]: Invalid value: "": ${notInteger}`);
      assertBadRequest(
        () => parseLabelSelector('n>9223372036854775808'),
        `unable to parse requirement: values[0]: Invalid value: "9223372036854775808": ${notInteger}`,
      );
      // A sign parses as an integer but is not a valid label value.
      assertBadRequest(
        () => parseLabelSelector('n>-1'),
        `unable to parse requirement: values[0][n]: Invalid value: "-1": ${LABEL_VALUE_PATTERN}`,
      );
    });

    it('ends the selector at a NUL before a token, as upstream lexes', () => {
      assert.equal(parseLabelSelector('a=b,c\u0000').toString(), 'a=b,c');
      assert.equal(parseLabelSelector('\u0000a=b').isEmpty(), true);
    });
  });

  describe('labelSelectorFromObject', () => {
    it('makes a null or absent selector match nothing', () => {
      for (const sel of [null, undefined]) {
        const s = labelSelectorFromObject(sel);
        assert.equal(s, LabelSelector.nothing);
        assert.equal(s.matches({}), false);
        assert.equal(s.matches({ a: 'b' }), false);
        assert.equal(s.isEmpty(), false);
        assert.equal(s.matchesNothing(), true);
        assert.equal(s.toString(), '');
      }
    });

    it('makes an empty selector match everything', () => {
      for (const sel of [{}, { matchLabels: {}, matchExpressions: [] }, { matchLabels: null, matchExpressions: null }]) {
        const s = labelSelectorFromObject(sel);
        assert.equal(s.isEmpty(), true);
        assert.equal(s.matches(undefined), true);
        assert.equal(s.matches({ a: 'b' }), true);
      }
    });

    it('ANDs matchLabels as = with matchExpressions In, NotIn, Exists and DoesNotExist', () => {
      const s = labelSelectorFromObject({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['prod', 'dev'] },
          { key: 'track', operator: 'NotIn', values: ['canary'] },
          { key: 'tier', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist', values: [] },
        ],
      });
      assert.equal(s.toString(), 'app=web,env in (dev,prod),!legacy,tier,track notin (canary)');
      assert.equal(s.matches({ app: 'web', env: 'prod', tier: 'fe' }), true);
      assert.equal(s.matches({ app: 'web', env: 'prod', tier: 'fe', track: 'canary' }), false);
      assert.equal(s.matches({ app: 'web', env: 'prod', tier: 'fe', legacy: 'y' }), false);
      assert.equal(s.matches({ app: 'web', env: 'qa', tier: 'fe' }), false);
      assert.equal(s.matches({ app: 'web', env: 'prod' }), false);
      assert.equal(s.exactValue('app'), 'web');
    });

    it('keeps object values as given (duplicates too) but prints them sorted', () => {
      const s = labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: ['z', 'y', 'z'] }] });
      assert.deepEqual(s.requirements[0].values, ['z', 'y', 'z']);
      assert.equal(s.toString(), 'a in (y,z,z)');
    });

    it('rejects an unknown operator by its Go-quoted name', () => {
      assertBadRequest(
        () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }),
        '"in" is not a valid label selector operator',
      );
    });

    it('rejects In and NotIn without values, printing the missing list as null', () => {
      for (const values of [undefined, null, []]) {
        assertBadRequest(
          () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'NotIn', values }] }),
          "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
        );
      }
    });

    it('rejects Exists with values and reports every problem of one requirement in brackets', () => {
      assertBadRequest(
        () => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
        'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
      );
      assertBadRequest(
        () => labelSelectorFromObject({ matchExpressions: [{ key: '_k', operator: 'Exists', values: ['x y'] }] }),
        `[key: Invalid value: "_k": name part ${KEY_NAME_PATTERN}, ` +
          'values: Invalid value: ["x y"]: values set must be empty for exists and does not exist, ' +
          `values[0][_k]: Invalid value: "x y": ${LABEL_VALUE_PATTERN}]`,
      );
    });

    it('rejects invalid matchLabels keys and values under key and values[0][key]', () => {
      assertBadRequest(() => labelSelectorFromObject({ matchLabels: { 'a/b/c': 'x' } }), `key: Invalid value: "a/b/c": ${KEY_SHAPE}`);
      assertBadRequest(
        () => labelSelectorFromObject({ matchLabels: { app: 'a b' } }),
        `values[0][app]: Invalid value: "a b": ${LABEL_VALUE_PATTERN}`,
      );
    });
  });
});

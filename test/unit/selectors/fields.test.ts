import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/apierrors';
import {
  FieldSelector,
  checkFieldSelector,
  escapeFieldValue,
  parseFieldSelector,
  type Fields,
} from '../../../src/selectors/fields';

function assertBadRequest(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isStatusError(e), `expected a StatusError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, message);
    return true;
  });
}

/** Each row: selector, fields, whether it must match. */
type MatchRow = [string, Fields, boolean];

function assertMatches(rows: readonly MatchRow[]): void {
  for (const [selector, fields, want] of rows) {
    assert.equal(parseFieldSelector(selector).matches(fields), want, `${selector} on ${JSON.stringify(fields)}`);
  }
}

const pod = { 'metadata.name': 'web-0', 'metadata.namespace': 'default', 'status.phase': 'Running', 'spec.nodeName': '' };

describe('selectors/fields', () => {
  describe('parseFieldSelector', () => {
    it('treats the empty string, and terms with neither field nor value, as matching everything', () => {
      for (const input of ['', ',', '=', '==', '!=', ',=,']) {
        const s = parseFieldSelector(input);
        assert.equal(s.isEmpty(), true, input);
        assert.equal(s.toString(), '', input);
        assert.equal(s.matches(pod), true, input);
      }
    });

    it('matches = and == on equal values and != on different ones', () => {
      assertMatches([
        ['metadata.name=web-0', pod, true],
        ['metadata.name==web-0', pod, true],
        ['metadata.name=web-1', pod, false],
        ['status.phase!=Pending', pod, true],
        ['status.phase!=Running', pod, false],
        ['metadata.name=web-0,status.phase=Running', pod, true],
        ['metadata.name=web-0,status.phase=Pending', pod, false],
      ]);
    });

    it('reads a field the object lacks as the empty string', () => {
      assertMatches([
        ['spec.missing=', pod, true],
        ['spec.missing!=x', pod, true],
        ['spec.missing=x', pod, false],
        ['spec.nodeName=', pod, true],
        ['constructor=', {}, true], // not Object.prototype.constructor
      ]);
    });

    it('unescapes \\, \\= and \\\\ in values and prints them escaped again', () => {
      const s = parseFieldSelector('a=x\\,y\\=z\\\\');
      assert.deepEqual(s.requirements, [{ field: 'a', operator: '=', value: 'x,y=z\\' }]);
      assert.equal(s.matches({ a: 'x,y=z\\' }), true);
      assert.equal(s.toString(), 'a=x\\,y\\=z\\\\');
      assert.equal(escapeFieldValue('x,y=z\\'), 'x\\,y\\=z\\\\');
    });

    it('takes ! literally in values (it is not an escapable character upstream)', () => {
      assert.deepEqual(parseFieldSelector('a=b!c').requirements, [{ field: 'a', operator: '=', value: 'b!c' }]);
      assertBadRequest(() => parseFieldSelector('a=\\!'), 'invalid field selector: invalid escape sequence: \\!');
    });

    it('splits at the first operator, leaving the field unescaped and untrimmed', () => {
      assert.deepEqual(parseFieldSelector('a!b=c').requirements, [{ field: 'a!b', operator: '=', value: 'c' }]);
      assert.deepEqual(parseFieldSelector('a = b').requirements, [{ field: 'a ', operator: '=', value: ' b' }]);
      assert.deepEqual(parseFieldSelector('=x').requirements, [{ field: '', operator: '=', value: 'x' }]);
    });

    it('sorts terms as text so equivalent selectors print the same, and reports == as =', () => {
      assert.equal(parseFieldSelector('b=1,a==2').toString(), 'a=2,b=1');
      assert.equal(parseFieldSelector('a==2,b=1').toString(), 'a=2,b=1');
      assert.equal(parseFieldSelector('x!=a,y=b').toString(), 'x!=a,y=b');
      assert.deepEqual(
        parseFieldSelector('y!=b,x==a').requirements.map((r) => r.operator),
        ['=', '!='],
      );
    });

    it('names the value an = requirement pins, never a != one', () => {
      const s = parseFieldSelector('metadata.namespace!=kube-system,metadata.name=web-0');
      assert.equal(s.exactValue('metadata.name'), 'web-0');
      assert.equal(s.exactValue('metadata.namespace'), undefined);
      assert.equal(s.exactValue('status.phase'), undefined);
      assert.equal(parseFieldSelector('metadata.name=').exactValue('metadata.name'), '');
    });

    it('answers malformed selectors with a 400 carrying upstream messages', () => {
      const table: [string, string][] = [
        ['x', "invalid selector: 'x'; can't understand 'x'"],
        ['a=b,x', "invalid selector: 'a=b,x'; can't understand 'x'"],
        ['x in (a)', "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
        ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
        ['x==a==b', 'invalid field selector: unescaped character in value: 61'],
        ['a=\\', 'invalid field selector: invalid escape sequence: \\'],
        ['a=\\a', 'invalid field selector: invalid escape sequence: \\a'],
        ['a=\\😀', 'invalid field selector: invalid escape sequence: \\😀'],
      ];
      for (const [input, message] of table) assertBadRequest(() => parseFieldSelector(input), message);
    });
  });

  describe('FieldSelector', () => {
    it('builds a one-term selector for a name, as a GET-with-watch needs', () => {
      const s = new FieldSelector([{ field: 'metadata.name', operator: '=', value: 'a,b' }]);
      assert.equal(s.toString(), 'metadata.name=a\\,b');
      assert.equal(s.exactValue('metadata.name'), 'a,b');
      assert.equal(FieldSelector.everything.isEmpty(), true);
    });
  });

  describe('checkFieldSelector', () => {
    const supported = ['metadata.name', 'metadata.namespace'];

    it('lets supported fields and the empty selector through', () => {
      checkFieldSelector(parseFieldSelector('metadata.name=a,metadata.namespace!=b'), supported);
      checkFieldSelector(parseFieldSelector(''), [], 'notKnown');
    });

    it('refuses an unsupported field the way kinds with a field-label conversion (and custom resources) do', () => {
      assertBadRequest(() => checkFieldSelector(parseFieldSelector('spec.foo=x'), supported), 'field label not supported: spec.foo');
      assertBadRequest(
        () => checkFieldSelector(parseFieldSelector('spec.foo=x'), supported, 'notSupported'),
        'field label not supported: spec.foo',
      );
    });

    it('refuses an unsupported field the way kinds on the default conversion do', () => {
      assertBadRequest(
        () => checkFieldSelector(parseFieldSelector('foo.bar=baz'), supported, 'notKnown'),
        '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"',
      );
    });

    it('reports the first unsupported field in selector order', () => {
      assertBadRequest(
        () => checkFieldSelector(parseFieldSelector('z.z=1,metadata.name=a,b.b=2'), supported),
        'field label not supported: b.b',
      );
      assertBadRequest(() => checkFieldSelector(parseFieldSelector('=x'), supported), 'field label not supported: ');
    });
  });
});

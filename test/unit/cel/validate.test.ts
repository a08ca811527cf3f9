/**
 * Evaluating rules against custom resources as kube-apiserver does: messages (message,
 * messageExpression and its fallbacks, the default `failed rule:`), field paths (the rule's
 * node, fieldPath, `<nil>` at the root), reasons, transition rules and their correlation of old
 * values (fields, map keys, map-list keys; not sets), upstream's list-type equality, ratcheting,
 * evaluation errors and cost limits.
 */
import * as assert from 'node:assert/strict';

import { blockingError, compileSchemaRulesSync } from '../../../src/cel';
import { FieldError } from '../../../src/apierrors';
import { compileOk, messages, objectSchema, type Json } from './support';

const spec = (properties: Json, rules: Json[], extra: Json = {}) => objectSchema({ spec: objectSchema(properties, { 'x-kubernetes-validations': rules, ...extra }) });

const errors = (schema: Json, obj: Json, old?: Json) => messages(compileOk(schema).validate(obj, old));

describe('cel: validating custom resources', () => {
  describe('messages', () => {
    const props = { n: { type: 'integer' }, s: { type: 'string' } };

    it('uses the trimmed message, or `failed rule: <rule>`', () => {
      assert.deepEqual(errors(spec(props, [{ rule: ' self.n > 0 ', message: '  n must be positive ' }, { rule: '  self.n > 1  ' }]), { spec: { n: 0 } }), [
        'spec: Invalid value: n must be positive',
        'spec: Invalid value: failed rule: self.n > 1',
      ]);
    });

    it('evaluates messageExpression with self and oldSelf', () => {
      const schema = spec(props, [
        { rule: 'self.n > 0', messageExpression: "'n is ' + string(self.n) + ', must be positive'" },
        { rule: 'self.n >= oldSelf.n', messageExpression: "'n went down from ' + string(oldSelf.n) + ' to ' + string(self.n)" },
      ]);
      assert.deepEqual(errors(schema, { spec: { n: -2 } }, { spec: { n: 3 } }), ['spec: Invalid value: n is -2, must be positive', 'spec: Invalid value: n went down from 3 to -2']);
    });

    it('falls back to message, then to the rule, when messageExpression fails or is unusable', () => {
      const schema = spec(props, [
        { rule: 'self.n > 0', message: 'fallback message', messageExpression: "'s is ' + self.s" },
        { rule: 'self.n > 0', messageExpression: "'   '" },
        { rule: 'self.n > 0', messageExpression: "'two\\nlines'" },
        { rule: 'self.n > 0', messageExpression: "'  padded  '" },
      ]);
      assert.deepEqual(errors(schema, { spec: { n: 0 } }), [
        'spec: Invalid value: fallback message',
        'spec: Invalid value: failed rule: self.n > 0',
        'spec: Invalid value: failed rule: self.n > 0',
        'spec: Invalid value: padded',
      ]);
    });

    it('shows scalar values and omits objects and arrays', () => {
      const schema = objectSchema({
        spec: objectSchema({
          s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self == 'ok'" }] },
          i: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 0' }] },
          d: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self < 0.0' }] },
          b: { type: 'boolean', 'x-kubernetes-validations': [{ rule: '!self' }] },
          l: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.size() == 0' }] },
        }),
      });
      assert.deepEqual(errors(schema, { spec: { s: 'a\tb', i: 7, d: 1.5, b: true, l: ['x'] } }), [
        'spec.s: Invalid value: "a\\tb": failed rule: self == \'ok\'',
        'spec.i: Invalid value: 7: failed rule: self < 0',
        'spec.d: Invalid value: 1.5: failed rule: self < 0.0',
        'spec.b: Invalid value: true: failed rule: !self',
        'spec.l: Invalid value: failed rule: self.size() == 0',
      ]);
    });
  });

  describe('field paths and reasons', () => {
    const props = {
      n: { type: 'integer' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      'a.b': { type: 'string' },
    };

    it('reports at the rule node, at its fieldPath, and at <nil> for the root', () => {
      const schema = objectSchema(
        { spec: objectSchema(props, { 'x-kubernetes-validations': [{ rule: 'self.n > 0', fieldPath: '.n' }, { rule: 'false', fieldPath: ".labels['app.kubernetes.io/name']" }, { rule: 'false', fieldPath: "['a.b']" }] }) },
        { 'x-kubernetes-validations': [{ rule: "self.metadata.name != 'bad'" }, { rule: 'false', fieldPath: '.spec.n' }] },
      );
      assert.deepEqual(errors(schema, { metadata: { name: 'bad' }, spec: { n: 0 } }), [
        "<nil>: Invalid value: failed rule: self.metadata.name != 'bad'",
        'spec.n: Invalid value: failed rule: false',
        'spec.n: Invalid value: failed rule: self.n > 0',
        'spec.labels[app.kubernetes.io/name]: Invalid value: failed rule: false',
        'spec.a.b: Invalid value: failed rule: false',
      ]);
    });

    it('maps reasons to error types: Forbidden and Required without value, Duplicate with it', () => {
      const schema = objectSchema({
        s: {
          type: 'string',
          'x-kubernetes-validations': [
            { rule: 'false', message: 'no', reason: 'FieldValueForbidden' },
            { rule: 'false', message: 'needed', reason: 'FieldValueRequired' },
            { rule: 'false', message: 'dup', reason: 'FieldValueDuplicate' },
            { rule: 'false', message: 'bad', reason: 'FieldValueInvalid' },
          ],
        },
      });
      const errs = compileOk(schema).validate({ s: 'x' });
      assert.deepEqual(messages(errs), ['s: Forbidden: no', 's: Required value: needed', 's: Duplicate value: "x"', 's: Invalid value: "x": bad']);
      assert.deepEqual(
        errs.map((e) => e.reason),
        ['FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate', 'FieldValueInvalid'],
      );
    });

    it('evaluates rules per list item and per map value, at their index and key', () => {
      const schema = objectSchema({
        ports: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 65536' }] } },
        env: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: "self != ''" }] } },
      });
      assert.deepEqual(errors(schema, { ports: [80, 70000], env: { A: 'x', B: '' } }), [
        'ports[1]: Invalid value: 70000: failed rule: self < 65536',
        'env[B]: Invalid value: "": failed rule: self != \'\'',
      ]);
    });

    it('evaluates rules inside allOf and on embedded resources', () => {
      const schema = objectSchema({
        a: { type: 'string', allOf: [{ 'x-kubernetes-validations': [{ rule: "self.startsWith('x')" }] }] },
        nested: objectSchema({ n: { type: 'integer' } }, { allOf: [{ properties: { n: { 'x-kubernetes-validations': [{ rule: 'self > 0' }] } } }] }),
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
          'x-kubernetes-validations': [{ rule: "self.kind == 'ConfigMap'", messageExpression: "'kind ' + self.kind + ' of ' + self.metadata.name" }],
        },
      });
      assert.deepEqual(errors(schema, { a: 'y', nested: { n: 0 }, template: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'n', labels: { x: 'y' } }, data: {} } }), [
        'a: Invalid value: "y": failed rule: self.startsWith(\'x\')',
        'nested.n: Invalid value: 0: failed rule: self > 0',
        'template: Invalid value: kind Secret of n',
      ]);
    });
  });

  describe('values', () => {
    it('skips rules on null values and treats null fields as absent', () => {
      const schema = objectSchema(
        { n: { type: 'integer', nullable: true, 'x-kubernetes-validations': [{ rule: 'self > 0' }] }, m: { type: 'string', nullable: true } },
        { 'x-kubernetes-validations': [{ rule: '!has(self.m)', message: 'm is set' }] },
      );
      assert.deepEqual(errors(schema, { n: null, m: null }), []);
      // A node's own rules run before those of its children, as upstream.
      assert.deepEqual(errors(schema, { n: 0, m: 'x' }), ['<nil>: Invalid value: m is set', 'n: Invalid value: 0: failed rule: self > 0']);
    });

    it('reads int-or-string as int or string, and reports a wrong-type operation as upstream', () => {
      const schema = objectSchema({ p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-validations': [{ rule: 'self > 0' }] } });
      assert.deepEqual(errors(schema, { p: 8080 }), []);
      assert.deepEqual(errors(schema, { p: 'http' }), [
        // The value shown is the schema's type, which int-or-string leaves empty.
        "p: Invalid value: \"\": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: self > 0",
      ]);
    });

    it('reports evaluation errors with the rule (no such key, index out of bounds, division by zero)', () => {
      const schema = objectSchema(
        { a: { type: 'integer' }, l: { type: 'array', items: { type: 'integer' } } },
        { 'x-kubernetes-validations': [{ rule: 'self.a > 0', message: 'a must be positive' }, { rule: 'self.l[3] > 0' }, { rule: '10 / self.l[0] > 0' }] },
      );
      assert.deepEqual(errors(schema, { l: [0] }), [
        '<nil>: Invalid value: "object": no such key: a evaluating rule: a must be positive',
        '<nil>: Invalid value: "object": index out of bounds: 3 evaluating rule: self.l[3] > 0',
        '<nil>: Invalid value: "object": division by zero evaluating rule: 10 / self.l[0] > 0',
      ]);
    });

    it('reads escaped property names, and ignores fields the schema does not declare', () => {
      const schema = objectSchema(
        { 'x-y': { type: 'string' }, namespace: { type: 'string' }, obj: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'string' } } } },
        { 'x-kubernetes-validations': [{ rule: "self.x__dash__y == 'a' && self.__namespace__ == 'ns' && self.obj.k == 'v'" }] },
      );
      assert.deepEqual(errors(schema, { 'x-y': 'a', namespace: 'ns', obj: { k: 'v', other: { deep: 1 } } }), []);
      assert.deepEqual(errors(schema, { 'x-y': 'b', namespace: 'ns', obj: { k: 'v' } }), [
        "<nil>: Invalid value: failed rule: self.x__dash__y == 'a' && self.__namespace__ == 'ns' && self.obj.k == 'v'",
      ]);
    });

    it('compiles but never runs rules on fields the root type leaves out (metadata.labels), as upstream', () => {
      const schema = objectSchema({
        metadata: objectSchema({ labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.size() < 1' }] } }),
      });
      assert.deepEqual(errors(schema, { metadata: { name: 'x', labels: { a: 'b' } } }), []);
      const broken = objectSchema({ metadata: objectSchema({ labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.nope' }] } }) });
      assert.equal(compileSchemaRulesSync(broken).errors.length, 1);
    });

    it('reads formats: timestamps, dates, durations (Go and strfmt units), bytes', () => {
      const schema = objectSchema(
        {
          t: { type: 'string', format: 'date-time' },
          day: { type: 'string', format: 'date' },
          d: { type: 'string', format: 'duration' },
          b: { type: 'string', format: 'byte' },
        },
        {
          'x-kubernetes-validations': [
            { rule: "self.t == timestamp('2024-02-29T12:00:00Z') && self.t.getDayOfYear() == 59 && self.t.getHours('+02:00') == 14" },
            { rule: "self.day == timestamp('2024-03-01T00:00:00Z') && self.day.getDayOfWeek() == 5" },
            { rule: "self.d == duration('36h') && self.d.getHours() == 36" },
            { rule: "self.b == b'hello'" },
          ],
        },
      );
      assert.deepEqual(errors(schema, { t: '2024-02-29T13:00:00+01:00', day: '2024-03-01', d: '1d12h', b: 'aGVsbG8=' }), []);
    });
  });

  describe('transition rules', () => {
    const itemRule = { 'x-kubernetes-validations': [{ rule: 'self.v >= oldSelf.v', messageExpression: "'v of ' + self.name + ' went down'" }] };
    const schema = objectSchema({
      spec: objectSchema(
        {
          mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
          items: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: objectSchema({ name: { type: 'string' }, v: { type: 'integer' } }, { required: ['name'], ...itemRule }),
          },
          byKey: { type: 'object', additionalProperties: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'cannot decrease' }] } },
          set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          atomic: { type: 'array', items: { type: 'string' } },
          seen: { type: 'boolean', 'x-kubernetes-validations': [{ rule: '!oldSelf.hasValue() || !oldSelf.value() || self', optionalOldSelf: true, message: 'cannot be unset' }] },
        },
        {
          'x-kubernetes-validations': [
            { rule: '!has(oldSelf.set) || self.set == oldSelf.set', message: 'set changed' },
            { rule: '!has(oldSelf.atomic) || self.atomic == oldSelf.atomic', message: 'atomic changed' },
            { rule: '!has(oldSelf.items) || self.items == oldSelf.items', message: 'items changed' },
          ],
        },
      ),
    });
    const rules = compileOk(schema);

    it('does not run on create, except with optionalOldSelf', () => {
      assert.deepEqual(messages(rules.validate({ spec: { mode: 'a', items: [{ name: 'x', v: 1 }], byKey: { a: 1 }, seen: false } })), []);
    });

    it('correlates fields, map values by key and map-list items by their keys', () => {
      const old = { spec: { mode: 'a', items: [{ name: 'x', v: 5 }, { name: 'y', v: 5 }], byKey: { a: 5, b: 5 }, seen: true } };
      const updated = { spec: { mode: 'b', items: [{ name: 'y', v: 4 }, { name: 'z', v: 0 }, { name: 'x', v: 6 }], byKey: { b: 4, c: 0, a: 6 }, seen: false } };
      assert.deepEqual(messages(rules.validate(updated, old)), [
        'spec: Invalid value: items changed',
        'spec.mode: Invalid value: "b": mode is immutable',
        'spec.items[0]: Invalid value: v of y went down',
        'spec.byKey[b]: Invalid value: 4: cannot decrease',
        'spec.seen: Invalid value: false: cannot be unset',
      ]);
    });

    it('compares set and map lists without regard to order, atomic lists in order', () => {
      const old = { spec: { set: ['a', 'b'], atomic: ['a', 'b'], items: [{ name: 'x', v: 1 }, { name: 'y', v: 2 }] } };
      assert.deepEqual(messages(rules.validate({ spec: { set: ['b', 'a'], atomic: ['a', 'b'], items: [{ name: 'y', v: 2 }, { name: 'x', v: 1 }] } }, old)), []);
      assert.deepEqual(messages(rules.validate({ spec: { set: ['b', 'a'], atomic: ['b', 'a'], items: [{ name: 'y', v: 2 }, { name: 'x', v: 1 }] } }, old)), [
        'spec: Invalid value: atomic changed',
      ]);
    });
  });

  describe('list semantics of upstream', () => {
    it('concatenates sets as a union and map lists as a merge by key', () => {
      const schema = objectSchema(
        {
          set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          ml: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: objectSchema({ k: { type: 'string' }, v: { type: 'integer' } }, { required: ['k'] }) },
        },
        {
          'x-kubernetes-validations': [
            { rule: "self.set + ['b', 'c'] == ['a', 'b', 'c']" },
            { rule: "(self.set + ['b', 'c']).size() == 3" },
            // Items of a map list cannot be written as literals (their type is the schema's), so
            // the list is merged with its own items, in another order and repeated.
            { rule: '(self.ml + [self.ml[1], self.ml[0], self.ml[1]]).map(e, e.v) == [1, 2]' },
            { rule: '(self.ml + self.ml).size() == 2 && (self.ml + self.ml) == self.ml' },
          ],
        },
      );
      assert.deepEqual(errors(schema, { set: ['a', 'b'], ml: [{ k: 'x', v: 1 }, { k: 'y', v: 2 }] }), []);
    });
  });

  describe('ratcheting', () => {
    const schema = objectSchema({
      spec: objectSchema({
        a: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] },
        b: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }, { rule: 'self == oldSelf', message: 'b is immutable' }] },
        l: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0' }] } },
      }),
    });
    const rules = compileOk(schema);

    it('turns failures on unchanged nodes into warnings; transition rules are never ratcheted', () => {
      const old = { spec: { a: 0, b: 0, l: [0, 1] } };
      assert.deepEqual(rules.validateWithWarnings({ spec: { a: 0, b: 0, l: [0, 1] } }, old), {
        errors: [],
        warnings: ['spec.a: Invalid value: 0: failed rule: self > 0', 'spec.b: Invalid value: 0: failed rule: self > 0', 'spec.l[0]: Invalid value: 0: failed rule: self > 0'],
      });
      const changed = rules.validateWithWarnings({ spec: { a: -1, b: 0, l: [0, 2] } }, old);
      assert.deepEqual(messages(changed.errors), ['spec.a: Invalid value: -1: failed rule: self > 0', 'spec.l[0]: Invalid value: 0: failed rule: self > 0']);
      assert.deepEqual(changed.warnings, ['spec.b: Invalid value: 0: failed rule: self > 0']);
      const b = rules.validateWithWarnings({ spec: { a: 1, b: 1, l: [] } }, old);
      assert.deepEqual(messages(b.errors), ['spec.b: Invalid value: 1: b is immutable']);
    });

    it('can be turned off', () => {
      const old = { spec: { a: 0 } };
      assert.deepEqual(messages(rules.validateWithWarnings({ spec: { a: 0 } }, old, { ratcheting: false }).errors), ['spec.a: Invalid value: 0: failed rule: self > 0']);
      assert.deepEqual(messages(rules.validate({ spec: { a: 0 } }, old)), []);
    });
  });

  describe('cost limits', () => {
    const schema = objectSchema(
      { l: { type: 'array', items: { type: 'integer' } }, n: { type: 'integer' } },
      {
        'x-kubernetes-validations': [
          { rule: 'self.l.all(x, self.l.all(y, x + y >= 0))', message: 'quadratic' },
          { rule: 'self.n > 0', message: 'n positive' },
        ],
      },
    );
    const obj = { l: Array.from({ length: 300 }, (_, i) => i), n: 0 };

    it('stops a rule over the per-call limit and runs no further rule', () => {
      const r = compileOk(schema).validateWithWarnings(obj, undefined, { perCallLimit: 50_000 });
      assert.deepEqual(messages(r.errors), [
        "<nil>: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: quadratic",
      ]);
    });

    it('stops once the object budget is spent', () => {
      const r = compileOk(schema).validateWithWarnings(obj, undefined, { costBudget: 50_000 });
      assert.deepEqual(messages(r.errors), ['<nil>: Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run']);
    });

    it('stays well within upstream limits for ordinary objects', () => {
      assert.deepEqual(messages(compileOk(schema).validate(obj)), ['<nil>: Invalid value: n positive']);
    });
  });

  describe('runtime reporting of rules that did not compile', () => {
    it('reports a rule compile error at its node instead of skipping it', () => {
      const r = compileSchemaRulesSync(spec({ n: { type: 'integer' } }, [{ rule: 'self.m > 0' }, { rule: 'self.n > 0' }]));
      assert.equal(r.errors.length, 1);
      assert.deepEqual(
        messages(r.validate({ spec: { n: 0 } })).map((m) => m.split('\n')[0]),
        ["spec: Invalid value: \"object\": rule compile error: compilation failed: ERROR: <input>:1:5: undefined field 'm'", 'spec: Invalid value: failed rule: self.n > 0'],
      );
    });
  });

  describe('blockingError', () => {
    it('is upstream\'s error for objects whose schema errors block rule evaluation', () => {
      assert.equal(blockingError([new FieldError('Invalid', 'x', 1, 'bad')]), undefined);
      assert.equal(
        blockingError([new FieldError('Required', 'x')])?.message(),
        '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      );
    });
  });
});

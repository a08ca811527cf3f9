/**
 * Compiling x-kubernetes-validations when a CRD is created: every error kube-apiserver reports
 * (compile errors, non-bool rules, messageExpression, reason, fieldPath, oldSelf where it cannot
 * correlate, optionalOldSelf without oldSelf) at its field path with its message, the CEL types
 * a schema gives `self`, and the features kapi refuses out loud instead of skipping rules.
 */
import * as assert from 'node:assert/strict';

import { compileSchemaRulesSync } from '../../../src/cel';
import { compileError, compileOk, messages, objectSchema, type Json } from './support';

const RULE_PATH = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]';

/** withSpecRules is a schema whose spec has the given properties and rules. */
function withSpecRules(properties: Json, rules: Json[], extra: Json = {}): Json {
  return objectSchema({ spec: objectSchema(properties, { 'x-kubernetes-validations': rules, ...extra }) });
}

const errorsOf = (schema: Json, path?: string) => messages(compileSchemaRulesSync(schema, path ? { path } : {}).errors);

const NIL_RULE = (rule: string) =>
  `apiextensions.ValidationRule{Rule:${JSON.stringify(rule)}, Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}`;

describe('cel: compiling rules at CRD creation', () => {
  describe('errors with upstream paths and messages', () => {
    it('reports a rule that does not compile, with the cel-go error and caret', () => {
      assert.deepEqual(errorsOf(withSpecRules({ replicas: { type: 'integer' } }, [{ rule: 'self.replicass > 0' }])), [
        `${RULE_PATH}.rule: Invalid value: ${NIL_RULE('self.replicass > 0')}: compilation failed: ERROR: <input>:1:5: undefined field 'replicass'\n | self.replicass > 0\n | ....^`,
      ]);
    });

    it('places errors under the schema path the CRD registration gives', () => {
      const schema = objectSchema({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self > 1' }] } });
      assert.deepEqual(errorsOf(schema, 'spec.versions[1].schema.openAPIV3Schema'), [
        `spec.versions[1].schema.openAPIV3Schema.properties[a].x-kubernetes-validations[0].rule: Invalid value: ${NIL_RULE('self > 1')}: compilation failed: ERROR: <input>:1:6: found no matching overload for '_>_' applied to '(string, int)'\n | self > 1\n | .....^`,
      ]);
    });

    it('renders the whole rule as Go does, and lists every error of a rule in source order', () => {
      const rule = { rule: 'foo(self) && self.x == "a"', message: 'has "quotes"', reason: 'FieldValueForbidden', fieldPath: '.x' };
      assert.deepEqual(errorsOf(withSpecRules({ x: { type: 'integer' } }, [rule])), [
        `${RULE_PATH}.rule: Invalid value: apiextensions.ValidationRule{Rule:"foo(self) && self.x == \\"a\\"", Message:"has \\"quotes\\"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(0xc000a8c000), FieldPath:".x", OptionalOldSelf:(*bool)(nil)}: compilation failed: ` +
          "ERROR: <input>:1:4: undeclared reference to 'foo' (in container '')\n | foo(self) && self.x == \"a\"\n | ...^\n" +
          "ERROR: <input>:1:21: found no matching overload for '_==_' applied to '(int, string)'\n | foo(self) && self.x == \"a\"\n | ....................^",
      ]);
    });

    it('requires a bool rule and a string messageExpression', () => {
      assert.deepEqual(errorsOf(withSpecRules({ x: { type: 'integer' } }, [{ rule: 'self.x', messageExpression: 'self.x' }])), [
        `${RULE_PATH}.rule: Invalid value: apiextensions.ValidationRule{Rule:"self.x", Message:"", MessageExpression:"self.x", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: cel expression must evaluate to a bool`,
      ]);
      assert.deepEqual(errorsOf(withSpecRules({ x: { type: 'integer' } }, [{ rule: 'self.x > 0', messageExpression: 'self.x' }])), [
        `${RULE_PATH}.messageExpression: Invalid value: apiextensions.ValidationRule{Rule:"self.x > 0", Message:"", MessageExpression:"self.x", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: messageExpression must evaluate to a string`,
      ]);
      assert.deepEqual(errorsOf(withSpecRules({ x: { type: 'integer' } }, [{ rule: 'self.x > 0', messageExpression: "'x is ' + self.y" }])), [
        `${RULE_PATH}.messageExpression: Invalid value: apiextensions.ValidationRule{Rule:"self.x > 0", Message:"", MessageExpression:"'x is ' + self.y", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: messageExpression compilation failed: ERROR: <input>:1:15: undefined field 'y'\n | 'x is ' + self.y\n | ..............^`,
      ]);
    });

    it('checks message, messageExpression, reason and fieldPath before compiling', () => {
      const schema = withSpecRules({ x: { type: 'integer' } }, [
        { rule: ' ' },
        { rule: 'self.x > 0', message: '   ' },
        { rule: 'self.x > 0', message: 'two\nlines' },
        { rule: 'self.x >\n0' },
        { rule: 'self.x > 0', messageExpression: '  ' },
        { rule: 'self.x > 0', reason: 'FieldValueBogus' },
        { rule: 'self.x > 0', fieldPath: '  ' },
        { rule: 'self.x > 0', fieldPath: '.x\n' },
        { rule: 'self.x > 0', fieldPath: '.nope' },
        { rule: 'self.x > 0', fieldPath: 'x' },
      ]);
      const v = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations';
      assert.deepEqual(errorsOf(schema), [
        `${v}[0].rule: Required value: rule is not specified`,
        `${v}[1].message: Invalid value: "   ": must be non-empty if specified`,
        `${v}[2].message: Invalid value: "two\\nlines": must not contain line breaks`,
        `${v}[3].message: Required value: message must be specified if rule contains line breaks`,
        `${v}[4].messageExpression: Required value: messageExpression must be non-empty if specified`,
        `${v}[5].reason: Unsupported value: "FieldValueBogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
        `${v}[6].fieldPath: Invalid value: "  ": must be non-empty if specified`,
        `${v}[6].fieldPath: Invalid value: "  ": must be a valid path`,
        `${v}[7].fieldPath: Invalid value: ".x\\n": must not contain line breaks`,
        `${v}[7].fieldPath: Invalid value: ".x\\n": must be a valid path`,
        `${v}[8].fieldPath: Invalid value: ".nope": must be a valid path`,
        `${v}[9].fieldPath: Invalid value: "x": must be a valid path`,
      ]);
    });

    it('accepts fieldPaths into fields and map keys', () => {
      compileOk(
        withSpecRules({ x: { type: 'integer' }, labels: { type: 'object', additionalProperties: { type: 'string' } }, 'a.b': { type: 'string' } }, [
          { rule: 'true', fieldPath: '.x' },
          { rule: 'true', fieldPath: ".labels['app.kubernetes.io/name']" },
          { rule: 'true', fieldPath: ".labels.foo" },
          { rule: 'true', fieldPath: "['a.b']" },
        ]),
      );
    });

    it('refuses oldSelf where items cannot be correlated (atomic and set lists)', () => {
      const list = (listType: string | undefined) =>
        objectSchema({
          list: {
            type: 'array',
            ...(listType ? { 'x-kubernetes-list-type': listType } : {}),
            ...(listType === 'map' ? { 'x-kubernetes-list-map-keys': ['name'] } : {}),
            items: objectSchema({ name: { type: 'string' } }, { required: ['name'], 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] }),
          },
        });
      const msg =
        'spec.validation.openAPIV3Schema.properties[list].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[list]';
      assert.deepEqual(errorsOf(list(undefined)), [msg]);
      assert.deepEqual(errorsOf(list('set')), [msg]);
      assert.deepEqual(errorsOf(list('map')), []);
    });

    it('refuses optionalOldSelf on a rule that does not use oldSelf', () => {
      assert.deepEqual(errorsOf(withSpecRules({ x: { type: 'integer' } }, [{ rule: 'self.x > 0', optionalOldSelf: true }])), [
        `${RULE_PATH}.optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
      ]);
    });

    it('reports rules on a node CEL cannot type (untyped preserved fields) instead of skipping them', () => {
      const schema = objectSchema({ blob: { 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-validations': [{ rule: 'true' }] } });
      assert.deepEqual(errorsOf(schema), [
        'spec.validation.openAPIV3Schema.properties[blob].x-kubernetes-validations: Internal error: internal error: failed to construct type information for x-kubernetes-validations rules: unable to convert structural schema to CEL declarations',
      ]);
    });

    it('reports rules inside allOf, items and additionalProperties at their paths', () => {
      const schema = objectSchema({
        m: { type: 'object', additionalProperties: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self.x' }] } },
        l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.y' }] } },
        a: { type: 'string', allOf: [{ 'x-kubernetes-validations': [{ rule: 'self.z' }] }] },
      });
      const errs = errorsOf(schema).map((m) => m.split(': Invalid value')[0]);
      assert.deepEqual(errs, [
        'spec.validation.openAPIV3Schema.properties[m].additionalProperties.x-kubernetes-validations[0].rule',
        'spec.validation.openAPIV3Schema.properties[l].items.x-kubernetes-validations[0].rule',
        'spec.validation.openAPIV3Schema.properties[a].allOf[0].x-kubernetes-validations[0].rule',
      ]);
    });
  });

  describe('features kapi cannot evaluate fail compilation with a clear message', () => {
    const cases: Array<[string, string]> = [
      ['self.?x.orValue(1) == 1', "ERROR: <input>:1:6: optional syntax (.?, [?, {?) is not supported by kapi's CEL parser; use has() or optional.of()"],
      ['[?optional.none()].size() == 0', 'ERROR: <input>:1:2: optional syntax'],
      ['self.l.all(i, v, v > i)', "ERROR: <input>:1:11: two-variable comprehensions (all) are not supported by kapi's CEL evaluator"],
      ['self.l.transformList(i, v, v).size() > 0', "ERROR: <input>:1:21: two-variable comprehensions (transformList) are not supported by kapi's CEL evaluator"],
      ['self.l.sortBy(v, -v) == self.l', "ERROR: <input>:1:14: the sortBy macro is not supported by kapi's CEL evaluator"],
      ['authorizer.group("x").resource("y").check("get").allowed()', "ERROR: <input>:1:1: undeclared reference to 'authorizer' (in container '')"],
      ['cel.bind(x, 1, x > 0)', "ERROR: <input>:1:1: undeclared reference to 'cel' (in container '')"],
    ];
    const vars = new Map([['self', { kind: 'struct' as const, name: 'selfType', fields: new Map([['l', { kind: 'list' as const, elem: { kind: 'int' as const } }]]) }]]);
    for (const [rule, message] of cases) {
      it(rule, () => {
        assert.ok(compileError(rule, vars, 'bool').startsWith(message), compileError(rule, vars, 'bool'));
      });
    }

    it('reports a parse error as cel-go does', () => {
      assert.match(compileError('self.x >', new Map()), /^ERROR: <input>:1:\d+: Syntax error: .*\n \| self\.x >\n \| \.+\^$/);
    });
  });

  describe('the type of self follows the schema', () => {
    const ok = (properties: Json, rules: string[], extra: Json = {}) => compileOk(withSpecRules(properties, rules.map((rule) => ({ rule })), extra));
    const fails = (properties: Json, rule: string, message: string, extra: Json = {}) => {
      const errs = errorsOf(withSpecRules(properties, [{ rule }], extra));
      assert.equal(errs.length, 1, `${rule}: ${errs.join('\n')}`);
      assert.ok(errs[0].includes(message), errs[0]);
    };

    it('objects are message-like: known fields only, has() for presence', () => {
      ok({ a: { type: 'string' }, n: { type: 'integer' } }, ['has(self.a) && self.a.size() > 0', 'self.n + 1 > 0']);
      fails({ a: { type: 'string' } }, 'self.b == "x"', "undefined field 'b'");
    });

    it('integer is int, number is double, boolean is bool; equality does not mix them', () => {
      ok({ i: { type: 'integer' }, d: { type: 'number' }, b: { type: 'boolean' } }, ['self.i == 1 && self.d == 1.5 && self.b', 'self.i < 2.5 && self.d > 1']);
      fails({ d: { type: 'number' } }, 'self.d == 1', "found no matching overload for '_==_' applied to '(double, int)'");
    });

    it('additionalProperties are maps, arrays lists', () => {
      ok(
        { labels: { type: 'object', additionalProperties: { type: 'string' } }, ports: { type: 'array', items: { type: 'integer' } } },
        ["self.labels.all(k, self.labels[k] != '')", "'app' in self.labels && self.labels.app == 'x'", 'self.ports.all(p, p > 0) && self.ports[0] == 80'],
      );
    });

    it('int-or-string is dyn, checked at run time', () => {
      ok({ port: { 'x-kubernetes-int-or-string': true } }, ["type(self.port) == int ? self.port > 0 : self.port.startsWith('http')"]);
    });

    it('formats: date-time and date are timestamps, duration a duration, byte bytes', () => {
      ok(
        { t: { type: 'string', format: 'date-time' }, day: { type: 'string', format: 'date' }, d: { type: 'string', format: 'duration' }, b: { type: 'string', format: 'byte' } },
        ["self.t > timestamp('2020-01-01T00:00:00Z') && self.day.getFullYear() > 2000", "self.d < duration('1h') && size(self.b) > 0 && self.b != b'x'"],
      );
      fails({ t: { type: 'string', format: 'date-time' } }, 'self.t.startsWith("2020")', "found no matching overload for 'startsWith' applied to 'timestamp.(string)'");
    });

    it('property names are escaped: x-y is x__dash__y, namespace is __namespace__, a b is invisible', () => {
      ok({ 'x-y': { type: 'string' }, namespace: { type: 'string' }, 'a.b': { type: 'string' }, 'a__b': { type: 'string' } }, [
        "self.x__dash__y == '' || self.__namespace__ == '' || self.a__dot__b == '' || self.a__underscores__b == ''",
      ]);
      fails({ 'a b': { type: 'string' } }, 'has(self.a)', "undefined field 'a'");
    });

    it('untyped preserved fields are invisible; typed ones keep their declared fields', () => {
      fails({ blob: { 'x-kubernetes-preserve-unknown-fields': true } }, 'has(self.blob)', "undefined field 'blob'");
      ok({ obj: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } } }, ["self.obj.known == 'x'"]);
      fails({ obj: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, "self.obj.unknown == 'x'", "undefined field 'unknown'");
    });

    it('the root and embedded resources see apiVersion, kind, metadata.name and metadata.generateName only', () => {
      const root = (rule: string) => errorsOf(objectSchema({ metadata: { type: 'object' } }, { 'x-kubernetes-validations': [{ rule }] }));
      assert.deepEqual(root("self.apiVersion != '' && self.kind != '' && self.metadata.name.size() < 64 && !has(self.metadata.generateName)"), []);
      assert.match(root("self.metadata.labels['a'] == 'b'")[0], /undefined field 'labels'/);
      const embedded = withSpecRules(
        { template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
        [{ rule: "self.template.kind == 'ConfigMap' && self.template.metadata.name != ''" }],
      );
      compileOk(embedded);
    });

    it('list-map and set lists are lists; maps of objects are maps', () => {
      ok(
        {
          items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: objectSchema({ name: { type: 'string' }, v: { type: 'integer' } }, { required: ['name'] }) },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          byName: { type: 'object', additionalProperties: objectSchema({ v: { type: 'integer' } }) },
        },
        ["self.items.exists(i, i.name == 'a' && i.v > 0) && self.tags.size() < 5 && self.byName.all(k, self.byName[k].v > 0)"],
      );
    });
  });

  describe('AST validations Kubernetes enables', () => {
    it('list and map literals must be homogeneous, except as arguments of format', () => {
      assert.match(compileError("[1, 'a'].size() == 2", new Map()), /^ERROR: <input>:1:5: expected type 'int' but found 'string'/);
      assert.match(compileError("{'a': 1, 'b': 'c'}.size() == 2", new Map()), /^ERROR: <input>:1:15: expected type 'int' but found 'string'/);
      assert.doesNotThrow(() => compileOk(withSpecRules({}, [{ rule: "'%s=%d'.format(['a', 1]) == 'a=1'" }])));
    });

    it('literal durations, timestamps and regular expressions must be valid', () => {
      assert.match(compileError("duration('1x') > duration('1s')", new Map()), /ERROR: <input>:1:10: invalid duration argument/);
      assert.match(compileError("timestamp('yesterday') < timestamp('2020-01-01T00:00:00Z')", new Map()), /ERROR: <input>:1:11: invalid timestamp argument/);
      assert.match(compileError("'a'.matches('[')", new Map()), /ERROR: <input>:1:13: invalid matches argument/);
      assert.deepEqual(errorsOf(withSpecRules({ s: { type: 'string' } }, [{ rule: "self.s.find('(') == ''" }])), [
        `${RULE_PATH}.rule: Invalid value: ${NIL_RULE("self.s.find('(') == ''")}: program instantiation failed: error parsing regexp: missing closing ): \`(\``,
      ]);
    });

    it('renders the caret under non-ASCII text with wide dots, as cel-go', () => {
      assert.equal(compileError("'é' == 1", new Map()), "ERROR: <input>:1:5: found no matching overload for '_==_' applied to '(string, int)'\n | 'é' == 1\n | .．..^");
    });
  });
});

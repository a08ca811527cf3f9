import * as assert from 'node:assert/strict';

import {
  FieldSet,
  FieldsV1Error,
  comparePathElements,
  fieldElement,
  indexElement,
  keyElement,
  parsePathElement,
  pathString,
  serializePathElement,
  valueElement,
  type PathElement,
} from '../../../src/apply';
import golden from './testdata/fieldsv1-golden.json';

const f = fieldElement;

describe('apply/fieldpath', () => {
  it('orders elements as upstream: fields, keys, values (numbers, strings, booleans), indices', () => {
    const elements: PathElement[] = [
      indexElement(2),
      valueElement(true),
      valueElement('aa'),
      valueElement(3),
      keyElement([{ name: 'port', value: 443 }, { name: 'protocol', value: 'udp' }]),
      keyElement([{ name: 'name', value: 'first' }]),
      f('b'),
      f('a'),
      indexElement(1),
    ];
    const sorted = [...elements].sort(comparePathElements).map(serializePathElement);
    assert.deepEqual(sorted, [
      'f:a',
      'f:b',
      'k:{"name":"first"}',
      'k:{"port":443,"protocol":"udp"}',
      'v:3',
      'v:"aa"',
      'v:true',
      'i:1',
      'i:2',
    ]);
  });

  it('orders field names by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF21 (FULLWIDTH A) is one UTF-16 unit above the surrogates U+1F680 uses, but sorts before it in UTF-8.
    assert.ok(comparePathElements(f('\uff21'), f('\u{1f680}')) < 0);
  });

  it('serializes key elements with their fields sorted and JSON values', () => {
    const pe = keyElement([
      { name: 'protocol', value: 'TCP' },
      { name: 'containerPort', value: 80 },
    ]);
    assert.equal(serializePathElement(pe), 'k:{"containerPort":80,"protocol":"TCP"}');
    assert.equal(serializePathElement(valueElement({ b: 1, a: 'x<y' })), 'v:{"a":"x\\u003cy","b":1}');
  });

  it('round-trips upstream path element examples', () => {
    for (const s of [
      'i:0',
      'i:1234',
      'f:',
      'f:spec',
      'f: string-with-spaces   ',
      'k:{"name":"my-container"}',
      'k:{"port":"8080","protocol":"TCP"}',
      'k:{"optionalField":null}',
      'k:{"jsonField":{"A":1,"B":null,"C":"D","E":{"F":"G"}}}',
      'k:{"listField":["1","2","3"]}',
      'v:null',
      'v:"some-string"',
      'v:1234',
      'v:{"some":"json"}',
      'k:{"name":"app-🚀"}',
      'k:{"name":"你好世界"}',
      'f:spec-🚀',
    ]) {
      const pe = parsePathElement(s);
      assert.ok(pe, s);
      assert.equal(serializePathElement(pe), s);
    }
  });

  it('skips unknown element types and rejects malformed ones', () => {
    assert.equal(parsePathElement('z:whatever'), undefined);
    assert.throws(() => parsePathElement('f'), FieldsV1Error);
    assert.throws(() => parsePathElement('fx'), /missing colon/);
    assert.throws(() => parsePathElement('i:x'), FieldsV1Error);
    assert.throws(() => parsePathElement('k:{"a":'), FieldsV1Error);
  });

  it('renders paths as conflict messages print them', () => {
    const path = [
      f('spec'),
      f('template'),
      f('spec'),
      f('containers'),
      keyElement([{ name: 'name', value: 'nginx' }]),
      f('ports'),
      keyElement([
        { name: 'containerPort', value: 80 },
        { name: 'protocol', value: 'TCP' },
      ]),
      f('containerPort'),
    ];
    assert.equal(pathString(path), '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort');
    assert.equal(pathString([f('metadata'), f('finalizers'), valueElement('a/b')]), '.metadata.finalizers[="a/b"]');
    assert.equal(pathString([f('spec'), f('args'), indexElement(3)]), '.spec.args[3]');
  });
});

describe('apply/set', () => {
  const a = [f('a')];
  const ab = [f('a'), f('b')];
  const abc = [f('a'), f('b'), f('c')];
  const x = [f('x')];

  it('unions, intersects and differences members at every depth', () => {
    const s1 = FieldSet.of(a, ab, x);
    const s2 = FieldSet.of(ab, abc);
    assert.equal(s1.union(s2).serialize(), '{"f:a":{".":{},"f:b":{".":{},"f:c":{}}},"f:x":{}}');
    assert.equal(s1.intersection(s2).serialize(), '{"f:a":{"f:b":{}}}');
    assert.equal(s1.difference(s2).serialize(), '{"f:a":{},"f:x":{}}');
    assert.equal(s2.difference(s1).serialize(), '{"f:a":{"f:b":{"f:c":{}}}}');
  });

  it('keeps what lies below a removed parent in a plain difference, not in a recursive one', () => {
    const s = FieldSet.of(abc, x);
    const parent = FieldSet.of(ab);
    assert.equal(s.difference(parent).serialize(), '{"f:a":{"f:b":{"f:c":{}}},"f:x":{}}');
    assert.equal(s.recursiveDifference(parent).serialize(), '{"f:x":{}}');
  });

  it('reports membership, emptiness, size and leaves', () => {
    const s = FieldSet.of(a, abc);
    assert.ok(s.has(a) && s.has(abc) && !s.has(ab) && !s.has([]));
    assert.equal(s.size(), 2);
    assert.ok(FieldSet.empty().isEmpty());
    assert.ok(!s.isEmpty());
    assert.equal(s.leaves().serialize(), '{"f:a":{"f:b":{"f:c":{}}}}');
    assert.deepEqual(s.paths().map(pathString), ['.a', '.a.b.c']);
  });

  it('writes "." for a node that is a member and has children', () => {
    const s = FieldSet.of([f('metadata'), f('labels')], [f('metadata'), f('labels'), f('app')]);
    assert.deepEqual(s.toFieldsV1(), { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } });
    assert.equal(s.serialize(), '{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}');
  });

  it('escapes keys as Go does (HTML-safe)', () => {
    const s = FieldSet.of([f('metadata'), f('annotations'), f('a&b<c>')]);
    assert.equal(s.serialize(), '{"f:metadata":{"f:annotations":{"f:a\\u0026b\\u003cc\\u003e":{}}}}');
  });

  golden.golden.forEach((text, i) => {
    it(`reproduces upstream golden FieldsV1 ${i} byte for byte`, () => {
      const s = FieldSet.fromFieldsV1(text);
      assert.equal(s.serialize(), text);
      assert.ok(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s));
    });
  });

  it('normalizes FieldsV1 written out of order, with spaces in values and unsorted keys', () => {
    const { input, normalized } = golden.nonNormalized[0];
    assert.equal(FieldSet.fromFieldsV1(input).serialize(), normalized);
  });

  it('reads "{}" as a member and drops unknown element types', () => {
    const s = FieldSet.fromFieldsV1({ 'f:a': {}, 'f:b': { '.': {}, 'f:c': {} }, 'x:future': {} });
    assert.equal(pathString(s.paths()[0]), '.a');
    assert.deepEqual(s.paths().map(pathString), ['.a', '.b', '.b.c']);
  });

  it('rejects FieldsV1 that is not an object of objects', () => {
    assert.throws(() => FieldSet.fromFieldsV1('[1]'), FieldsV1Error);
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }), FieldsV1Error);
    assert.throws(() => FieldSet.fromFieldsV1({ 'k:nope': {} }), FieldsV1Error);
  });
});

import assert from 'node:assert/strict';
import { duplicateFields, keyCount } from '../../../src/endpoints/fieldvalidation';
import { MAX_NESTING_DEPTH, jsonTextShape } from '../../../src/endpoints/jsontext';

/**
 * Duplicate fields are found by walking the text; when the parsed object is at hand, a key count
 * decides first whether there is anything to find. Both ways must agree on every body.
 */
describe('endpoints/fieldvalidation', function () {
  const bodies: Record<string, string> = {
    'no duplicates': '{"metadata":{"name":"a","labels":{"x":"1","y":"2"}},"spec":{"containers":[{"name":"c","image":"i"}]}}',
    'a repeated top-level key': '{"kind":"Pod","kind":"Pod","metadata":{}}',
    'a repeated key inside a list item': '{"spec":{"containers":[{"name":"c"},{"name":"d","name":"e"}]}}',
    'colons and quotes inside strings': '{"a":"x:y","b":"say \\"k\\": v","c":{"d":"\\\\","d":"e"}}',
    'keys that look alike across objects': '{"a":{"n":1},"b":{"n":2},"c":[{"n":3},{"n":4}]}',
    'whitespace around colons': '{ "a" : 1 ,\n "a" :\t2 }',
    'a key named __proto__': '{"__proto__":{"x":1},"y":2}',
    'three of one key': '{"a":1,"a":2,"a":3}',
  };

  for (const [name, text] of Object.entries(bodies)) {
    it(`finds the same duplicates with and without the parsed object: ${name}`, function () {
      assert.deepEqual(duplicateFields(text, JSON.parse(text)), duplicateFields(text));
    });
  }

  it('reports duplicates with their paths, in document order', function () {
    const text = bodies['a repeated key inside a list item'];
    assert.deepEqual(
      duplicateFields(text, JSON.parse(text)).map((d) => d.path),
      ['spec.containers[1].name'],
    );
    const three = bodies['three of one key'];
    assert.deepEqual(
      duplicateFields(three, JSON.parse(three)).map((d) => d.path),
      ['a', 'a'],
    );
  });

  it('counts the keys of text and of the parsed value alike when nothing repeats', function () {
    const text = bodies['colons and quotes inside strings'].replace('"d":"e"', '"f":"e"');
    assert.equal(jsonTextShape(text).keys, 5);
    assert.equal(keyCount(JSON.parse(text)), 5);
    assert.equal(jsonTextShape('[1,2,"a:b"]').keys, 0);
    assert.equal(keyCount([{ a: [{ b: 1 }] }, null, 'x']), 2);
  });

  it('finds the bracket that opens the first level past the nesting limit, not counting brackets in strings', function () {
    const at = (depth: number) => `${'['.repeat(depth - 1)}{"a":"[[{{"}${']'.repeat(depth - 1)}`;
    assert.equal(jsonTextShape(at(MAX_NESTING_DEPTH)).tooDeep, undefined);
    assert.equal(jsonTextShape(at(MAX_NESTING_DEPTH + 1)).tooDeep, '{');
    assert.equal(jsonTextShape(at(MAX_NESTING_DEPTH + 1)).keys, 1);
  });
});

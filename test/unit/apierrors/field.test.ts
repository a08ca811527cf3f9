import assert from 'node:assert/strict';
import { FieldError, GoValue, NO_VALUE, invalid, required } from '../../../src/apierrors';

/**
 * Field error values render as apimachinery 1.35's ErrorBody does
 * (pkg/util/validation/field/errors.go): `%q` for strings, `%v` for numbers and booleans,
 * encoding/json for everything else.
 */
describe('apierrors/field', function () {
  const body = (value: unknown) => invalid('f', value, 'd').body();

  it('quotes strings as Go %q, escaping what is not printable', function () {
    assert.equal(body('front end!'), 'Invalid value: "front end!": d');
    assert.equal(body('a\tb\u0001"'), 'Invalid value: "a\\tb\\x01\\"": d');
    assert.equal(body('héllo'), 'Invalid value: "héllo": d');
  });

  it('prints numbers and booleans bare', function () {
    assert.equal(body(70000), 'Invalid value: 70000: d');
    assert.equal(body(-1), 'Invalid value: -1: d');
    assert.equal(body(1.5), 'Invalid value: 1.5: d');
    assert.equal(body(true), 'Invalid value: true: d');
  });

  it('prints maps, slices and structs as JSON with sorted keys, not Go syntax', function () {
    assert.equal(body({ tier: 'x', app: 'web' }), 'Invalid value: {"app":"web","tier":"x"}: d');
    assert.equal(body({}), 'Invalid value: {}: d');
    assert.equal(body(['10.0.0.250']), 'Invalid value: ["10.0.0.250"]: d');
    assert.equal(body({ matchLabels: { app: 'a' } }), 'Invalid value: {"matchLabels":{"app":"a"}}: d');
    // encoding/json escapes HTML characters that JSON.stringify leaves alone.
    assert.equal(body({ a: '<&>' }), 'Invalid value: {"a":"\\u003c\\u0026\\u003e"}: d');
  });

  it('prints null as encoding/json prints nil', function () {
    assert.equal(body(null), 'Invalid value: null: d');
  });

  it('prints a GoValue as given and leaves the value out where upstream does', function () {
    assert.equal(body(new GoValue('{"Name":""}')), 'Invalid value: {"Name":""}: d');
    assert.equal(required('f', 'why').message(), 'f: Required value: why');
    assert.equal(new FieldError('Invalid', 'f', NO_VALUE, 'd').message(), 'f: Invalid value: d');
    assert.equal(new FieldError('TooMany', 'f', 5, 'must have at most 3 items').message(), 'f: Too many: 5: must have at most 3 items');
  });
});

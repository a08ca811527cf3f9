import assert from 'node:assert/strict';
import { builtinTypeTable } from '../../../generated/typeinfo';
import { QUANTITY_FORMAT_MESSAGE, QUANTITY_SUFFIX_MESSAGE, parseQuantity, quantityError } from '../../../src/meta/quantity';
import { quantityDecodeError } from '../../../src/schema/quantities';

const POD = builtinTypeTable.kinds['/v1/Pod'];

function podRequesting(cpu: unknown): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu } } }] } };
}

describe('schema/quantities', function () {
  it('gives resource.ParseQuantity\'s errors: format, then suffix', function () {
    assert.equal(quantityError('2 cores'), QUANTITY_FORMAT_MESSAGE);
    assert.equal(quantityError(''), QUANTITY_FORMAT_MESSAGE);
    assert.equal(quantityError('1.1.M'), QUANTITY_FORMAT_MESSAGE);
    assert.equal(quantityError('200K'), QUANTITY_SUFFIX_MESSAGE);
    assert.equal(quantityError('1i'), QUANTITY_SUFFIX_MESSAGE);
    assert.equal(quantityError('-3.01e-'), QUANTITY_SUFFIX_MESSAGE);
  });

  it('accepts what the upstream scanner accepts, odd as some of it is', function () {
    for (const ok of ['1', '500m', '1.5Gi', '1e3', '1E-3', '5.', '.5', '.', 'Mi', '+1k']) assert.equal(quantityError(ok), undefined, ok);
    assert.deepEqual(parseQuantity('Mi'), { numerator: 0n, scale: 0 });
    assert.deepEqual(parseQuantity('1.5k'), { numerator: 1500n, scale: 0 });
  });

  it('finds a malformed quantity inside a pod, and only there', function () {
    assert.equal(quantityDecodeError(builtinTypeTable, POD, podRequesting('2 cores')), QUANTITY_FORMAT_MESSAGE);
    assert.equal(quantityDecodeError(builtinTypeTable, POD, podRequesting(' 2 ')), undefined, 'UnmarshalJSON trims spaces');
    assert.equal(quantityDecodeError(builtinTypeTable, POD, podRequesting(2)), undefined);
    assert.equal(quantityDecodeError(builtinTypeTable, POD, podRequesting(true)), QUANTITY_FORMAT_MESSAGE);
    const withBadName = { metadata: { name: '2 cores', labels: { a: '2 cores' } }, spec: { containers: [] } };
    assert.equal(quantityDecodeError(builtinTypeTable, POD, withBadName), undefined);
  });
});

import * as assert from 'node:assert/strict';

import {
  ConflictError,
  FieldSet,
  ManagedFieldsError,
  buildManagerIdentifier,
  conflictMessage,
  decodeManagedFields,
  encodeManagedFields,
  fieldElement,
  formatTime,
  isResetManagedFields,
  keyElement,
  printManager,
} from '../../../src/apply';
import { T0, at } from './support';

const f = fieldElement;

const entry = (over: Record<string, unknown>): Record<string, unknown> => ({
  manager: 'm',
  operation: 'Update',
  apiVersion: 'v1',
  time: '2024-05-01T10:00:00Z',
  fieldsType: 'FieldsV1',
  fieldsV1: { 'f:data': { 'f:a': {} } },
  ...over,
});

describe('apply/managedfields', () => {
  it('identifies managers by name, operation, subresource, and apiVersion for Update only', () => {
    assert.equal(buildManagerIdentifier({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }), '{"manager":"kubectl","operation":"Apply"}');
    assert.equal(
      buildManagerIdentifier({ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' }),
      '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1","subresource":"status"}',
    );
  });

  it('round-trips entries, sorted Apply first, then by time, manager, apiVersion', () => {
    const list = [
      entry({ manager: 'b', time: '2024-05-01T10:00:05Z' }),
      entry({ manager: 'a', time: '2024-05-01T10:00:05Z' }),
      entry({ manager: 'z', operation: 'Apply', apiVersion: 'v1', time: '2024-05-01T12:00:00+02:00' }),
      entry({ manager: 'a', time: '2024-05-01T10:00:01Z', apiVersion: 'v2' }),
      entry({ manager: 'c', time: undefined }),
    ];
    const out = encodeManagedFields(decodeManagedFields(list));
    assert.deepEqual(
      out?.map((e) => [e.manager, e.operation, e.apiVersion, e.time]),
      [
        ['z', 'Apply', 'v1', '2024-05-01T10:00:00Z'],
        ['c', 'Update', 'v1', undefined],
        ['a', 'Update', 'v2', '2024-05-01T10:00:01Z'],
        ['a', 'Update', 'v1', '2024-05-01T10:00:05Z'],
        ['b', 'Update', 'v1', '2024-05-01T10:00:05Z'],
      ],
    );
    // Entries keep metav1's field order, so they serialize as kube-apiserver writes them.
    assert.equal(
      JSON.stringify(out?.[0]),
      '{"manager":"z","operation":"Apply","apiVersion":"v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}',
    );
  });

  it('encodes an empty list as no field at all', () => {
    assert.equal(encodeManagedFields(decodeManagedFields([])), undefined);
  });

  it('rejects entries upstream cannot decode', () => {
    assert.throws(() => decodeManagedFields([entry({ operation: 'Patch' })]), /operation must be `Apply` or `Update`/);
    assert.throws(() => decodeManagedFields([entry({ apiVersion: '' })]), /apiVersion must not be empty/);
    assert.throws(() => decodeManagedFields([entry({ fieldsType: undefined })]), /missing fieldsType in managed fields entry 0/);
    assert.throws(() => decodeManagedFields([entry({ fieldsType: 'FieldsV2' })]), /invalid fieldsType "FieldsV2" in managed fields entry 0/);
    assert.throws(() => decodeManagedFields([entry({ time: 'yesterday' })]), ManagedFieldsError);
    assert.throws(() => decodeManagedFields([entry({ fieldsV1: { 'f:a': 'x' } })]), ManagedFieldsError);
    assert.throws(() => decodeManagedFields({}), ManagedFieldsError);
  });

  it('recognizes a request to reset managedFields', () => {
    assert.ok(isResetManagedFields([]));
    assert.ok(isResetManagedFields([{}]));
    assert.ok(isResetManagedFields([{ manager: '', fieldsV1: null }]));
    assert.ok(!isResetManagedFields(undefined));
    assert.ok(!isResetManagedFields([{ manager: 'x' }]));
    assert.ok(!isResetManagedFields([{}, {}]));
  });

  it('formats times as RFC 3339 UTC seconds', () => {
    assert.equal(formatTime(new Date('2024-05-01T10:00:00.999Z')), '2024-05-01T10:00:00Z');
    assert.equal(formatTime(at(61)), '2024-05-01T10:01:01Z');
    assert.equal(formatTime(T0), '2024-05-01T10:00:00Z');
  });
});

describe('apply/conflict', () => {
  const updater = buildManagerIdentifier({ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1' });
  const applier = buildManagerIdentifier({ manager: 'x', operation: 'Apply', apiVersion: 'apps/v1' });
  const status = buildManagerIdentifier({ manager: 'kcm', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' });

  it('prints managers as upstream', () => {
    assert.equal(printManager(updater), '"kubectl-client-side-apply" using v1');
    assert.equal(printManager(applier), '"x"');
    assert.equal(printManager(status), '"kcm" with subresource "status" using apps/v1');
  });

  it('words one conflict on one line', () => {
    const err = new ConflictError([{ manager: updater, path: [f('spec'), f('replicas')] }]);
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas');
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'Conflict');
    assert.deepEqual(err.details, {
      causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.replicas' }],
    });
  });

  it('groups several conflicts by manager, managers sorted', () => {
    const c = [
      { manager: applier, path: [f('spec'), f('replicas')] },
      { manager: updater, path: [f('spec'), f('template'), f('spec'), f('containers'), keyElement([{ name: 'name', value: 'a' }]), f('image')] },
      { manager: applier, path: [f('spec'), f('paused')] },
    ];
    assert.equal(
      conflictMessage(c),
      'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using v1:\n' +
        '- .spec.template.spec.containers[name="a"].image\n' +
        'conflicts with "x":\n' +
        '- .spec.replicas\n' +
        '- .spec.paused',
    );
  });

  it('reads FieldsV1 into a set that writes back the same bytes', () => {
    const fields = { 'f:data': { '.': {}, 'f:a': {} } };
    assert.equal(FieldSet.fromFieldsV1(fields).serialize(), JSON.stringify(fields));
  });
});

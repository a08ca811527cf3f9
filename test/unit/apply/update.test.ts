import * as assert from 'node:assert/strict';

import {
  FieldSet,
  MAX_UPDATE_MANAGERS,
  applyPatch,
  defaultManager,
  managerOrUserAgent,
  revertNoopManagedFieldsTimestamps,
  updateManagedFields,
  validateFieldManager,
  validateManagedFields,
  validatePatchFieldManager,
  type VersionConverter,
} from '../../../src/apply';
import { CONFIGMAP, applyOpts, at, entryOf, managedFieldsOf, nginx, stored, updateOpts } from './support';

type Obj = Record<string, unknown>;

function fieldsOf(e: Obj | undefined): string {
  assert.ok(e, 'managedFields entry');
  return FieldSet.fromFieldsV1(e['fieldsV1']).serialize();
}

const cmOpts = (manager: string, seconds = 0) => updateOpts(manager, { root: CONFIGMAP, apiVersion: 'v1', now: at(seconds) });

function configMap(data: Record<string, string>, labels?: Record<string, string>): Obj {
  const metadata: Obj = { name: 'c', namespace: 'default' };
  if (labels) metadata['labels'] = labels;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

/** write plays one ordinary write: mutate a copy of the stored object and record it. */
function write(live: Obj, manager: string, seconds: number, mutate: (o: Obj) => void): Obj {
  const next = structuredClone(live);
  mutate(next);
  return stored(updateManagedFields(live, next, cmOpts(manager, seconds)).object);
}

const data = (o: Obj): Obj => o['data'] as Obj;
const meta = (o: Obj): Obj => o['metadata'] as Obj;

describe('apply/updateManagedFields', () => {
  describe('create', () => {
    it('owns every field a create sets, containers that appear marked with "."', () => {
      const { object } = updateManagedFields(undefined, nginx(), updateOpts('kubectl-create'));
      assert.equal(
        fieldsOf(entryOf(object, 'kubectl-create', 'Update')),
        '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{".":{},"f:replicas":{},"f:selector":{},"f:template":{".":{},' +
          '"f:metadata":{".":{},"f:labels":{".":{},"f:app":{}}},"f:spec":{".":{},"f:containers":{".":{},"k:{\\"name\\":\\"nginx\\"}":{' +
          '".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},' +
          '"f:containerPort":{}}}}}}}}}',
      );
      assert.equal(entryOf(object, 'kubectl-create', 'Update')?.['time'], '2024-05-01T10:00:00Z');
    });

    it('matches upstream for built-in kinds when given the Go zero object to compare with', () => {
      // What New() of an apps/v1 Deployment looks like to the field manager upstream.
      const emptyObject = {
        metadata: { creationTimestamp: null },
        spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: {} },
        status: {},
      };
      const { object } = updateManagedFields(undefined, nginx(), updateOpts('kubectl-create', { emptyObject }));
      assert.equal(
        fieldsOf(entryOf(object, 'kubectl-create', 'Update')),
        '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{' +
          '"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},' +
          '"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}',
      );
    });

    it('does not mutate its inputs', () => {
      const obj = nginx();
      const copy = structuredClone(obj);
      updateManagedFields(undefined, obj, updateOpts('x'));
      assert.deepEqual(obj, copy);
    });
  });

  describe('ownership', () => {
    it('moves a changed field from its owner to the writer (upstream TestApplyManagedFields)', () => {
      const applied = stored(
        applyPatch(undefined, configMap({ key: 'value' }, { 'test-label': 'test' }), applyOpts('apply_test', { root: CONFIGMAP, apiVersion: 'v1', kind: 'ConfigMap' })).object,
      );
      let obj = write(applied, 'updater', 1, (o) => (data(o)['new-key'] = 'value'));
      obj = write(obj, 'updater', 2, (o) => (data(o)['key'] = 'new value'));
      assert.deepEqual(managedFieldsOf(obj), [
        {
          manager: 'apply_test',
          operation: 'Apply',
          apiVersion: 'v1',
          time: '2024-05-01T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
        },
        {
          manager: 'updater',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2024-05-01T10:00:02Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:key': {}, 'f:new-key': {} } },
        },
      ]);
    });

    it('takes a removed field away from its owner and drops an owner left with nothing', () => {
      let obj = stored(updateManagedFields(undefined, configMap({ a: '1' }), cmOpts('creator')).object);
      obj = write(obj, 'editor', 1, (o) => (data(o)['b'] = '2'));
      obj = write(obj, 'cleaner', 2, (o) => delete data(o)['a']);
      // creator still owns the data map itself (it created it), which reads as a bare member.
      assert.equal(fieldsOf(entryOf(obj, 'creator', 'Update')), '{"f:data":{}}');
      obj = write(obj, 'cleaner', 3, (o) => delete o['data']);
      assert.equal(entryOf(obj, 'creator', 'Update'), undefined);
      assert.equal(entryOf(obj, 'editor', 'Update'), undefined);
      assert.equal(entryOf(obj, 'cleaner', 'Update'), undefined);
    });

    it('leaves entries and times alone when a write changes nothing', () => {
      const obj = stored(updateManagedFields(undefined, configMap({ a: '1' }), cmOpts('creator')).object);
      const again = write(obj, 'someone-else', 9, () => undefined);
      assert.deepEqual(managedFieldsOf(again), managedFieldsOf(obj));
    });

    it('keeps one Update entry per manager, apiVersion and subresource', () => {
      let obj = stored(updateManagedFields(undefined, configMap({ a: '1' }), cmOpts('m')).object);
      obj = write(obj, 'm', 1, (o) => (data(o)['b'] = '2'));
      assert.equal(managedFieldsOf(obj).length, 1);
      assert.equal(fieldsOf(entryOf(obj, 'm', 'Update')), '{"f:data":{".":{},"f:a":{},"f:b":{}}}');
      assert.equal(entryOf(obj, 'm', 'Update')?.['time'], '2024-05-01T10:00:01Z');

      const next = structuredClone(obj);
      data(next)['c'] = '3';
      const other = updateManagedFields(obj, next, updateOpts('m', { root: CONFIGMAP, apiVersion: 'v1beta1', now: at(2) })).object;
      assert.deepEqual(
        managedFieldsOf(other).map((e) => [(e as Obj)['apiVersion'], fieldsOf(e as Obj)]),
        [
          ['v1', '{"f:data":{".":{},"f:a":{},"f:b":{}}}'],
          ['v1beta1', '{"f:data":{"f:c":{}}}'],
        ],
      );

      const statusNext = structuredClone(obj);
      data(statusNext)['d'] = '4';
      const status = updateManagedFields(obj, statusNext, updateOpts('m', { root: CONFIGMAP, apiVersion: 'v1', subresource: 'status', now: at(3) })).object;
      assert.deepEqual(
        managedFieldsOf(status).map((e) => (e as Obj)['subresource']),
        [undefined, 'status'],
      );
    });

    it('does not track fields a strategy resets (status written through the main resource)', () => {
      const live = stored(updateManagedFields(undefined, nginx(), updateOpts('creator')).object);
      const next = structuredClone(live);
      next['status'] = { replicas: 2 };
      const resetFields = FieldSet.of([{ kind: 'field', name: 'status' }]);
      const { object } = updateManagedFields(live, next, updateOpts('writer', { resetFields, now: at(1) }));
      assert.equal(entryOf(object, 'writer', 'Update'), undefined);
    });

    it('merges the oldest Update entries into "ancient-changes" beyond ten managers', () => {
      let obj = stored(updateManagedFields(undefined, configMap({ k0: 'v' }), cmOpts('m0', 0)).object);
      for (let i = 1; i <= MAX_UPDATE_MANAGERS; i++) obj = write(obj, `m${i}`, i, (o) => (data(o)[`k${i}`] = 'v'));
      const entries = managedFieldsOf(obj) as Obj[];
      assert.equal(entries.length, MAX_UPDATE_MANAGERS);
      assert.deepEqual(entries[0], {
        manager: 'ancient-changes',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2024-05-01T10:00:01Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {} } },
      });
      assert.equal(entries[1]['manager'], 'm2');
    });
  });

  describe('managedFields sent by the client', () => {
    function base(): Obj {
      let obj = stored(updateManagedFields(undefined, configMap({ a: '1' }), cmOpts('creator')).object);
      obj = write(obj, 'editor', 1, (o) => (data(o)['b'] = '2'));
      return obj;
    }

    it('resets managedFields on an empty list or a list of one empty entry, and stops tracking', () => {
      for (const reset of [[], [{}]]) {
        const live = base();
        const next = structuredClone(live);
        meta(next)['managedFields'] = reset;
        data(next)['c'] = '3';
        const { object } = updateManagedFields(live, next, cmOpts('editor', 5));
        assert.equal(meta(object)['managedFields'], undefined);
      }
    });

    it('honours valid managedFields a client rewrote', () => {
      const live = base();
      const next = structuredClone(live);
      meta(next)['managedFields'] = managedFieldsOf(live).filter((e) => (e as Obj)['manager'] !== 'creator');
      const { object } = updateManagedFields(live, next, cmOpts('editor', 5));
      assert.deepEqual(
        managedFieldsOf(object).map((e) => (e as Obj)['manager']),
        ['editor'],
      );
    });

    it('falls back to the stored managedFields when the client sends invalid ones', () => {
      const live = base();
      const next = structuredClone(live);
      meta(next)['managedFields'] = [{ manager: 'x', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
      data(next)['c'] = '3';
      const { object } = updateManagedFields(live, next, cmOpts('editor', 5));
      assert.deepEqual(
        managedFieldsOf(object).map((e) => [(e as Obj)['manager'], fieldsOf(e as Obj)]),
        [
          ['creator', '{"f:data":{".":{},"f:a":{}}}'],
          ['editor', '{"f:data":{"f:b":{},"f:c":{}}}'],
        ],
      );
    });

    it('ignores the client managedFields on a subresource', () => {
      const live = base();
      const next = structuredClone(live);
      meta(next)['managedFields'] = [];
      const { object } = updateManagedFields(live, next, updateOpts('editor', { root: CONFIGMAP, apiVersion: 'v1', subresource: 'status' }));
      assert.deepEqual(managedFieldsOf(object), managedFieldsOf(live));
    });

    it('does not start tracking an existing object that has no managedFields', () => {
      const legacy = stored(configMap({ a: '1' }));
      const next = structuredClone(legacy);
      data(next)['b'] = '2';
      const { object } = updateManagedFields(legacy, next, cmOpts('editor', 1));
      assert.equal(meta(object)['managedFields'], undefined);
    });

    it('drops entries recorded in a version that is no longer served', () => {
      const converter: VersionConverter = { convert: (obj, v) => (v === 'v1' ? obj : undefined) };
      const live = base();
      const next = structuredClone(live);
      const old = { manager: 'ancient', operation: 'Update', apiVersion: 'v0', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } };
      meta(next)['managedFields'] = [...managedFieldsOf(live), old];
      data(next)['a'] = 'changed';
      const { object } = updateManagedFields(live, next, updateOpts('editor', { root: CONFIGMAP, apiVersion: 'v1', converter, now: at(4) }));
      assert.ok(!managedFieldsOf(object).some((e) => (e as Obj)['manager'] === 'ancient'));
    });
  });
});

describe('apply/managers', () => {
  it('derives the manager from the User-Agent as upstream', () => {
    assert.equal(defaultManager('kubectl/v1.35.0 (linux/amd64) kubernetes/66452049'), 'kubectl');
    assert.equal(defaultManager('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'), 'Mozilla');
    assert.equal(defaultManager('f'.repeat(129) + '/Something'), 'f'.repeat(128));
    assert.equal(defaultManager('🍔'.repeat(60)), '🍔'.repeat(32));
    assert.equal(defaultManager('bad\u0007agent/1'), 'badagent');
    assert.equal(managerOrUserAgent('manager', 'userAgent'), 'manager');
    assert.equal(managerOrUserAgent('', 'helm/v3.16'), 'helm');
  });

  it('validates field managers and managedFields as upstream', () => {
    assert.deepEqual(validateFieldManager('ok').map((e) => e.message()), []);
    assert.deepEqual(
      validateFieldManager('a\u0007').map((e) => [e.field, e.detail]),
      [['fieldManager', 'invalid character U+0007 (at position 1)']],
    );
    assert.deepEqual(validatePatchFieldManager({ isApply: true }).map((e) => e.message()), ['fieldManager: Required value: is required for apply patch']);
    assert.deepEqual(validatePatchFieldManager({ isApply: false, force: true, fieldManager: 'x' }).map((e) => e.message()), [
      'force: Forbidden: may not be specified for non-apply patch',
    ]);
    assert.deepEqual(
      validateManagedFields([{ manager: 'm', operation: 'Patch', fieldsType: 'FieldsV2' }, { manager: 'm' }]).map((e) => e.message()),
      [
        'metadata.managedFields[0].operation: Unsupported value: "Patch": supported values: "Apply", "Update"',
        'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
        'metadata.managedFields[1].operation: Required value: must not be empty',
      ],
    );
  });

  it('puts back managedFields timestamps when an update changes nothing else', () => {
    const old = { metadata: { name: 'a', managedFields: [{ manager: 'm', operation: 'Apply', time: '2024-05-01T10:00:00Z' }] }, data: { a: '1' } };
    const same = structuredClone(old);
    same.metadata.managedFields[0].time = '2024-05-01T11:00:00Z';
    revertNoopManagedFieldsTimestamps(same, old);
    assert.equal(same.metadata.managedFields[0].time, '2024-05-01T10:00:00Z');

    const changed = structuredClone(old);
    changed.metadata.managedFields[0].time = '2024-05-01T11:00:00Z';
    changed.data.a = '2';
    revertNoopManagedFieldsTimestamps(changed, old);
    assert.equal(changed.metadata.managedFields[0].time, '2024-05-01T11:00:00Z');
  });
});

import * as assert from 'node:assert/strict';

import {
  FieldSet,
  Schema,
  compareTyped,
  fieldElement,
  keyElement,
  mergeTyped,
  reconcileFieldSetWithSchema,
  removeItems,
  toFieldSet,
  validateTyped,
  formatValidationErrors,
  valueElement,
} from '../../../src/apply';
import type { TypeTable } from '../../../src/schema/typeinfo';
import mergeCases from './testdata/merge-cases.json';
import { DEPLOYMENT, POD, WIDGET, nginx, table } from './support';

const schema = new Schema(table);
const f = fieldElement;

describe('apply/typed', () => {
  describe('mergeTyped (upstream typed/merge_test.go cases)', () => {
    const caseTable = mergeCases.table as unknown as TypeTable;
    const caseSchema = new Schema(caseTable);
    mergeCases.cases.forEach((c, i) => {
      it(`merges case ${i}: ${JSON.stringify(c.lhs)} + ${JSON.stringify(c.rhs)}`, () => {
        assert.deepEqual(mergeTyped(caseSchema, c.root, c.lhs, c.rhs), c.out);
      });
    });
  });

  describe('mergeTyped on a Deployment', () => {
    it('merges containers by name and keeps the live-only container in place', () => {
      const live = {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'sidecar', image: 'envoy:1' },
                { name: 'nginx', image: 'nginx:1.24', imagePullPolicy: 'IfNotPresent' },
              ],
            },
          },
        },
      };
      const applied = { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } } };
      assert.deepEqual(mergeTyped(schema, DEPLOYMENT, live, applied), {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'sidecar', image: 'envoy:1' },
                { name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent' },
              ],
            },
          },
        },
      });
    });

    it('replaces atomic lists and atomic structs whole', () => {
      const live = {
        spec: {
          selector: { matchLabels: { app: 'a', tier: 'web' } },
          template: { spec: { containers: [{ name: 'c', args: ['--a', '--b'] }] } },
        },
      };
      const applied = {
        spec: { selector: { matchLabels: { app: 'b' } }, template: { spec: { containers: [{ name: 'c', args: ['--c'] }] } } },
      };
      assert.deepEqual(mergeTyped(schema, DEPLOYMENT, live, applied), applied);
    });

    it('unions set lists (finalizers), applied items first up to the last shared one', () => {
      const out = mergeTyped(schema, DEPLOYMENT, { metadata: { finalizers: ['a/x', 'b/y'] } }, { metadata: { finalizers: ['c/z', 'a/x'] } });
      assert.deepEqual(out, { metadata: { finalizers: ['c/z', 'a/x', 'b/y'] } });
    });
  });

  describe('toFieldSet', () => {
    it('owns leaves, map keys, list-map items by key (with defaulted key fields) and atomic structs whole', () => {
      const set = toFieldSet(schema, DEPLOYMENT, nginx());
      const want = FieldSet.of(
        [f('apiVersion')],
        [f('kind')],
        [f('metadata'), f('name')],
        [f('metadata'), f('namespace')],
        [f('metadata'), f('labels'), f('app')],
        [f('spec'), f('replicas')],
        [f('spec'), f('selector')],
        [f('spec'), f('template'), f('metadata'), f('labels'), f('app')],
        [f('spec'), f('template'), f('spec'), f('containers'), keyElement([{ name: 'name', value: 'nginx' }])],
        [f('spec'), f('template'), f('spec'), f('containers'), keyElement([{ name: 'name', value: 'nginx' }]), f('name')],
        [f('spec'), f('template'), f('spec'), f('containers'), keyElement([{ name: 'name', value: 'nginx' }]), f('image')],
        [
          f('spec'),
          f('template'),
          f('spec'),
          f('containers'),
          keyElement([{ name: 'name', value: 'nginx' }]),
          f('ports'),
          keyElement([
            { name: 'protocol', value: 'TCP' },
            { name: 'containerPort', value: 80 },
          ]),
        ],
        [
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
        ],
      );
      assert.equal(set.serialize(), want.serialize());
    });

    it('owns set items by value and empty or null struct fields as leaves', () => {
      const set = toFieldSet(schema, POD, {
        metadata: { finalizers: ['example.com/a'] },
        spec: { volumes: [{ name: 'cache', emptyDir: {} }], nodeSelector: { disk: 'ssd' }, tolerations: null },
      });
      assert.equal(
        set.serialize(),
        '{"f:metadata":{"f:finalizers":{"v:\\"example.com/a\\"":{}}},"f:spec":{"f:nodeSelector":{},"f:tolerations":{},' +
          '"f:volumes":{"k:{\\"name\\":\\"cache\\"}":{".":{},"f:emptyDir":{},"f:name":{}}}}}',
      );
    });

    it('walks preserve-unknown-fields subtrees key by key and keeps their lists atomic', () => {
      const set = toFieldSet(schema, WIDGET, { spec: { size: 1, extra: { a: [1, 2], b: 'x' } } });
      assert.equal(set.serialize(), '{"f:spec":{"f:extra":{".":{},"f:a":{},"f:b":{}},"f:size":{}}}');
    });

    it('marks repeated list items once without descending into them', () => {
      const set = toFieldSet(schema, DEPLOYMENT, {
        metadata: { finalizers: ['a', 'a', 'b'] },
      });
      assert.equal(set.serialize(), '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}}}');
    });
  });

  describe('compareTyped', () => {
    it('marks containers that appear as added themselves (the "." of Update entries)', () => {
      const c = compareTyped(schema, DEPLOYMENT, { metadata: { name: 'x' } }, { metadata: { name: 'x', labels: { app: 'a' } } });
      assert.equal(c.added.serialize(), '{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}');
      assert.ok(c.modified.isEmpty() && c.removed.isEmpty());
    });

    it('separates modified and removed leaves', () => {
      const c = compareTyped(
        schema,
        DEPLOYMENT,
        { spec: { replicas: 1, paused: true, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } },
        { spec: { replicas: 2, template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } },
      );
      assert.equal(c.modified.serialize(), '{"f:spec":{"f:replicas":{}}}');
      assert.equal(c.removed.serialize(), '{"f:spec":{"f:paused":{}}}');
      assert.ok(c.added.isEmpty());
    });
  });

  describe('removeItems', () => {
    it('removes members with their subtrees and drops containers left empty', () => {
      const obj = { metadata: { labels: { a: '1' }, finalizers: ['x', 'y'] }, spec: { replicas: 3 } };
      const out = removeItems(
        schema,
        DEPLOYMENT,
        obj,
        FieldSet.of([f('metadata'), f('labels'), f('a')], [f('metadata'), f('finalizers'), valueElement('x')], [f('spec')]),
      );
      assert.deepEqual(out, { metadata: { finalizers: ['y'] } });
    });
  });

  describe('reconcileFieldSetWithSchema', () => {
    it('collapses ownership of parts of a map or list that is now atomic into the whole', () => {
      const set = FieldSet.fromFieldsV1({
        'f:spec': { 'f:nodeSelector': { 'f:disk': {} }, 'f:tolerations': { 'v:"a"': {} }, 'f:dnsPolicy': {} },
      });
      const out = reconcileFieldSetWithSchema(schema, POD, set);
      assert.equal(out?.serialize(), '{"f:spec":{"f:dnsPolicy":{},"f:nodeSelector":{},"f:tolerations":{}}}');
      assert.equal(reconcileFieldSetWithSchema(schema, POD, out!), undefined);
    });
  });

  describe('validateTyped', () => {
    it('reports an undeclared field the way upstream prints it', () => {
      const errs = validateTyped(schema, DEPLOYMENT, { spec: { replicas: 1, topologyKeys: ['a'] } });
      assert.equal(formatValidationErrors(errs), '.spec.topologyKeys: field not declared in schema');
    });

    it('reports duplicate list-map keys and items without any key', () => {
      const errs = validateTyped(schema, POD, {
        spec: { containers: [{ name: 'a' }, { name: 'a' }], volumes: [{ emptyDir: {} }] },
      });
      assert.equal(
        formatValidationErrors(errs),
        [
          'errors:',
          '  .spec.containers: duplicate entries for key [name="a"]',
          '  .spec.volumes: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)',
        ].join('\n'),
      );
    });

    it('accepts anything under preserve-unknown-fields', () => {
      assert.deepEqual(validateTyped(schema, WIDGET, { spec: { size: 2, anything: { goes: [1, { x: null }] } } }), []);
    });
  });
});

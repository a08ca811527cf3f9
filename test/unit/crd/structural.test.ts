/**
 * The structural-schema algorithms of src/crd/structural.ts against what upstream's
 * (k8s.io/apiextensions-apiserver pkg/apiserver/schema: pruning, defaulting, objectmeta,
 * listtype) do with the same object and schema.
 */
import * as assert from 'node:assert/strict';

import { applyDefaults, pruneFields, pruneResource, validateEmbeddedResources, validateListSetsAndMaps } from '../../../src/crd/structural';

type Json = Record<string, unknown>;

const SCHEMA: Json = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        note: { type: 'string', nullable: true },
        size: { type: 'integer' },
        ports: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string', default: 'x' } },
      },
    },
  },
};

const fieldsErrs = (errs: { field: string; reason: string }[]) => errs.map((e) => [e.field, e.reason]);

describe('crd/structural', () => {
  describe('pruneResource', () => {
    it('drops unknown fields at every depth and reports them metadata first, then sorted', () => {
      const obj: Json = {
        apiVersion: 'g/v1',
        kind: 'K',
        metadata: { name: 'a', junk: 1, ownerReferences: [{ name: 'o', extra: true }] },
        zeta: 1,
        spec: { replicas: 2, bogus: true, ports: [{ name: 'p', port: 1, other: 2 }] },
      };
      const unknown = pruneResource(obj, SCHEMA);
      assert.deepEqual(unknown, ['metadata.junk', 'metadata.ownerReferences[0].extra', 'spec.bogus', 'spec.ports[0].other', 'zeta']);
      assert.deepEqual(obj, { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'a', ownerReferences: [{ name: 'o' }] }, spec: { replicas: 2, ports: [{ name: 'p', port: 1 }] } });
    });

    it('keeps unknown members under x-kubernetes-preserve-unknown-fields, but prunes inside the members it specifies', () => {
      const obj: Json = { spec: { extra: { anything: [1, { two: null }], known: { a: 'x', b: 'y' } } } };
      assert.deepEqual(pruneResource(obj, SCHEMA), ['spec.extra.known.b']);
      assert.deepEqual(obj, { spec: { extra: { anything: [1, { two: null }], known: { a: 'x' } } } });
    });

    it('keeps an embedded resource and prunes its metadata to ObjectMeta', () => {
      const obj: Json = { spec: { template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't', junk: true, labels: null }, data: { k: 'v' } } } };
      assert.deepEqual(pruneResource(obj, SCHEMA), ['spec.template.metadata.junk']);
      assert.deepEqual(obj, { spec: { template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't' }, data: { k: 'v' } } } });
    });

    it('drops nulls the schema neither allows nor defaults, and keeps the others for defaulting', () => {
      const obj: Json = { spec: { replicas: null, note: null, size: null, extra: { flag: null }, labels: { a: null } } };
      assert.deepEqual(pruneResource(obj, SCHEMA), []);
      assert.deepEqual(obj, { spec: { replicas: null, note: null, extra: { flag: null }, labels: { a: null } } });
      applyDefaults(obj, SCHEMA);
      assert.deepEqual(obj, { spec: { replicas: 1, note: null, extra: { flag: null }, labels: { a: 'x' } } });
    });

    it('reports nothing about the root TypeMeta, but a nested kind the schema lacks is unknown', () => {
      assert.deepEqual(pruneFields({ kind: 'K', spec: { kind: 'x' } }, SCHEMA, true), ['spec.kind']);
    });
  });

  describe('applyDefaults', () => {
    it('fills absent members of present objects only, and defaults inside a defaulted object', () => {
      const schema: Json = {
        type: 'object',
        properties: {
          spec: { type: 'object', properties: { limits: { type: 'object', default: {}, properties: { cpu: { type: 'string', default: '100m' } } } } },
          status: { type: 'object', properties: { phase: { type: 'string', default: 'New' } } },
        },
      };
      const obj: Json = { spec: {} };
      applyDefaults(obj, schema);
      assert.deepEqual(obj, { spec: { limits: { cpu: '100m' } } });
    });

    it('defaults in list items and copies each default value', () => {
      const shared = { a: 1 };
      const schema: Json = { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { v: { type: 'object', default: shared } } } } } };
      const obj = { items: [{}, {}] } as { items: { v: { a: number } }[] };
      applyDefaults(obj, schema);
      obj.items[0].v.a = 2;
      assert.deepEqual([obj.items[1].v, shared], [{ a: 1 }, { a: 1 }]);
    });
  });

  describe('validateListSetsAndMaps', () => {
    const schema: Json = {
      type: 'object',
      properties: {
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object' } },
        routes: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['host', 'path'], items: { type: 'object' } },
      },
    };

    it('reports the second appearance of each repeated set item', () => {
      const errs = validateListSetsAndMaps({ tags: ['a', 'b', 'a', 'a', 'b'] }, schema);
      assert.deepEqual(fieldsErrs(errs), [['tags[2]', 'FieldValueDuplicate'], ['tags[4]', 'FieldValueDuplicate']]);
      assert.equal(errs[0].body(), 'Duplicate value: "a"');
    });

    it('compares map keys, single and composite, and treats a missing key as a key', () => {
      assert.deepEqual(fieldsErrs(validateListSetsAndMaps({ ports: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }, { port: 3 }, {}] }, schema)), [
        ['ports[1]', 'FieldValueDuplicate'],
        ['ports[3]', 'FieldValueDuplicate'],
      ]);
      const routes = [{ host: 'h', path: '/a' }, { host: 'h', path: '/b' }, { path: '/a', host: 'h' }];
      const errs = validateListSetsAndMaps({ routes }, schema);
      assert.deepEqual(fieldsErrs(errs), [['routes[2]', 'FieldValueDuplicate']]);
      assert.deepEqual(errs[0].value, { host: 'h', path: '/a' });
    });

    it('refuses an item of a map list that is not an object', () => {
      assert.deepEqual(fieldsErrs(validateListSetsAndMaps({ ports: [{ name: 'a' }, 'b'] }, schema)), [['ports[1]', 'FieldValueInvalid']]);
    });
  });

  describe('validateEmbeddedResources', () => {
    it('requires apiVersion and kind, and checks them and the metadata as upstream does', () => {
      assert.deepEqual(fieldsErrs(validateEmbeddedResources({ spec: { template: { metadata: {} } } }, SCHEMA)), [
        ['spec.template.apiVersion', 'FieldValueRequired'],
        ['spec.template.kind', 'FieldValueRequired'],
      ]);
      const errs = validateEmbeddedResources({ spec: { template: { apiVersion: 'a/b/c', kind: 'Config_Map', metadata: { name: 'Upper_Case', labels: { 'bad key!': 'v' } } } } }, SCHEMA);
      assert.deepEqual(fieldsErrs(errs), [
        ['spec.template.apiVersion', 'FieldValueInvalid'],
        ['spec.template.kind', 'FieldValueInvalid'],
        ['spec.template.metadata.labels', 'FieldValueInvalid'],
      ]);
      assert.match(errs[1].body(), /^Invalid value: "Config_Map": may have mixed case, but should otherwise match: a DNS-1035 label/);
    });
  });
});

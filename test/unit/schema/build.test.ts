/**
 * buildTypeTable on the real built-in definitions (through generated/typeinfo.ts, which
 * `npm run gen:check` keeps equal to a fresh build), on upstream's strategic-patch test schema,
 * and on CRD-style inline schemas. Every expectation about a built-in field is what its OpenAPI
 * schema says (x-kubernetes-* extensions), not what one might guess.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { builtinTypeTable } from '../../../generated/typeinfo';
import { buildTypeTable } from '../../../src/schema/build';
import type { OpenAPISchema } from '../../../src/schema/openapi';
import { kindKey, resolve, type ListNode, type MapNode, type StructNode, type TypeNode, type TypeRef, type TypeTable } from '../../../src/schema/typeinfo';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const MERGE_ITEM_SCHEMA = path.join(REPO_ROOT, 'test/fixtures/patch/upstream/merge-item-v3.json');

const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const CONTAINER = 'io.k8s.api.core.v1.Container';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

function struct(table: TypeTable, ref: TypeRef): StructNode {
  const node = resolve(table, ref);
  assert.equal(node.kind, 'struct', `${JSON.stringify(ref)} is a struct`);
  return node as StructNode;
}

function field(table: TypeTable, ref: TypeRef, name: string): TypeNode {
  const s = struct(table, ref);
  assert.ok(Object.hasOwn(s.fields, name), `field ${name}`);
  return resolve(table, s.fields[name]);
}

function list(table: TypeTable, ref: TypeRef, name: string): ListNode {
  const node = field(table, ref, name);
  assert.equal(node.kind, 'list', `${name} is a list`);
  return node as ListNode;
}

function map(table: TypeTable, ref: TypeRef, name: string): MapNode {
  const node = field(table, ref, name);
  assert.equal(node.kind, 'map', `${name} is a map`);
  return node as MapNode;
}

const T = builtinTypeTable;

describe('schema/build', () => {
  describe('the built-in kinds (generated/typeinfo.ts)', () => {
    it('roots every served kind and autoscaling/v1 Scale at its definition', () => {
      assert.equal(T.kinds[kindKey('', 'v1', 'Pod')], 'io.k8s.api.core.v1.Pod');
      assert.equal(T.kinds[kindKey('apps', 'v1', 'Deployment')], 'io.k8s.api.apps.v1.Deployment');
      assert.equal(T.kinds[kindKey('autoscaling', 'v1', 'Scale')], 'io.k8s.api.autoscaling.v1.Scale');
      assert.equal(T.kinds[kindKey('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')], 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
      for (const [key, def] of Object.entries(T.kinds)) assert.equal(struct(T, def).kind, 'struct', key);
      assert.equal(T.patchMetadata, true);
    });

    it('holds only definitions reachable from a root', () => {
      assert.ok(!Object.hasOwn(T.types, 'io.k8s.api.core.v1.PodList'), 'lists are no root and nothing refers to them');
      assert.ok(!Object.hasOwn(T.types, 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent'));
      assert.ok(Object.hasOwn(T.types, CONTAINER));
      // Every name a node refers to is in the table.
      const missing: string[] = [];
      const visit = (ref: TypeRef): void => {
        if (typeof ref === 'string') {
          if (!Object.hasOwn(T.types, ref)) missing.push(ref);
          return;
        }
        if (ref.kind === 'struct') Object.values(ref.fields).forEach(visit);
        if (ref.kind === 'map') visit(ref.values);
        if (ref.kind === 'list') visit(ref.items);
      };
      Object.values(T.types).forEach(visit);
      assert.deepEqual(missing, []);
    });

    it('keeps descriptions and validation out of the nodes, and only scalar field defaults on structs', () => {
      const allowed = new Set(['kind', 'type', 'fields', 'mapType', 'preserveUnknownFields', 'embeddedResource', 'patchStrategy', 'values', 'items', 'listType', 'mapKeys', 'patchMergeKey']);
      const extra = new Set<string>();
      const visit = (ref: TypeRef): void => {
        if (typeof ref === 'string') return;
        for (const k of Object.keys(ref)) {
          // Server-side apply reads struct fields' scalar defaults (map keys such as a port's protocol).
          if (k === 'defaults' && ref.kind === 'struct') {
            for (const [name, v] of Object.entries((ref as { defaults: Record<string, unknown> }).defaults)) {
              if (v !== null && typeof v === 'object') extra.add(`defaults.${name} (not a scalar)`);
              if (!(name in ref.fields)) extra.add(`defaults.${name} (no such field)`);
            }
            continue;
          }
          if (!allowed.has(k)) extra.add(k);
        }
        if (ref.kind === 'struct') Object.values(ref.fields).forEach(visit);
        if (ref.kind === 'map') visit(ref.values);
        if (ref.kind === 'list') visit(ref.items);
      };
      Object.values(T.types).forEach(visit);
      assert.deepEqual([...extra], []);
    });

    it('reads Pod containers as a map list keyed by name that patches by merge on name', () => {
      assert.deepEqual(field(T, POD_SPEC, 'containers'), {
        kind: 'list',
        items: CONTAINER,
        listType: 'map',
        mapKeys: ['name'],
        patchStrategy: 'merge',
        patchMergeKey: 'name',
      });
      assert.equal(list(T, POD_SPEC, 'initContainers').patchMergeKey, 'name');
    });

    it('reads Pod volumes with the merge,retainKeys strategy', () => {
      const volumes = list(T, POD_SPEC, 'volumes');
      assert.equal(volumes.patchStrategy, 'merge,retainKeys');
      assert.equal(volumes.patchMergeKey, 'name');
      assert.deepEqual(volumes.mapKeys, ['name']);
      assert.equal(volumes.items, 'io.k8s.api.core.v1.Volume');
      assert.equal(resolve(T, field(T, 'io.k8s.api.core.v1.Volume', 'configMap')).kind, 'struct');
    });

    it('reads tolerations and args as atomic lists without patch metadata', () => {
      for (const [owner, name] of [
        [POD_SPEC, 'tolerations'],
        [CONTAINER, 'args'],
        [CONTAINER, 'command'],
      ] as const) {
        const l = list(T, owner, name);
        assert.equal(l.listType, 'atomic', name);
        assert.equal(l.patchStrategy, undefined, name);
        assert.equal(l.patchMergeKey, undefined, name);
      }
      assert.deepEqual(list(T, CONTAINER, 'args').items, { kind: 'scalar', type: 'string' });
    });

    it('keys container ports by containerPort and protocol but merges them on containerPort', () => {
      const ports = list(T, CONTAINER, 'ports');
      assert.deepEqual(ports.mapKeys, ['containerPort', 'protocol']);
      assert.equal(ports.patchMergeKey, 'containerPort');
      assert.equal(ports.patchStrategy, 'merge');
      assert.equal(list(T, CONTAINER, 'env').patchMergeKey, 'name');
      assert.equal(list(T, CONTAINER, 'volumeMounts').patchMergeKey, 'mountPath');
    });

    it('keys Service ports by port and protocol but merges them on port', () => {
      const ports = list(T, 'io.k8s.api.core.v1.ServiceSpec', 'ports');
      assert.deepEqual(ports.mapKeys, ['port', 'protocol']);
      assert.equal(ports.patchMergeKey, 'port');
      assert.equal(ports.patchStrategy, 'merge');
      assert.deepEqual(map(T, 'io.k8s.api.core.v1.ServiceSpec', 'selector'), { kind: 'map', values: { kind: 'scalar', type: 'string' }, mapType: 'atomic' });
    });

    it('reads a list-type map without patch metadata as such (ResourceRequirements claims)', () => {
      const claims = list(T, 'io.k8s.api.core.v1.ResourceRequirements', 'claims');
      assert.equal(claims.listType, 'map');
      assert.deepEqual(claims.mapKeys, ['name']);
      assert.equal(claims.patchStrategy, undefined);
    });

    it('reads ObjectMeta: labels a granular map, finalizers a merging set, ownerReferences keyed by uid', () => {
      assert.deepEqual(map(T, OBJECT_META, 'labels'), { kind: 'map', values: { kind: 'scalar', type: 'string' }, mapType: 'granular' });
      assert.deepEqual(field(T, OBJECT_META, 'finalizers'), { kind: 'list', items: { kind: 'scalar', type: 'string' }, listType: 'set', patchStrategy: 'merge' });
      const owners = list(T, OBJECT_META, 'ownerReferences');
      assert.equal(owners.patchMergeKey, 'uid');
      assert.equal(owners.listType, 'map');
      assert.equal(list(T, OBJECT_META, 'managedFields').listType, 'atomic');
    });

    it('reads nodeSelector and the Deployment selector as atomic', () => {
      assert.equal(map(T, POD_SPEC, 'nodeSelector').mapType, 'atomic');
      const selector = struct(T, 'io.k8s.api.apps.v1.DeploymentSpec').fields.selector;
      assert.equal(selector, 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
      assert.equal(struct(T, selector).mapType, 'atomic');
      assert.equal(map(T, selector, 'matchLabels').mapType, 'granular');
    });

    it('gives Deployment spec.strategy an inline copy carrying retainKeys', () => {
      const strategy = struct(T, struct(T, 'io.k8s.api.apps.v1.DeploymentSpec').fields.strategy);
      assert.equal(strategy.patchStrategy, 'retainKeys');
      assert.deepEqual(Object.keys(strategy.fields), ['rollingUpdate', 'type']);
      assert.equal(struct(T, 'io.k8s.api.apps.v1.DeploymentStrategy').patchStrategy, undefined, 'the named node is untouched');
    });

    it('lets a field wrapper override the map type of the definition it wraps (PersistentVolume claimRef)', () => {
      assert.equal(struct(T, 'io.k8s.api.core.v1.ObjectReference').mapType, 'atomic');
      const claimRef = field(T, 'io.k8s.api.core.v1.PersistentVolumeSpec', 'claimRef');
      assert.equal(claimRef.kind, 'struct');
      assert.equal((claimRef as StructNode).mapType, 'granular');
    });

    it('reads int-or-string, Quantity and Time as scalars', () => {
      assert.deepEqual(resolve(T, 'io.k8s.apimachinery.pkg.util.intstr.IntOrString'), { kind: 'scalar', type: 'int-or-string' });
      assert.deepEqual(resolve(T, 'io.k8s.apimachinery.pkg.api.resource.Quantity'), { kind: 'scalar', type: 'string' });
      assert.deepEqual(resolve(T, 'io.k8s.apimachinery.pkg.apis.meta.v1.Time'), { kind: 'scalar', type: 'string' });
      const limits = map(T, 'io.k8s.api.core.v1.ResourceRequirements', 'limits');
      assert.equal(limits.values, 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    });

    it('reads free-form objects as maps of untyped values and schema-less JSON as untyped', () => {
      assert.deepEqual(resolve(T, 'io.k8s.apimachinery.pkg.runtime.RawExtension'), { kind: 'map', values: { kind: 'untyped' }, mapType: 'granular' });
      assert.equal(struct(T, 'io.k8s.api.apps.v1.ControllerRevision').fields.data, 'io.k8s.apimachinery.pkg.runtime.RawExtension');
      assert.deepEqual(resolve(T, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON'), { kind: 'untyped' });
    });

    it('survives recursive definitions (JSONSchemaProps)', () => {
      const props = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
      assert.equal(map(T, props, 'properties').values, props);
      // A property named like a vendor extension is a field like any other.
      assert.deepEqual(field(T, props, 'x-kubernetes-list-type'), { kind: 'scalar', type: 'string' });
    });
  });

  describe('upstream strategic-patch test schema (mergeItem)', () => {
    const doc = JSON.parse(fs.readFileSync(MERGE_ITEM_SCHEMA, 'utf8')) as { components: { schemas: Record<string, OpenAPISchema> } };
    const table = buildTypeTable(doc.components.schemas, [{ key: kindKey('fake-group', 'some-version', 'mergeItem'), definition: 'mergeItem' }]);

    it('reads a struct without `type: object` and lists from `items` alone', () => {
      const item = struct(table, 'mergeItem');
      assert.equal(resolve(table, item.fields.name).kind, 'scalar');
      assert.deepEqual(list(table, 'mergeItem', 'mergingList'), { kind: 'list', items: 'mergeItem', listType: 'atomic', patchStrategy: 'merge', patchMergeKey: 'name' });
      // Upstream's fixture gives this "map" `items` and no type: a list, as written.
      assert.deepEqual(list(table, 'retainKeysMergeItem', 'simpleMap').items, { kind: 'scalar', type: 'string' });
    });

    it('copies wrapped definitions whose field adds a patch strategy', () => {
      // mergeItemPtr refers to mergeItem from inside mergeItem: a named variant, so that the
      // field keeps its metadata at every depth.
      const ptrRef = struct(table, 'mergeItem').fields.mergeItemPtr;
      assert.equal(ptrRef, 'mergeItem#patchMergeKey=name,patchStrategy=merge');
      const ptr = struct(table, ptrRef);
      assert.equal(ptr.patchStrategy, 'merge');
      assert.equal(ptr.patchMergeKey, 'name');
      assert.equal(struct(table, ptr).fields.mergeItemPtr, ptrRef);
      assert.equal(struct(table, struct(table, 'mergeItem').fields.replacingItem).patchStrategy, 'replace');
      assert.equal(struct(table, struct(table, 'mergeItem').fields.retainKeysMap).patchStrategy, 'retainKeys');
      assert.equal(list(table, 'mergeItem', 'retainKeysMergingList').patchStrategy, 'merge,retainKeys');
      assert.deepEqual(field(table, 'mergeItem', 'jsonItem'), { kind: 'untyped' });
    });

    it('reaches definitions through the copies', () => {
      assert.deepEqual(Object.keys(table.types), [
        'io.k8s.apimachinery.pkg.runtime.RawExtension',
        'mergeItem',
        'mergeItem#patchMergeKey=name,patchStrategy=merge',
        'retainKeysMergeItem',
      ]);
      assert.equal(table.patchMetadata, undefined, 'no patch metadata unless asked');
    });
  });

  describe('CRD-style inline schemas', () => {
    const widget: OpenAPISchema = {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          required: ['replicas'],
          allOf: [{ required: ['ports'] }],
          properties: {
            replicas: { type: 'integer', format: 'int32' },
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name', 'protocol'],
              items: { type: 'object', properties: { name: { type: 'string' }, protocol: { type: 'string' }, port: { type: 'integer' } } },
            },
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            selector: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
            template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
            config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            partly: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'boolean' } } },
            anything: { 'x-kubernetes-preserve-unknown-fields': true },
            matrix: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
          },
        },
      },
    };
    const DEF = 'com.example.v1.Widget';
    const KEY = kindKey('example.com', 'v1', 'Widget');
    const table = buildTypeTable({ [DEF]: widget }, [{ key: KEY, definition: DEF }]);
    const spec = struct(table, DEF).fields.spec;

    it('roots the kind at the made-up definition and leaves patch metadata unset', () => {
      assert.deepEqual(table.kinds, { [KEY]: DEF });
      assert.deepEqual(Object.keys(table.types), [DEF]);
      assert.equal(table.patchMetadata, undefined);
    });

    it('reads inline structs, lists, sets, maps and int-or-string', () => {
      const s = struct(table, spec);
      assert.deepEqual(Object.keys(s.fields), ['anything', 'config', 'matrix', 'partly', 'port', 'ports', 'replicas', 'selector', 'tags', 'template']);
      assert.deepEqual(resolve(table, s.fields.replicas), { kind: 'scalar', type: 'integer' });
      assert.deepEqual(resolve(table, s.fields.port), { kind: 'scalar', type: 'int-or-string' });
      const ports = list(table, spec, 'ports');
      assert.equal(ports.listType, 'map');
      assert.deepEqual(ports.mapKeys, ['name', 'protocol']);
      assert.equal(ports.patchMergeKey, undefined);
      assert.deepEqual(field(table, spec, 'tags'), { kind: 'list', items: { kind: 'scalar', type: 'string' }, listType: 'set' });
      assert.deepEqual(field(table, spec, 'selector'), { kind: 'map', values: { kind: 'scalar', type: 'string' }, mapType: 'atomic' });
      const matrix = list(table, spec, 'matrix');
      assert.equal(resolve(table, matrix.items).kind, 'list');
    });

    it('ignores an allOf beside a shape of its own (validation only)', () => {
      assert.equal(struct(table, spec).kind, 'struct');
    });

    it('reads preserve-unknown-fields and embedded resources', () => {
      assert.deepEqual(field(table, spec, 'template'), { kind: 'struct', fields: {}, mapType: 'granular', preserveUnknownFields: true, embeddedResource: true });
      assert.deepEqual(field(table, spec, 'config'), { kind: 'map', values: { kind: 'untyped' }, mapType: 'granular' });
      const partly = field(table, spec, 'partly') as StructNode;
      assert.equal(partly.preserveUnknownFields, true);
      assert.deepEqual(Object.keys(partly.fields), ['known']);
      assert.deepEqual(field(table, spec, 'anything'), { kind: 'untyped' });
      assert.deepEqual(field(table, DEF, 'metadata'), { kind: 'map', values: { kind: 'untyped' }, mapType: 'granular' });
    });

    it('accepts a Map as well as a record, and builds the same table twice', () => {
      const again = buildTypeTable(new Map([[DEF, widget]]), [{ key: KEY, definition: DEF }]);
      assert.deepEqual(again, table);
      assert.equal(JSON.stringify(again), JSON.stringify(table));
    });

    it('leaves a ref to a missing definition a name that resolves to untyped', () => {
      const t = buildTypeTable({ a: { properties: { b: { $ref: '#/components/schemas/missing' } } } }, [{ key: 'x/v1/A', definition: 'a' }]);
      assert.equal(struct(t, 'a').fields.b, 'missing');
      assert.deepEqual(resolve(t, 'missing'), { kind: 'untyped' });
      assert.deepEqual(Object.keys(t.types), ['a']);
    });

    it('stops a cycle of field overrides instead of recursing forever', () => {
      const defs: Record<string, OpenAPISchema> = {
        a: { type: 'object', properties: { b: { allOf: [{ $ref: '#/components/schemas/b' }], 'x-kubernetes-map-type': 'atomic' } } },
        b: { type: 'object', properties: { a: { allOf: [{ $ref: '#/components/schemas/a' }], 'x-kubernetes-map-type': 'atomic' } } },
      };
      const t = buildTypeTable(defs, [{ key: 'x/v1/A', definition: 'a' }]);
      const b = struct(t, struct(t, 'a').fields.b);
      assert.equal(b.mapType, 'atomic');
      assert.equal(b.fields.a, 'a#mapType=atomic', 'a refers to itself through an override: a named variant');
      assert.equal(struct(t, 'a#mapType=atomic').mapType, 'atomic');
      assert.deepEqual(Object.keys(t.types), ['a', 'a#mapType=atomic', 'b', 'b#mapType=atomic']);
    });
  });
});

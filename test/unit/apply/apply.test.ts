import * as assert from 'node:assert/strict';

import {
  ConflictError,
  FieldSet,
  LAST_APPLIED_ANNOTATION,
  applyPatch,
  fieldElement,
  updateManagedFields,
  type VersionConverter,
} from '../../../src/apply';
import { StatusError } from '../../../src/apierrors';
import { CONFIGMAP, POD, WIDGET, applyOpts, at, entryOf, managedFieldsOf, nginx, stored, updateOpts } from './support';

type Obj = Record<string, unknown>;

/** spec reads obj.spec as a plain object for assertions. */
function spec(obj: Obj): Obj {
  return obj['spec'] as Obj;
}

function containers(obj: Obj): Obj[] {
  return ((spec(obj)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[];
}

function fieldsOf(e: Obj | undefined): string {
  assert.ok(e, 'managedFields entry');
  return FieldSet.fromFieldsV1(e['fieldsV1']).serialize();
}

/** created applies nginx() as kubectl would to create it, and stores it. */
function created(manager = 'kubectl', config: Obj = nginx()): Obj {
  return stored(applyPatch(undefined, config, applyOpts(manager)).object);
}

function expectConflict(fn: () => unknown): ConflictError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConflictError, `expected ConflictError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a conflict');
}

describe('apply/applyPatch', () => {
  describe('create', () => {
    it('creates the object from the applied configuration', () => {
      const { object, changed } = applyPatch(undefined, nginx(), applyOpts('kubectl'));
      assert.ok(changed);
      const { metadata, ...rest } = object;
      const { managedFields, ...meta } = metadata as Obj;
      assert.deepEqual({ ...rest, metadata: meta }, nginx());
      assert.equal((managedFields as unknown[]).length, 1);
    });

    it('records exactly what `kubectl apply --server-side` of a small deployment records', () => {
      const { object } = applyPatch(undefined, nginx(), applyOpts('kubectl'));
      // Written by hand from the upstream rules: apiVersion, kind, metadata.name and
      // metadata.namespace are never owned; a struct field is listed through its leaves; the
      // atomic selector is one leaf; containers are keyed by name and ports by containerPort and
      // the defaulted protocol; list items are members ("."), struct fields with leaves are not.
      const want =
        '{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T10:00:00Z","fieldsType":"FieldsV1",' +
        '"fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{' +
        '"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},' +
        '"f:name":{},"f:ports":{"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{}}}}}}}}}}';
      assert.equal(JSON.stringify(managedFieldsOf(object)[0]), want);
    });

    it('records no manager for an applied configuration that sets nothing ownable', () => {
      const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } };
      const { object } = applyPatch(undefined, config, applyOpts('apply_test', { root: CONFIGMAP, apiVersion: 'v1', kind: 'ConfigMap' }));
      assert.equal((object['metadata'] as Obj)['managedFields'], undefined);
    });
  });

  describe('ownership and conflicts', () => {
    it('conflicts with an Update manager that changed the field, as kube-apiserver words it', () => {
      const live = created();
      const edited = structuredClone(live);
      spec(edited)['replicas'] = 5;
      const afterEdit = stored(updateManagedFields(live, edited, updateOpts('kubectl-edit', { now: at(10) })).object);
      assert.equal(fieldsOf(entryOf(afterEdit, 'kubectl-edit', 'Update')), '{"f:spec":{"f:replicas":{}}}');
      assert.ok(!fieldsOf(entryOf(afterEdit, 'kubectl')).includes('f:replicas'));

      const err = expectConflict(() => applyPatch(afterEdit, nginx({ replicas: 3 }), applyOpts('kubectl', { now: at(20) })));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas');
      assert.deepEqual(err.toStatus(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
        reason: 'Conflict',
        code: 409,
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' }] },
      });
    });

    it('does not conflict when the applied value equals the owned value, and shares ownership', () => {
      const live = created();
      const edited = structuredClone(live);
      spec(edited)['replicas'] = 5;
      const afterEdit = stored(updateManagedFields(live, edited, updateOpts('kubectl-edit', { now: at(10) })).object);
      const { object } = applyPatch(afterEdit, nginx({ replicas: 5 }), applyOpts('kubectl', { now: at(20) }));
      assert.equal(fieldsOf(entryOf(object, 'kubectl-edit', 'Update')), '{"f:spec":{"f:replicas":{}}}');
      assert.ok(fieldsOf(entryOf(object, 'kubectl')).includes('"f:replicas":{}'));
    });

    it('takes the field over when forced, dropping an owner left with nothing', () => {
      const live = created();
      const edited = structuredClone(live);
      spec(edited)['replicas'] = 5;
      const afterEdit = stored(updateManagedFields(live, edited, updateOpts('kubectl-edit', { now: at(10) })).object);
      const { object } = applyPatch(afterEdit, nginx({ replicas: 3 }), applyOpts('kubectl', { force: true, now: at(20) }));
      assert.equal(spec(object)['replicas'], 3);
      assert.equal(entryOf(object, 'kubectl-edit', 'Update'), undefined);
      assert.ok(fieldsOf(entryOf(object, 'kubectl')).includes('"f:replicas":{}'));
      assert.equal(entryOf(object, 'kubectl')?.['time'], '2024-05-01T10:00:20Z');
    });

    it('gives a second applier of identical values shared ownership and, as upstream, no time', () => {
      const live = created('ci');
      const { object, changed } = applyPatch(live, nginx(), applyOpts('dev', { now: at(9) }));
      assert.ok(!changed);
      assert.equal(fieldsOf(entryOf(object, 'dev')), fieldsOf(entryOf(object, 'ci')));
      assert.equal(entryOf(object, 'dev')?.['time'], undefined);
    });

    it('drops an entry of a version no longer served and records the applier in the request version (upstream TestApplyConvertsManagedFieldsVersion)', () => {
      const converter: VersionConverter = { convert: (obj, v) => (v === 'apps/v1' ? obj : undefined) };
      const create = nginx();
      (create['metadata'] as Obj)['managedFields'] = [
        {
          manager: 'sidecar_controller',
          operation: 'Apply',
          apiVersion: 'extensions/v1beta1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { 'f:sidecar_version': {} } },
            'f:spec': { 'f:template': { 'f: spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {} } } } } },
          },
        },
      ];
      const live = stored(updateManagedFields(undefined, create, updateOpts('Go-http-client', { converter })).object);
      const sidecar = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'nginx', labels: { sidecar_version: 'release' } },
        spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'sidecar:latest' }] } } },
      };
      const { object } = applyPatch(live, sidecar, applyOpts('sidecar_controller', { converter, now: at(1) }));
      assert.equal(managedFieldsOf(object).length, 2);
      assert.equal(
        fieldsOf(entryOf(object, 'sidecar_controller')),
        '{"f:metadata":{"f:labels":{"f:sidecar_version":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"sidecar\\"}":{".":{},"f:image":{},"f:name":{}}}}}}}',
      );
      assert.equal(entryOf(object, 'sidecar_controller')?.['apiVersion'], 'apps/v1');
    });

    it('conflicts between appliers, listing every field under its manager', () => {
      const live = created('ci');
      const err = expectConflict(() => applyPatch(live, nginx({ replicas: 4, image: 'nginx:1.26' }), applyOpts('dev')));
      assert.equal(
        err.message,
        'Apply failed with 2 conflicts: conflicts with "ci":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
      );
      assert.deepEqual(
        err.details?.causes?.map((c) => c.field),
        ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image'],
      );
    });

    it('treats an object without managedFields as owned by "before-first-apply"', () => {
      const legacy = stored(nginx());
      const err = expectConflict(() => applyPatch(legacy, nginx({ replicas: 9 }), applyOpts('kubectl')));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
      const { object } = applyPatch(legacy, nginx({ replicas: 2 }), applyOpts('kubectl'));
      assert.ok(entryOf(object, 'before-first-apply', 'Update'));
    });
  });

  describe('removing what a manager stops applying', () => {
    it('removes a field the manager applied before and no longer applies', () => {
      const live = created();
      const config = nginx();
      delete spec(config)['replicas'];
      const { object } = applyPatch(live, config, applyOpts('kubectl', { now: at(5) }));
      assert.ok(!('replicas' in spec(object)));
      assert.ok(!fieldsOf(entryOf(object, 'kubectl')).includes('f:replicas'));
    });

    it('keeps a field another applier also owns, and only drops the ownership', () => {
      const first = created('a');
      const both = stored(applyPatch(first, nginx(), applyOpts('b', { now: at(5) })).object);
      const config = nginx();
      delete spec(config)['replicas'];
      const { object } = applyPatch(both, config, applyOpts('a', { now: at(10) }));
      assert.equal(spec(object)['replicas'], 2);
      assert.ok(!fieldsOf(entryOf(object, 'a')).includes('f:replicas'));
      assert.ok(fieldsOf(entryOf(object, 'b')).includes('f:replicas'));
    });

    it('removes a container port and a container the manager stopped applying', () => {
      const live = created();
      const config = nginx();
      const c = containers(config);
      delete c[0]['ports'];
      let { object } = applyPatch(live, config, applyOpts('kubectl', { now: at(5) }));
      assert.deepEqual(containers(object), [{ name: 'nginx', image: 'nginx:1.25' }]);

      // A second applier adds its own container; the first one cannot remove it.
      object = stored(object);
      const sidecar = nginx();
      containers(sidecar).splice(0, 1, { name: 'envoy', image: 'envoy:1' });
      delete spec(sidecar)['replicas'];
      object = stored(applyPatch(object, sidecar, applyOpts('mesh', { now: at(6) })).object);
      assert.deepEqual(
        containers(object).map((x) => x['name']),
        ['nginx', 'envoy'],
      );
      const onlyEnvoyGone = nginx();
      containers(onlyEnvoyGone).push({ name: 'envoy', image: 'envoy:1' });
      delete spec(onlyEnvoyGone)['replicas'];
      const dropped = applyPatch(object, { ...sidecar, spec: { ...spec(sidecar), template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [] } } } }, applyOpts('mesh', { now: at(7) })).object;
      assert.deepEqual(
        containers(dropped).map((x) => x['name']),
        ['nginx'],
      );
    });

    it('keeps defaulted fields nobody owns when a struct is pruned', () => {
      const live = created();
      // The registry defaulted the strategy; nobody owns it.
      (spec(live) as Obj)['strategy'] = { type: 'RollingUpdate' };
      const config = nginx();
      delete spec(config)['replicas'];
      const { object } = applyPatch(live, config, applyOpts('kubectl', { now: at(5) }));
      assert.deepEqual(spec(object)['strategy'], { type: 'RollingUpdate' });
    });
  });

  describe('list types', () => {
    it('merges containers by name across appliers', () => {
      const live = created('a');
      const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' }, spec: { template: { spec: { containers: [{ name: 'nginx', imagePullPolicy: 'Always' }, { name: 'log', image: 'fluent:2' }] } } } };
      const { object } = applyPatch(live, other, applyOpts('b', { now: at(5) }));
      assert.deepEqual(containers(object), [
        { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], imagePullPolicy: 'Always' },
        { name: 'log', image: 'fluent:2' },
      ]);
      assert.equal(
        fieldsOf(entryOf(object, 'b')),
        '{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"log\\"}":{".":{},"f:image":{},"f:name":{}},' +
          '"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:imagePullPolicy":{},"f:name":{}}}}}}}',
      );
    });

    it('unions finalizers (a set) and removes only the finalizer its applier dropped', () => {
      const cm = (finalizers: string[]): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', finalizers } });
      const opts = (m: string, s: number) => applyOpts(m, { root: CONFIGMAP, apiVersion: 'v1', kind: 'ConfigMap', now: at(s) });
      let obj = stored(applyPatch(undefined, cm(['a.io/x']), opts('a', 0)).object);
      obj = stored(applyPatch(obj, cm(['b.io/y']), opts('b', 1)).object);
      assert.deepEqual((obj['metadata'] as Obj)['finalizers'], ['a.io/x', 'b.io/y']);
      assert.equal(fieldsOf(entryOf(obj, 'b')), '{"f:metadata":{"f:finalizers":{"v:\\"b.io/y\\"":{}}}}');
      obj = applyPatch(obj, cm([]), opts('a', 2)).object;
      assert.deepEqual((obj['metadata'] as Obj)['finalizers'], ['b.io/y']);
    });

    it('replaces an atomic list whole, and conflicts on it as one field', () => {
      const withArgs = (args: string[]): Obj => {
        const d = nginx();
        containers(d)[0]['args'] = args;
        return d;
      };
      const live = created('a', withArgs(['--x', '--y']));
      const err = expectConflict(() => applyPatch(live, withArgs(['--z']), applyOpts('b')));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "a": .spec.template.spec.containers[name="nginx"].args');
      const { object } = applyPatch(live, withArgs(['--z']), applyOpts('b', { force: true }));
      assert.deepEqual(containers(object)[0]['args'], ['--z']);
    });
  });

  describe('no-op and nulls', () => {
    it('reports an unchanged object and keeps the entry time', () => {
      const live = created();
      const { object, changed } = applyPatch(live, nginx(), applyOpts('kubectl', { now: at(30) }));
      assert.ok(!changed);
      assert.deepEqual(object, live);
      assert.equal(entryOf(object, 'kubectl')?.['time'], '2024-05-01T10:00:00Z');
    });

    it('drops a typed field applied as null but keeps nulls of preserve-unknown-fields data', () => {
      const config = nginx();
      spec(config)['paused'] = null;
      const { object } = applyPatch(undefined, config, applyOpts('kubectl'));
      assert.ok(!('paused' in spec(object)));
      assert.ok(fieldsOf(entryOf(object, 'kubectl')).includes('"f:paused":{}'));

      const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1, extra: { gone: null } } };
      const w = applyPatch(undefined, widget, applyOpts('kubectl', { root: WIDGET, apiVersion: 'example.com/v1', kind: 'Widget' })).object;
      assert.deepEqual(spec(w), { size: 1, extra: { gone: null } });
    });
  });

  describe('client-side apply upgrade (manager "kubectl")', () => {
    function clientSideApplied(): Obj {
      const obj = nginx();
      (obj['metadata'] as Obj)['annotations'] = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(nginx()) + '\n' };
      return stored(updateManagedFields(undefined, obj, updateOpts('kubectl-client-side-apply')).object);
    }

    it('takes over fields the last-applied annotation accounts for, and rewrites the annotation', () => {
      const live = clientSideApplied();
      const { object } = applyPatch(live, nginx({ replicas: 3 }), applyOpts('kubectl', { now: at(5) }));
      assert.equal(spec(object)['replicas'], 3);
      assert.ok(!fieldsOf(entryOf(object, 'kubectl-client-side-apply', 'Update')).includes('f:replicas'));
      const annotation = ((object['metadata'] as Obj)['annotations'] as Obj)[LAST_APPLIED_ANNOTATION] as string;
      assert.ok(annotation.endsWith('\n'));
      assert.deepEqual(JSON.parse(annotation), nginx({ replicas: 3 }));
      // Keys are sorted as Go's encoder writes them.
      assert.ok(annotation.startsWith('{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"nginx"},"name":"nginx"'));
    });

    it('still reports conflicts for other managers and for fields the annotation does not cover', () => {
      const live = clientSideApplied();
      const err = expectConflict(() => applyPatch(live, nginx({ replicas: 3 }), applyOpts('helm')));
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');

      const edited = structuredClone(live);
      containers(edited)[0]['image'] = 'nginx:edited';
      const afterEdit = stored(updateManagedFields(live, edited, updateOpts('kubectl-edit', { now: at(1) })).object);
      const err2 = expectConflict(() => applyPatch(afterEdit, nginx({ replicas: 3, image: 'nginx:1.26' }), applyOpts('kubectl', { now: at(5) })));
      assert.equal(err2.message, 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.template.spec.containers[name="nginx"].image');
    });
  });

  describe('rejected configurations', () => {
    function statusOf(fn: () => unknown): StatusError {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof StatusError);
        return e;
      }
      assert.fail('expected an error');
    }

    it('refuses another kind or version with 400', () => {
      const e = statusOf(() => applyPatch(undefined, { ...nginx(), apiVersion: 'extensions/v1beta1' }, applyOpts('kubectl')));
      assert.equal(e.code, 400);
      assert.equal(e.message, 'invalid object type: extensions/v1beta1, Kind=Deployment');
      const e2 = statusOf(() => applyPatch(undefined, { ...nginx(), apiVersion: 'apps/v1beta2' }, applyOpts('kubectl', { kind: undefined })));
      assert.equal(e2.message, 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta2, expected: apps/v1');
    });

    it('refuses managedFields in the configuration with 400', () => {
      const config = nginx();
      (config['metadata'] as Obj)['managedFields'] = [];
      const e = statusOf(() => applyPatch(undefined, config, applyOpts('kubectl')));
      assert.equal(e.code, 400);
      assert.equal(e.message, 'metadata.managedFields must be nil');
    });

    it('answers a field the schema does not declare as kube-apiserver does (500, no reason)', () => {
      const config = nginx();
      spec(config)['topologyKeys'] = ['x'];
      const e = statusOf(() => applyPatch(undefined, config, applyOpts('kubectl')));
      assert.equal(e.code, 500);
      assert.equal(e.reason, '');
      assert.equal(e.message, 'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.topologyKeys: field not declared in schema');
    });
  });

  describe('subresources and reset fields', () => {
    it('records an apply to /status under its subresource and leaves spec to the main resource', () => {
      const live = created();
      const statusApply = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' }, status: { replicas: 2 } };
      const resetFields = FieldSet.of([fieldElement('spec')]);
      const { object } = applyPatch(live, statusApply, applyOpts('kcm', { subresource: 'status', resetFields, now: at(3) }));
      const e = entryOf(object, 'kcm');
      assert.equal(e?.['subresource'], 'status');
      assert.equal(fieldsOf(e), '{"f:status":{"f:replicas":{}}}');
    });

    it('applies pods like any other kind', () => {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      const { object } = applyPatch(undefined, pod, applyOpts('kubectl', { root: POD, apiVersion: 'v1', kind: 'Pod' }));
      assert.equal(fieldsOf(entryOf(object, 'kubectl')), '{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}}}}');
    });
  });
});

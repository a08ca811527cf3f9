/**
 * The generator's building blocks (load → buildContext → emitters) on a small fixture schema
 * tree, test/fixtures/codegen/: a made-up group-version example.com/v1 with one namespaced kind,
 * Widget, that has a status subresource; a root document from a newer release sharing ObjectMeta
 * (descriptions differ only); and, separately, two documents whose shared definition really
 * differs. The emitters are called one by one rather than through main.generate so that an
 * emitter needing inputs this fixture does not carry cannot mask what is checked here.
 */

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';

import { buildContext, type Context } from '../../../codegen/context';
import type { GeneratedFile } from '../../../codegen/emit/output';
import { emitRoutes } from '../../../codegen/emit/routes';
import { emitTable } from '../../../codegen/emit/table';
import { emitTypes } from '../../../codegen/emit/types';
import { emitValidators } from '../../../codegen/emit/validators';
import { load } from '../../../codegen/load';
import { schemaErrors } from '../../../src/registry/schema';
import type { ResourceDescriptor } from '../../../src/resources/descriptor';

/** REPO_ROOT is found from the compiled test's place, dist/test/unit/codegen. */
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const WIDGETS = path.join(REPO_ROOT, 'test/fixtures/codegen/widgets');
const CONFLICT = path.join(REPO_ROOT, 'test/fixtures/codegen/conflict');
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const NEWER_OBJECT_META_DESCRIPTION =
  'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.';
const INT32_MAX = 2147483647;

/** generateAll runs every emitter this test covers over a fresh load of `root`. */
async function generateAll(root: string): Promise<{ ctx: Context; files: GeneratedFile[] }> {
  const ctx = buildContext(load(root));
  const files = [...(await emitTypes(ctx)), ...emitValidators(ctx), emitTable(ctx), ...emitRoutes(ctx)];
  return { ctx, files };
}

function file(files: readonly GeneratedFile[], p: string): string {
  const f = files.find((x) => x.path === p);
  assert.ok(f, `${p} was not generated; got ${files.map((x) => x.path).join(', ')}`);
  return f.content;
}

/** loadValidators evaluates an emitted standalone AJV module as Node would require it. */
function loadValidators(code: string): Record<string, ValidateFunction> {
  const mod = { exports: {} as Record<string, ValidateFunction> };
  new Function('require', 'module', 'exports', code)(require, mod, mod.exports);
  return mod.exports;
}

/** validWidget is a Widget that uses every construct of the fixture schema. */
function validWidget(): Record<string, unknown> & { spec: Record<string, unknown>; metadata: Record<string, unknown> } {
  return {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: {
      name: 'w',
      namespace: 'default',
      labels: { app: 'w' },
      finalizers: ['example.com/hold'],
      creationTimestamp: '2024-06-01T12:00:00Z',
      generation: 3,
    },
    spec: { size: 3, port: 8080, colour: 'red', parts: [{ name: 'axle', count: 2 }], selector: { app: 'w' } },
    status: { ready: true, observedGeneration: 3 },
  };
}

describe('codegen on a fixture schema tree', () => {
  let ctx: Context;
  let files: GeneratedFile[];

  before(async () => {
    ({ ctx, files } = await generateAll(WIDGETS));
  });

  describe('resource table', () => {
    const expectedRow = {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      listKind: 'WidgetList',
      plural: 'widgets',
      singular: 'widget',
      namespaced: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['wd', 'wdg'],
      categories: ['all'],
      subresources: [{ name: 'status', group: 'example.com', version: 'v1', kind: 'Widget', verbs: ['get', 'patch', 'update'] }],
      storageVersion: 'v1',
      etcdPrefix: 'widgets',
      schema: 'com.example.v1.Widget',
      validatorModule: 'example.com-v1',
      selectableFields: {},
    };

    it('derives one row for the kind: names, scope, verbs from x-kubernetes-action, the status subresource, overlay short names', () => {
      assert.deepEqual(
        ctx.groupVersions.map((gv) => `${gv.group}/${gv.version}`),
        ['example.com/v1'],
        'the root document serves no group-version',
      );
      const rows = ctx.groupVersions[0].resources;
      assert.equal(rows.length, 1, 'WidgetList and the all-namespaces paths do not make rows of their own');
      const { printerColumns, ...row } = rows[0];
      assert.deepEqual(row, expectedRow);
      assert.deepEqual(printerColumns.map((c) => c.name), ['Name', 'Age'], 'no printers overlay: the default table');
    });

    it('writes the same row into generated/resources.ts and lists it in the table', () => {
      const table = file(files, 'generated/resources.ts');
      assert.ok(table.startsWith('// Code generated by codegen/emit/table.ts from '), table.split('\n')[0]);
      const m = /export const example_com_v1_widgets: ResourceDescriptor = ([\s\S]*?);\n/.exec(table);
      assert.ok(m, 'the descriptor constant is emitted');
      const emitted = JSON.parse(m[1]) as ResourceDescriptor;
      assert.deepEqual(emitted, ctx.groupVersions[0].resources[0]);
      assert.match(table, /export const resources: readonly ResourceDescriptor\[\] = \[\s*example_com_v1_widgets,?\s*\];/);
    });

    it('binds every path to its handler, the status paths to the status subresource', () => {
      const routes = file(files, 'generated/routes/example.com-v1.ts');
      for (const line of [
        "router.get('/apis/example.com/v1/namespaces/:namespace/widgets', widgets.list);",
        "router.post('/apis/example.com/v1/namespaces/:namespace/widgets', widgets.create);",
        "router.delete('/apis/example.com/v1/namespaces/:namespace/widgets', widgets.deletecollection);",
        "router.put('/apis/example.com/v1/namespaces/:namespace/widgets/:name', widgets.update);",
        "router.get('/apis/example.com/v1/namespaces/:namespace/widgets/:name/status', widgetsStatus.get);",
        "router.patch('/apis/example.com/v1/namespaces/:namespace/widgets/:name/status', widgetsStatus.patch);",
        "router.get('/apis/example.com/v1/watch/widgets', widgets.watchlist);",
        "router.get('/apis/example.com/v1/watch/namespaces/:namespace/widgets/:name', widgets.watch);",
      ]) {
        assert.ok(routes.includes(line), `missing route: ${line}`);
      }
    });

    it('names each kind in the generated types', () => {
      const types = file(files, 'generated/types/example.com-v1.ts');
      assert.match(types, /export type Widget = components\['schemas'\]\['com\.example\.v1\.Widget'\];/);
    });
  });

  describe('validator', () => {
    let Widget: ValidateFunction;

    before(() => {
      const code = file(files, 'generated/validators/example.com-v1.js');
      assert.ok(code.startsWith('// Code generated by codegen/emit/validators.ts from schemas/kubernetes/apis__example.com__v1_openapi.json.'));
      const mod = loadValidators(code);
      assert.deepEqual(Object.keys(mod).sort(), ['Widget'], 'one validator per served kind');
      Widget = mod.Widget;
      assert.match(file(files, 'generated/validators/example.com-v1.d.ts'), /export declare const Widget: ValidateFunction;/);
    });

    /** problems renders what the API would report: [type, field]. */
    const problems = (obj: unknown) => schemaErrors(Widget, obj).map((e) => [e.type, e.field]);

    it('accepts a valid object whose schema carries vendor extensions, with an int or a string where IntOrString is allowed', () => {
      const byNumber = validWidget();
      assert.deepEqual(problems(byNumber), []);
      const byName = validWidget();
      byName.spec.port = 'http';
      assert.deepEqual(problems(byName), []);
    });

    it('ignores fields the schema does not name, as the Kubernetes schemas do not forbid them', () => {
      const w = validWidget();
      w.spec.unknownField = { anything: true };
      assert.deepEqual(problems(w), []);
    });

    it('rejects a missing required field, naming its path', () => {
      const w = validWidget();
      delete w.spec.size;
      assert.deepEqual(problems(w), [['Required', 'spec.size']]);
      const partless = validWidget();
      partless.spec.parts = [{ count: 1 }];
      assert.deepEqual(problems(partless), [['Required', 'spec.parts[0].name']]);
    });

    it('rejects a wrong type, naming its path', () => {
      const w = validWidget();
      w.spec.size = 'big';
      assert.deepEqual(problems(w), [['TypeInvalid', 'spec.size']]);
      const badLabels = validWidget();
      badLabels.metadata.labels = { app: 7 };
      assert.deepEqual(problems(badLabels), [['TypeInvalid', 'metadata.labels.app']]);
    });

    it('rejects a value that is neither int nor string where IntOrString is allowed, once', () => {
      const w = validWidget();
      w.spec.port = true;
      const errs = schemaErrors(Widget, w);
      assert.deepEqual(errs.map((e) => [e.type, e.field]), [['TypeInvalid', 'spec.port']]);
      assert.match(errs[0].detail, /must be of type integer or string/);
    });

    it('enforces the int32 range, the enum and date-time, which the schema states only as formats and enums', () => {
      const big = validWidget();
      big.spec.size = INT32_MAX + 1;
      assert.deepEqual(problems(big), [['Invalid', 'spec.size']]);
      const colour = validWidget();
      colour.spec.colour = 'blue';
      assert.deepEqual(problems(colour), [['NotSupported', 'spec.colour']]);
      const when = validWidget();
      when.metadata.creationTimestamp = 'yesterday';
      assert.deepEqual(problems(when), [['Invalid', 'metadata.creationTimestamp']]);
    });
  });

  describe('determinism', () => {
    it('produces byte-identical output when run twice', async () => {
      const again = await generateAll(WIDGETS);
      assert.deepEqual(
        again.files.map((f) => f.path),
        files.map((f) => f.path),
      );
      for (let i = 0; i < files.length; i++) assert.equal(again.files[i].content, files[i].content, `${files[i].path} differs between runs`);
    });

    it('stamps every generated file with the generator that wrote it', () => {
      for (const f of files) assert.match(f.content, /^\/\/ Code generated by codegen\/emit\/[a-z]+\.ts from .+\. DO NOT EDIT\.\n/, f.path);
    });
  });

  describe('merging shared definitions', () => {
    it('merges copies that differ only in descriptions, taking them from the newest release, and notes it', () => {
      const merged = ctx.definitions.get(OBJECT_META);
      assert.ok(merged);
      assert.equal(merged.description, NEWER_OBJECT_META_DESCRIPTION);
      assert.equal(merged.properties?.name?.description, 'Name must be unique within a namespace (newer wording).');
      assert.deepEqual(Object.keys(merged.properties ?? {}).sort(), [
        'annotations',
        'creationTimestamp',
        'finalizers',
        'generateName',
        'generation',
        'labels',
        'name',
        'namespace',
        'resourceVersion',
        'uid',
      ]);
      assert.deepEqual(ctx.mergeNotes, [
        `${OBJECT_META}: 2 copies; description from schemas/kubernetes/apis_openapi.json; group-version-kinds unioned`,
      ]);
    });

    it('fails on a structural difference, naming the definition, both documents and where they differ', () => {
      assert.throws(
        () => buildContext(load(CONFLICT)),
        (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(
            e.message,
            /^definition io\.example\.shared\.Thing differs between schemas\/kubernetes\/a_openapi\.json and schemas\/kubernetes\/b_openapi\.json at \.properties\.count\./,
          );
          return true;
        },
      );
    });
  });
});

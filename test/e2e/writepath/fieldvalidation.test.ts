/**
 * fieldValidation=Ignore|Warn|Strict (kubectl --validate=ignore|warn|strict) as kube-apiserver's
 * strict decoding reports it (sigs.k8s.io/json UnmarshalStrict through the JSON serializer, as
 * test/integration/apiserver/field_validation_test.go pins it down):
 *
 * - Strict: 400 BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: strict
 *   decoding error: <errors>` for create/update, and `strict decoding error: ...` for patches;
 *   errors in document order, with full field paths (`spec.template.spec.containers[0].x`);
 * - Warn (also the default when no fieldValidation is given): one `Warning: 299 - "<error>"`
 *   header per error, the object is stored without the unknown fields, and for a duplicate field
 *   the last value wins;
 * - Ignore: no warnings.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, configMap, createNamespaceNamed, deployment, expectCreated, getJson, isGone, kubectlWarnings, warningTexts, type Json } from './support';

const NS = 'fieldvalidation';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;

/** deploymentWithUnknownField is a valid Deployment plus spec.foo, which apps/v1 does not have. */
function deploymentWithUnknownField(name: string): Json {
  const d = deployment(name);
  d.spec.foo = 'bar';
  return d;
}

/**
 * dirtyDeploymentJSON is a Deployment written by hand as JSON text, because a JS object cannot hold
 * a duplicate key: metadata.name twice, spec.foo unknown, spec.paused twice (true then false) and
 * an unknown field in the first container.
 */
function dirtyDeploymentJSON(name: string): string {
  return (
    `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"${name}","name":"${name}"},` +
    `"spec":{"foo":"bar","paused":true,"paused":false,"selector":{"matchLabels":{"app":"${name}"}},` +
    `"template":{"metadata":{"labels":{"app":"${name}"}},"spec":{"containers":[{"name":"web","image":"nginx:1.27","bogus":1}]}}}}`
  );
}

/** DIRTY_ERRORS are the strict decoding errors of dirtyDeploymentJSON, in document order. */
const DIRTY_ERRORS = [
  'duplicate field "metadata.name"',
  'unknown field "spec.foo"',
  'duplicate field "spec.paused"',
  'unknown field "spec.template.spec.containers[0].bogus"',
];

describe('field validation: fieldValidation=Strict|Warn|Ignore and kubectl --validate', function () {
  let server: TestServer;

  const create = (manifest: Json, ...flags: string[]) =>
    server.kubectl.run(['create', '-n', NS, '-f', '-', ...flags], { input: JSON.stringify(manifest), allowFailure: true });

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('kubectl --validate', function () {
    it('refuses an unknown field with --validate=strict, naming it with its path, and creates nothing', async function () {
      const out = await create(deploymentWithUnknownField('fv-strict'), '--validate=strict');
      assert.notEqual(out.code, 0, out.stdout);
      assert.equal(
        out.stderr.trim(),
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"',
      );
      assert.ok(await isGone(server, `${DEPLOYMENTS}/fv-strict`));
    });

    it('uses strict validation by default (kubectl 1.35 --validate defaults to strict)', async function () {
      const out = await create({ ...configMap('fv-default'), datum: { a: '1' } });
      assert.notEqual(out.code, 0, out.stdout);
      assert.ok(
        out.stderr.includes('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datum"'),
        out.stderr,
      );
      assert.ok(await isGone(server, `${CONFIGMAPS}/fv-default`));
    });

    it('creates the object with --validate=warn, prints the warning and drops the unknown field', async function () {
      const out = await create(deploymentWithUnknownField('fv-warn'), '--validate=warn');
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), 'deployment.apps/fv-warn created');
      assert.deepEqual(kubectlWarnings(out.stderr), ['unknown field "spec.foo"']);
      const stored = await getJson(server, `${DEPLOYMENTS}/fv-warn`);
      assert.equal(stored.spec.foo, undefined, 'unknown fields never reach storage');
    });

    it('creates the object silently with --validate=ignore', async function () {
      const out = await create(deploymentWithUnknownField('fv-ignore'), '--validate=ignore');
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(kubectlWarnings(out.stderr), []);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/fv-ignore`)).spec.foo, undefined);
    });
  });

  describe('the API', function () {
    it('lists every unknown and duplicate field in document order for a Strict create (400)', async function () {
      const res = await server.request('POST', `${DEPLOYMENTS}?fieldValidation=Strict`, {
        body: dirtyDeploymentJSON('fv-dirty-strict'),
        headers: { 'content-type': 'application/json' },
      });
      assertStatus(res, {
        code: 400,
        reason: 'BadRequest',
        message: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${DIRTY_ERRORS.join(', ')}`,
      });
      assert.ok(await isGone(server, `${DEPLOYMENTS}/fv-dirty-strict`));
    });

    it('warns once per unknown or duplicate field for a Warn create and stores the object without them', async function () {
      const res = await server.request('POST', `${DEPLOYMENTS}?fieldValidation=Warn`, {
        body: dirtyDeploymentJSON('fv-dirty-warn'),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(warningTexts(res), DIRTY_ERRORS);
      const stored = await getJson(server, `${DEPLOYMENTS}/fv-dirty-warn`);
      assert.equal(stored.spec.foo, undefined);
      assert.equal(stored.spec.template.spec.containers[0].bogus, undefined);
      assert.equal(stored.spec.paused, false, 'for a duplicate field the last value wins');
    });

    it('warns as for Warn when no fieldValidation is given (the server default)', async function () {
      const res = await server.request('POST', DEPLOYMENTS, {
        body: dirtyDeploymentJSON('fv-dirty-default'),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(warningTexts(res), DIRTY_ERRORS);
    });

    it('says nothing for an Ignore create and still drops the unknown fields', async function () {
      const res = await server.request('POST', `${DEPLOYMENTS}?fieldValidation=Ignore`, {
        body: dirtyDeploymentJSON('fv-dirty-ignore'),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(warningTexts(res), []);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/fv-dirty-ignore`)).spec.foo, undefined);
    });

    it('refuses an unknown field in a Strict PUT with the decode message of the kind', async function () {
      const current = await getJson(server, `${DEPLOYMENTS}/fv-warn`);
      current.spec.foo = 'again';
      const res = await server.request('PUT', `${DEPLOYMENTS}/fv-warn?fieldValidation=Strict`, { body: current });
      assertStatus(res, {
        code: 400,
        reason: 'BadRequest',
        message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"',
      });
    });

    it('refuses an unknown field in a Strict merge patch with a bare strict decoding error', async function () {
      const res = await server.request('PATCH', `${DEPLOYMENTS}/fv-warn?fieldValidation=Strict`, {
        body: { spec: { foo: 'patched' } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assertStatus(res, { code: 400, reason: 'BadRequest', message: 'strict decoding error: unknown field "spec.foo"' });
    });

    it('warns about an unknown field in a Warn strategic merge patch and applies the rest', async function () {
      const res = await server.request('PATCH', `${DEPLOYMENTS}/fv-warn?fieldValidation=Warn`, {
        body: { metadata: { labels: { patched: 'yes' } }, spec: { foo: 'patched' } },
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(warningTexts(res), ['unknown field "spec.foo"']);
      const stored = await getJson(server, `${DEPLOYMENTS}/fv-warn`);
      assert.equal(stored.metadata.labels.patched, 'yes');
      assert.equal(stored.spec.foo, undefined);
    });

    // A merge patch's lists and a JSON patch's values become part of the patched object as
    // they are: the unknown field inside them must still be reported, and still be dropped.
    it('warns about an unknown field inside a list a Warn merge patch replaces', async function () {
      const current = await getJson(server, `${DEPLOYMENTS}/fv-warn`);
      const containers = current.spec.template.spec.containers.map((c: Record<string, unknown>) => ({ ...c, bogus: 1 }));
      const res = await server.request('PATCH', `${DEPLOYMENTS}/fv-warn?fieldValidation=Warn`, {
        body: { spec: { template: { spec: { containers } } } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(warningTexts(res), ['unknown field "spec.template.spec.containers[0].bogus"']);
      const stored = await getJson(server, `${DEPLOYMENTS}/fv-warn`);
      assert.equal(stored.spec.template.spec.containers[0].bogus, undefined);
    });

    it('refuses an unknown field inside a value a Strict JSON patch adds', async function () {
      const res = await server.request('PATCH', `${DEPLOYMENTS}/fv-warn?fieldValidation=Strict`, {
        body: [{ op: 'add', path: '/spec/template/spec/containers/0/ports', value: [{ containerPort: 80, bogus: true }] }],
        headers: { 'content-type': 'application/json-patch+json' },
      });
      assertStatus(res, { code: 400, reason: 'BadRequest', message: 'strict decoding error: unknown field "spec.template.spec.containers[0].ports[0].bogus"' });
    });

    it('warns about an unknown field in a Warn server-side apply and stores the object without it', async function () {
      const manifest = { ...configMap('fv-apply', { k: 'v' }), extra: { deep: [{ bogus: 1 }] } };
      const res = await server.request('PATCH', `${CONFIGMAPS}/fv-apply?fieldManager=fv&fieldValidation=Warn`, {
        body: JSON.stringify(manifest),
        headers: { 'content-type': 'application/apply-patch+yaml' },
      });
      assert.equal(res.status, 201, res.body);
      const warnings = warningTexts(res);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.equal(warnings[0], `unknown field "extra"`);
      const stored = await getJson(server, `${CONFIGMAPS}/fv-apply`);
      assert.equal(stored.extra, undefined);
      assert.deepEqual(stored.data, { k: 'v' });
    });

    it('refuses a fieldValidation value it does not know with 422 on CreateOptions', async function () {
      const res = await server.request('POST', `${CONFIGMAPS}?fieldValidation=Loose`, { body: configMap('fv-bad-directive') });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"',
      });
      assert.equal(status.details?.causes?.[0]?.field, 'fieldValidation');
    });

    it('accepts a duplicate-free, known-field object under Strict (the control)', async function () {
      await expectCreated(server, `${CONFIGMAPS}?fieldValidation=Strict`, configMap('fv-clean', { k: 'v' }));
    });
  });
});

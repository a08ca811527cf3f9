/**
 * Failed requests answer with a metav1.Status whose code, reason, message and details are
 * kube-apiserver's: clients (kubectl's `Error from server (<Reason>)`, client-go's IsNotFound,
 * IsConflict, retry loops) parse them. A bad request must never take the server down or touch
 * stored objects.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer, type HttpResponse } from '../../support/server';
import { fixtureNamed, type ListBody, type Manifest, type StatusBody } from './support';

/** MAX_REQUEST_BODY_BYTES is kube-apiserver's limit on a JSON/YAML write body (3 MiB). */
const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** MAX_NESTING_DEPTH is how deeply kapi lets a body nest (README; kube-apiserver's is 10,000). */
const MAX_NESTING_DEPTH = 1000;

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

/** assertStatus checks a failure response is a Status JSON with that code and reason. */
function assertStatus(res: HttpResponse, code: number, reason: string): StatusBody {
  assert.equal(res.status, code, `HTTP status; body: ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, 'a Status is sent as JSON');
  const status = res.json<StatusBody>();
  assert.equal(status.kind, 'Status', res.body);
  assert.equal(status.apiVersion, 'v1', res.body);
  assert.equal(status.status, 'Failure', res.body);
  assert.equal(status.code, code, res.body);
  assert.equal(status.reason, reason, res.body);
  assert.ok(typeof status.message === 'string' && status.message.length > 0, `a Status has a message: ${res.body}`);
  return status;
}

describe('error Status responses', function () {
  let server: TestServer;
  /** anchor is a configmap created first; every failing request below must leave it untouched. */
  let anchor: Manifest;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    const res = await server.request('POST', CONFIGMAPS, { body: fixtureNamed('configmap.yaml', 'errors-anchor') });
    assert.equal(res.status, 201, res.body);
    anchor = res.json<Manifest>();
  });

  after(async function () {
    await server?.dispose();
  });

  it('answers malformed JSON with 400 BadRequest', async function () {
    const res = await server.request('POST', CONFIGMAPS, {
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"errors-bad-json"',
      headers: { 'content-type': 'application/json' },
    });
    assertStatus(res, 400, 'BadRequest');
  });

  it('answers malformed YAML sent as application/yaml with 400 BadRequest', async function () {
    const res = await server.request('POST', CONFIGMAPS, {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [errors-bad-yaml\n data: :\n',
      headers: { 'content-type': 'application/yaml' },
    });
    assertStatus(res, 400, 'BadRequest');
  });

  it('accepts well-formed YAML sent as application/yaml (the control for the test above)', async function () {
    const res = await server.request('POST', CONFIGMAPS, {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: errors-good-yaml\ndata:\n  k: v\n',
      headers: { 'content-type': 'application/yaml' },
    });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(res.json<{ data: unknown }>().data, { k: 'v' });
  });

  it('answers a text/plain body with 415 UnsupportedMediaType', async function () {
    const res = await server.request('POST', CONFIGMAPS, {
      body: JSON.stringify(fixtureNamed('configmap.yaml', 'errors-text-plain')),
      headers: { 'content-type': 'text/plain' },
    });
    const status = assertStatus(res, 415, 'UnsupportedMediaType');
    assert.match(status.message, /the body of the request was in an unknown format - accepted media types include: /);
  });

  it('answers a body over 3 MiB with 413 RequestEntityTooLarge', async function () {
    const big = fixtureNamed('configmap.yaml', 'errors-too-large');
    big.data = { blob: 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1024) };
    const res = await server.request('POST', CONFIGMAPS, { body: big });
    const status = assertStatus(res, 413, 'RequestEntityTooLarge');
    assert.equal(status.message, `Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`);
  });

  // kube-apiserver refuses documents nested deeper than Go's decoders allow; kapi's limit is
  // lower, below the depth where Node's JSON.stringify overflows its stack.
  /** nested is a configmap document nested `depth` levels deep: the object, then depth - 1 lists. */
  const nested = (name: string, depth: number) =>
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"extra":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

  it('answers a body nested deeper than the limit with 400 BadRequest, for every body format', async function () {
    const body = nested('errors-too-deep', MAX_NESTING_DEPTH + 1);
    const created = await server.request('POST', CONFIGMAPS, { body, headers: { 'content-type': 'application/json' } });
    let status = assertStatus(created, 400, 'BadRequest');
    assert.equal(status.message, "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth");
    const patched = await server.request('PATCH', `${CONFIGMAPS}/errors-anchor`, { body, headers: { 'content-type': 'application/merge-patch+json' } });
    status = assertStatus(patched, 400, 'BadRequest');
    assert.equal(status.message, "couldn't get version/kind; json parse error: invalid character '[' exceeded max depth");
    const applied = await server.request('PATCH', `${CONFIGMAPS}/errors-too-deep?fieldManager=t`, { body, headers: { 'content-type': 'application/apply-patch+yaml' } });
    status = assertStatus(applied, 400, 'BadRequest');
    assert.equal(status.message, `error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  });

  it('accepts a body nested exactly to the limit, through create, apply and strategic merge patch', async function () {
    const body = nested('errors-deep-ok', MAX_NESTING_DEPTH);
    const created = await server.request('POST', CONFIGMAPS, { body, headers: { 'content-type': 'application/json' } });
    assert.equal(created.status, 201, created.body);
    const applied = await server.request('PATCH', `${CONFIGMAPS}/errors-deep-ok?fieldManager=t`, { body, headers: { 'content-type': 'application/apply-patch+yaml' } });
    assert.equal(applied.status, 200, applied.body);
    const patched = await server.request('PATCH', `${CONFIGMAPS}/errors-deep-ok`, { body, headers: { 'content-type': 'application/strategic-merge-patch+json' } });
    assert.equal(patched.status, 200, patched.body);
    assert.equal(patched.json<Record<string, unknown>>().extra, undefined, 'the unknown field is dropped');
  });

  it('answers an unknown API path with a 404 NotFound Status in JSON', async function () {
    const res = await server.request('GET', '/apis/nope/v1/things');
    const status = assertStatus(res, 404, 'NotFound');
    assert.equal(status.message, 'the server could not find the requested resource');
  });

  it('answers a GET of a missing pod with 404 pods "x" not found and the name and kind in details', async function () {
    const res = await server.request('GET', '/api/v1/namespaces/default/pods/x');
    const status = assertStatus(res, 404, 'NotFound');
    assert.equal(status.message, 'pods "x" not found');
    assert.equal(status.details?.name, 'x');
    assert.equal(status.details?.kind, 'pods');
  });

  it('names the group in the NotFound of a missing deployment (deployments.apps)', async function () {
    const res = await server.request('GET', '/apis/apps/v1/namespaces/default/deployments/x');
    const status = assertStatus(res, 404, 'NotFound');
    assert.equal(status.message, 'deployments.apps "x" not found');
    assert.deepEqual([status.details?.name, status.details?.group, status.details?.kind], ['x', 'apps', 'deployments']);
  });

  it('answers creating an existing name with 409 AlreadyExists', async function () {
    const res = await server.request('POST', CONFIGMAPS, { body: fixtureNamed('configmap.yaml', 'errors-anchor') });
    const status = assertStatus(res, 409, 'AlreadyExists');
    assert.equal(status.message, 'configmaps "errors-anchor" already exists');
    assert.equal(status.details?.name, 'errors-anchor');
    assert.equal(status.details?.kind, 'configmaps');
  });

  it('answers an update with a stale resourceVersion with 409 Conflict', async function () {
    const created = await server.request('POST', CONFIGMAPS, { body: fixtureNamed('configmap.yaml', 'errors-stale') });
    assert.equal(created.status, 201, created.body);
    const first = created.json<Manifest>();
    const fresh = await server.request('PUT', `${CONFIGMAPS}/errors-stale`, { body: { ...first, data: { greeting: 'first writer' } } });
    assert.equal(fresh.status, 200, fresh.body);

    // The second writer still holds the resourceVersion the first update replaced.
    const res = await server.request('PUT', `${CONFIGMAPS}/errors-stale`, { body: { ...first, data: { greeting: 'second writer' } } });
    const status = assertStatus(res, 409, 'Conflict');
    assert.equal(
      status.message,
      'Operation cannot be fulfilled on configmaps "errors-stale": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(status.details?.name, 'errors-stale');
    assert.equal(status.details?.kind, 'configmaps');
    const stored = (await server.request('GET', `${CONFIGMAPS}/errors-stale`)).json<{ data: unknown }>();
    assert.deepEqual(stored.data, { greeting: 'first writer' }, 'the losing update must not be stored');
  });

  it('answers a pod without spec.containers with 422 Invalid naming the field', async function () {
    const pod = fixtureNamed('pod.yaml', 'errors-no-containers');
    delete (pod.spec as Record<string, unknown>).containers;
    const res = await server.request('POST', '/api/v1/namespaces/default/pods', { body: pod });
    const status = assertStatus(res, 422, 'Invalid');
    assert.match(status.message, /^Pod "errors-no-containers" is invalid: /);
    assert.equal(status.details?.name, 'errors-no-containers');
    assert.equal(status.details?.kind, 'Pod');
    const fields = (status.details?.causes ?? []).map((c) => c.field);
    assert.ok(fields.includes('spec.containers'), `causes name spec.containers: ${res.body}`);
    const cause = status.details?.causes?.find((c) => c.field === 'spec.containers');
    assert.equal(cause?.reason, 'FieldValueRequired');
  });

  it('answers a body whose namespace differs from the URL\'s with 400 BadRequest', async function () {
    const res = await server.request('POST', CONFIGMAPS, { body: fixtureNamed('configmap.yaml', 'errors-ns-mismatch', 'kube-system') });
    const status = assertStatus(res, 400, 'BadRequest');
    assert.equal(status.message, 'the namespace of the provided object does not match the namespace sent on the request');
  });

  it('answers a GET of a missing pod through kubectl as Error from server (NotFound)', async function () {
    const out = await server.kubectl.run(['get', 'pod', 'x'], { allowFailure: true });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /^Error from server \(NotFound\): pods "x" not found$/m);
  });

  it('is still serving, with stored objects intact, after all the failed requests above', async function () {
    const health = await server.request('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok');
    const res = await server.request('GET', `${CONFIGMAPS}/errors-anchor`);
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json<Manifest>(), anchor);
    const list = (await server.request('GET', CONFIGMAPS)).json<ListBody>();
    const names = list.items.map((i) => i.metadata.name);
    for (const rejected of ['errors-bad-json', 'errors-bad-yaml', 'errors-text-plain', 'errors-too-large', 'errors-ns-mismatch', 'errors-too-deep']) {
      assert.ok(!names.includes(rejected), `${rejected} was rejected and must not be stored`);
    }
    const pods = (await server.request('GET', '/api/v1/namespaces/default/pods')).json<ListBody>();
    assert.ok(!pods.items.some((p) => p.metadata.name === 'errors-no-containers'));
    const other = (await server.request('GET', '/api/v1/namespaces/kube-system/configmaps')).json<ListBody>();
    assert.ok(!other.items.some((c) => c.metadata.name === 'errors-ns-mismatch'));
    const kubectl = await server.kubectl.run(['get', 'configmap', 'errors-anchor', '-o', 'jsonpath={.data.greeting}']);
    assert.equal(kubectl.stdout, 'hello');
  });
});

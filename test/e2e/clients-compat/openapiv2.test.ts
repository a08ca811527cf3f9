/**
 * /openapi/v2: the Swagger 2.0 document built from the served v3 documents, and its gnostic
 * protobuf form, first as pure conversions (in process), then as the real server answers them
 * (negotiation, ETag and 304, 406, the legacy /swagger-2.0.0.pb-v1 path). That kubectl 1.20
 * can parse and use it is kubectl120.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createCustomResourceDefinition } from './support';
import { groupVersions } from '../../../generated/routes';
import { OpenAPIV3 } from '../../../src/server/openapi';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_AT, OpenAPIV2, documentsOfV3, negotiateForm, openAPIV3Sources } from '../../../src/server/openapiv2';
import { convertSchema, swaggerFromV3, type JsonObject, type SwaggerDocument } from '../../../src/server/openapiv2convert';
import { gnosticDocumentType } from '../../../src/server/openapiv2proto';
import { repositoryRoot } from '../clients/install';
import { TestServer } from '../../support/server';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function servedV3(): OpenAPIV3 {
  return new OpenAPIV3(path.join(repositoryRoot(), 'schemas', 'kubernetes'), groupVersions.map((g) => g.groupVersion.prefix.slice(1)));
}

/** decodeGnostic decodes openapi.v2.Document bytes to a plain object with the .proto's field names. */
function decodeGnostic(bytes: Uint8Array): Obj {
  const type = gnosticDocumentType(repositoryRoot());
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as Obj;
}

// ---------------------------------------------------------------------------------------------
// A reading of gnostic's messages back into Swagger JSON, written from OpenAPIv2.proto apart from
// the encoder, so that a round trip checks every field the encoder writes.

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function fromAny(a: Obj): unknown {
  return parseYaml(a.yaml as string) as unknown;
}

function fromVendor(m: Obj, out: Obj): Obj {
  for (const na of (m.vendor_extension ?? []) as Obj[]) out[na.name] = fromAny(na.value);
  return out;
}

/** fromFields copies scalar fields (snake_case → camelCase), expanding Any-valued ones. */
function fromFields(m: Obj, out: Obj, skip: string[] = []): Obj {
  for (const [k, v] of Object.entries(m)) {
    if (k === 'vendor_extension' || skip.includes(k)) continue;
    if (k === '_ref') out.$ref = v;
    else if (k === 'default' || k === 'example') out[k] = fromAny(v);
    else if (k === 'enum') out.enum = (v as Obj[]).map(fromAny);
    else out[camel(k)] = v;
  }
  return fromVendor(m, out);
}

function fromSchema(m: Obj): Obj {
  const out = fromFields(m, {}, ['additional_properties', 'type', 'items', 'all_of', 'properties']);
  if (m.additional_properties) {
    out.additionalProperties = 'boolean' in m.additional_properties ? m.additional_properties.boolean : fromSchema(m.additional_properties.schema);
  }
  if (m.type) out.type = m.type.value.length === 1 ? m.type.value[0] : m.type.value;
  if (m.items) out.items = m.items.schema.length === 1 ? fromSchema(m.items.schema[0]) : m.items.schema.map(fromSchema);
  if (m.all_of) out.allOf = m.all_of.map(fromSchema);
  if (m.properties) out.properties = Object.fromEntries(((m.properties.additional_properties ?? []) as Obj[]).map((n) => [n.name, fromSchema(n.value)]));
  return out;
}

function fromParameter(p: Obj): Obj {
  if (p.body_parameter) {
    const b = p.body_parameter;
    const out = fromFields(b, {}, ['schema']);
    if (b.schema) out.schema = fromSchema(b.schema);
    return out;
  }
  const sub = Object.values(p.non_body_parameter as Obj)[0] as Obj;
  return fromFields(sub, {});
}

function fromParametersItem(i: Obj): Obj {
  return i.json_reference ? { $ref: i.json_reference._ref } : fromParameter(i.parameter);
}

function fromOperation(o: Obj): Obj {
  const out = fromFields(o, {}, ['parameters', 'responses']);
  if (o.parameters) out.parameters = o.parameters.map(fromParametersItem);
  if (o.responses) {
    out.responses = Object.fromEntries(
      (o.responses.response_code as Obj[]).map((n) => {
        const r = n.value.response as Obj;
        const resp = fromFields(r, {}, ['schema']);
        if (r.schema) resp.schema = fromSchema(r.schema.schema);
        return [n.name, resp];
      }),
    );
  }
  return out;
}

function swaggerFromGnostic(d: Obj): Obj {
  const out: Obj = { swagger: d.swagger, info: fromFields(d.info, {}) };
  out.paths = Object.fromEntries(
    (d.paths.path as Obj[]).map((n) => {
      const item: Obj = {};
      for (const [k, v] of Object.entries(n.value as Obj)) {
        if (k === 'parameters') item.parameters = (v as Obj[]).map(fromParametersItem);
        else if (k !== 'vendor_extension') item[k] = fromOperation(v as Obj);
      }
      return [n.name, fromVendor(n.value, item)];
    }),
  );
  out.definitions = Object.fromEntries((d.definitions.additional_properties as Obj[]).map((n) => [n.name, fromSchema(n.value)]));
  out.parameters = Object.fromEntries((d.parameters.additional_properties as Obj[]).map((n) => [n.name, fromParameter(n.value)]));
  out.security = (d.security as Obj[]).map((s) => Object.fromEntries((s.additional_properties as Obj[]).map((n) => [n.name, n.value.value ?? []])));
  out.securityDefinitions = Object.fromEntries(
    (d.security_definitions.additional_properties as Obj[]).map((n) => [n.name, fromFields(n.value.api_key_security, {})]),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('OpenAPI v2 (conversion)', function () {
  let doc: SwaggerDocument;

  before(function () {
    doc = new OpenAPIV2({ documents: documentsOfV3(servedV3()) }).document();
  });

  it('merges every served group-version into one Swagger 2.0 document', function () {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.35.0' });
    for (const p of ['/api/v1/namespaces/{namespace}/pods', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', '/apis/rbac.authorization.k8s.io/v1/clusterroles', '/version/', '/apis/']) {
      assert.ok(doc.paths[p], `missing path ${p}`);
    }
    for (const d of ['io.k8s.api.core.v1.Pod', 'io.k8s.api.apps.v1.Deployment', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']) {
      assert.ok(doc.definitions[d], `missing definition ${d}`);
    }
    assert.deepEqual(doc.securityDefinitions, { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } });
    assert.deepEqual(doc.security, [{ BearerToken: [] }]);
  });

  it('leaves no v3 construct behind: every $ref resolves into #/definitions or #/parameters', function () {
    const problems: string[] = [];
    const walkSchema = (s: unknown, at: string): void => {
      if (typeof s !== 'object' || s === null) return;
      const o = s as Obj;
      for (const k of ['oneOf', 'anyOf', 'nullable', 'allOf']) if (k in o) problems.push(`${at}: ${k}`);
      if (typeof o.$ref === 'string') {
        const name = /^#\/definitions\/(.+)$/.exec(o.$ref)?.[1];
        if (!name || !doc.definitions[name]) problems.push(`${at}: dangling ${o.$ref}`);
      }
      for (const [name, p] of Object.entries((o.properties ?? {}) as Obj)) walkSchema(p, `${at}.${name}`);
      walkSchema(o.items, `${at}[]`);
      if (typeof o.additionalProperties === 'object') walkSchema(o.additionalProperties, `${at}{}`);
    };
    for (const [name, d] of Object.entries(doc.definitions)) walkSchema(d, name);
    for (const [p, item] of Object.entries(doc.paths as Obj)) {
      for (const [key, op] of Object.entries(item as Obj)) {
        const params = (key === 'parameters' ? op : op.parameters ?? []) as Obj[];
        for (const param of params) {
          const ref = /^#\/parameters\/(.+)$/.exec(String(param.$ref ?? ''))?.[1];
          if (param.$ref && (!ref || !doc.parameters[ref])) problems.push(`${p} ${key}: dangling ${param.$ref}`);
          walkSchema(param.schema, `${p} ${key} body`);
        }
        if (key === 'parameters') continue;
        if ('requestBody' in op) problems.push(`${p} ${key}: requestBody`);
        for (const [code, r] of Object.entries(op.responses as Obj)) walkSchema((r as Obj).schema, `${p} ${key} ${code}`);
      }
    }
    for (const [name, param] of Object.entries(doc.parameters)) walkSchema(param.schema, `parameters.${name}`);
    assert.deepEqual(problems.slice(0, 20), []);
    assert.doesNotMatch(JSON.stringify(doc), /#\/components\//);
  });

  it('unwraps allOf references with their description, as kube-apiserver writes v2', function () {
    const metadata = doc.definitions['io.k8s.api.core.v1.Pod'].properties as Obj;
    assert.equal(metadata.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.match(metadata.metadata.description, /^Standard object's metadata/);
    assert.equal(metadata.metadata.allOf, undefined);
    const containers = (doc.definitions['io.k8s.api.core.v1.PodSpec'].properties as Obj).containers;
    assert.deepEqual(containers.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container', default: {} });
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  });

  it('writes IntOrString and Quantity as strings, as v2 has no oneOf', function () {
    assert.deepEqual(
      { type: doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, format: doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format },
      { type: 'string', format: 'int-or-string' },
    );
    assert.equal(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'].type, 'string');
    assert.deepEqual(convertSchema({ oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string' }), { type: 'string', format: 'int-or-string' });
  });

  it('unions the group-version-kinds of a definition the documents share', function () {
    const gvks = doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'] as Obj[];
    for (const gv of [['', 'v1'], ['apps', 'v1'], ['rbac.authorization.k8s.io', 'v1'], ['networking.k8s.io', 'v1beta1']]) {
      assert.ok(gvks.some((g) => g.group === gv[0] && g.version === gv[1] && g.kind === 'DeleteOptions'), `DeleteOptions lacks ${gv.join('/')}`);
    }
    const keys = gvks.map((g) => `${g.group}/${g.version}/${g.kind}`);
    assert.deepEqual(keys, [...keys].sort());
    assert.equal(new Set(keys).size, keys.length);
  });

  it('turns request bodies into body parameters and responses into schemas with consumes/produces', function () {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'] as Obj;
    const put = item.put;
    assert.deepEqual(put.consumes, ['*/*']);
    assert.deepEqual(put.produces, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
    assert.deepEqual(put.schemes, ['https']);
    assert.deepEqual(put.parameters[0], { in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(put.responses['200'], { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(put.responses['401'], { description: 'Unauthorized' });
    assert.equal(put['x-kubernetes-action'], 'put');
    assert.deepEqual(put['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.deepEqual(item.patch.consumes, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
    const list = (doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'] as Obj).get;
    assert.deepEqual(list.produces, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch']);
  });

  it('shares generic parameters under hashed names but keeps name, dryRun and fieldValidation inline', function () {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'] as Obj;
    const inline = (ps: Obj[]) => ps.filter((p) => !p.$ref).map((p) => `${p.in}:${p.name}`);
    assert.deepEqual(inline(item.parameters), ['path:name']);
    assert.deepEqual(inline(item.patch.parameters), ['query:dryRun', 'query:fieldValidation']);
    const refs = (item.patch.parameters as Obj[]).filter((p) => p.$ref).map((p) => p.$ref as string);
    assert.equal(refs.length, 3); // body (meta/v1 Patch), fieldManager, force
    for (const ref of refs) assert.match(ref, /^#\/parameters\/(body|fieldManager|force)-[A-Za-z0-9_-]{8}$/);
    const namespace = (item.parameters as Obj[]).find((p) => typeof p.$ref === 'string' && p.$ref.includes('/namespace-'));
    assert.ok(namespace, 'the namespace path parameter is shared');
    assert.deepEqual(doc.parameters[namespace.$ref.split('/').pop()], {
      description: 'object name and auth scope, such as for teams and projects',
      in: 'path',
      name: 'namespace',
      required: true,
      type: 'string',
      uniqueItems: true,
    });
  });

  it('takes a shared definition from the newest release', function () {
    const older = { path: 'a', release: '1.30', doc: { components: { schemas: { X: { description: 'old', type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'a', kind: 'X', version: 'v1' }] } } } } };
    const newer = { path: 'b', release: '1.31', doc: { components: { schemas: { X: { description: 'new', type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'b', kind: 'X', version: 'v1' }] } } } } };
    for (const order of [[older, newer], [newer, older]]) {
      const merged = swaggerFromV3(order, { title: 't', version: 'v' }).definitions.X;
      assert.equal(merged.description, 'new');
      assert.deepEqual(merged['x-kubernetes-group-version-kind'], [{ group: 'a', kind: 'X', version: 'v1' }, { group: 'b', kind: 'X', version: 'v1' }]);
    }
  });

  it('gives custom resource schemas what apiextensions-apiserver gives them in v2, so kubectl can parse them', function () {
    const crd = {
      type: 'object',
      required: ['spec', 'status'],
      properties: {
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
            list: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
          },
        },
        status: { type: 'object', nullable: true, properties: { phase: { type: 'string' } } },
      },
    };
    assert.deepEqual(convertSchema(crd), {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true },
            raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            list: { 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
        status: {},
      },
    });
  });

  it('encodes the same document in gnostic protobuf, field for field', function () {
    const v2 = new OpenAPIV2({ documents: documentsOfV3(servedV3()) });
    const decoded = decodeGnostic(v2.protobuf().body);
    assert.deepEqual(swaggerFromGnostic(decoded), JSON.parse(v2.json().body.toString('utf8')) as JsonObject);
  });

  it('writes vendor extensions as NamedAny whose yaml a YAML decoder reads back', function () {
    const v2 = new OpenAPIV2({ documents: documentsOfV3(servedV3()) });
    const decoded = decodeGnostic(v2.protobuf().body);
    const pod = (decoded.definitions.additional_properties as Obj[]).find((n) => n.name === 'io.k8s.api.core.v1.Pod')!.value;
    const gvk = (pod.vendor_extension as Obj[]).find((n) => n.name === 'x-kubernetes-group-version-kind')!;
    assert.equal(gvk.value.value, undefined, 'google.protobuf.Any stays empty, as gnostic leaves it');
    assert.deepEqual(parseYaml(gvk.value.yaml as string), [{ group: '', kind: 'Pod', version: 'v1' }]);
    assert.deepEqual(pod.type, { value: ['object'] });
  });

  it('builds nothing until asked, and rebuilds after invalidate()', function () {
    let calls = 0;
    const v3 = servedV3();
    const read = documentsOfV3(v3);
    const v2 = new OpenAPIV2({
      documents: () => {
        calls++;
        const docs = read();
        if (calls > 1) docs.push({ path: 'apis/example.com/v1', doc: { components: { schemas: { 'com.example.v1.Widget': { type: 'object', properties: { spec: { type: 'object' } } } } } } });
        return docs;
      },
    });
    assert.equal(calls, 0);
    const first = v2.json();
    assert.equal(v2.json(), first, 'cached');
    assert.equal(v2.protobuf().etag, first.etag, 'both forms share the JSON ETag, as kube-openapi does');
    assert.equal(calls, 1);
    v2.invalidate();
    assert.equal(v2.generation, 1);
    const second = v2.json();
    assert.equal(calls, 2);
    assert.notEqual(second.etag, first.etag);
    assert.ok(v2.document().definitions['com.example.v1.Widget']);
  });

  it('rebuilds when the served v3 documents change, without an explicit invalidate()', function () {
    const v3 = servedV3();
    let extra: Map<string, unknown> = new Map();
    v3.setDynamic(() => extra);
    const v2 = new OpenAPIV2(openAPIV3Sources(v3));
    const first = v2.json();
    assert.equal(v2.json(), first);
    extra = new Map([['apis/example.com/v1', { components: { schemas: { 'com.example.v1.Gadget': { type: 'object', properties: { spec: { type: 'object' } } } } } }]]);
    v3.invalidate();
    const second = v2.json();
    assert.notEqual(second.etag, first.etag);
    assert.ok(second.lastModified > first.lastModified);
    assert.equal(v2.generation, 1);
    assert.ok(v2.document().definitions['com.example.v1.Gadget']);
  });

  it('negotiates like kube-openapi: JSON for */*, protobuf for either gnostic spelling, by q', function () {
    assert.equal(negotiateForm(undefined), 'json');
    assert.equal(negotiateForm('*/*'), 'json');
    assert.equal(negotiateForm('application/json'), 'json');
    assert.equal(negotiateForm(OPENAPI_V2_PROTOBUF_AT), 'protobuf');
    assert.equal(negotiateForm(OPENAPI_V2_PROTOBUF), 'protobuf');
    assert.equal(negotiateForm(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF_AT}`), 'protobuf');
    assert.equal(negotiateForm(`${OPENAPI_V2_PROTOBUF}, application/json`), 'protobuf');
    assert.equal(negotiateForm('text/html'), undefined);
    assert.equal(negotiateForm('application/vnd.kubernetes.protobuf'), undefined);
  });
});

describe('OpenAPI v2 (served)', function () {
  let server: TestServer;
  let json: SwaggerDocument;

  before(async function () {
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  it('serves JSON by default with a quoted SHA-512 ETag, Last-Modified and Vary: Accept', async function () {
    const res = await server.request('GET', '/openapi/v2');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.match(String(res.headers.etag), /^"[0-9A-F]{128}"$/);
    assert.ok(res.headers['last-modified']);
    assert.match(String(res.headers.vary), /Accept/);
    json = res.json<SwaggerDocument>();
    assert.equal(json.swagger, '2.0');
    assert.ok(json.definitions['io.k8s.api.core.v1.Pod']);
  });

  it('serves gnostic protobuf for the Accept header kubectl 1.20 sends, with the same ETag', async function () {
    const plain = await server.request('GET', '/openapi/v2');
    const res = await rawGet(server, '/openapi/v2', { accept: OPENAPI_V2_PROTOBUF_AT });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], OPENAPI_V2_PROTOBUF);
    assert.equal(res.headers.etag, plain.headers.etag);
    assert.deepEqual(swaggerFromGnostic(decodeGnostic(res.body)), json);
  });

  it('answers 304 to If-None-Match with the current ETag, in either form', async function () {
    const first = await server.request('GET', '/openapi/v2');
    const etag = String(first.headers.etag);
    for (const accept of ['application/json', OPENAPI_V2_PROTOBUF]) {
      const res = await server.request('GET', '/openapi/v2', { headers: { accept, 'if-none-match': etag } });
      assert.equal(res.status, 304, accept);
      assert.equal(res.body, '');
      assert.equal(res.headers.etag, etag);
    }
    const weak = await server.request('GET', '/openapi/v2', { headers: { 'if-none-match': `"other", W/${etag}` } });
    assert.equal(weak.status, 304);
    const stale = await server.request('GET', '/openapi/v2', { headers: { 'if-none-match': '"0000"' } });
    assert.equal(stale.status, 200);
  });

  it('answers 304 to If-Modified-Since at or after Last-Modified', async function () {
    const first = await server.request('GET', '/openapi/v2');
    const res = await server.request('GET', '/openapi/v2', { headers: { 'if-modified-since': String(first.headers['last-modified']) } });
    assert.equal(res.status, 304);
  });

  it('answers 406 when Accept names neither form', async function () {
    const res = await server.request('GET', '/openapi/v2', { headers: { accept: 'application/vnd.kubernetes.protobuf' } });
    assert.equal(res.status, 406);
  });

  it('includes a CustomResourceDefinition once it is Established, under a new ETag', async function () {
    const before = await server.request('GET', '/openapi/v2');
    await createCustomResourceDefinition(server, 'cert-manager.io_certificates.yaml');
    const after = await server.request('GET', '/openapi/v2', { headers: { 'if-none-match': String(before.headers.etag) } });
    assert.equal(after.status, 200, 'the old ETag no longer matches');
    assert.notEqual(after.headers.etag, before.headers.etag);
    const doc = after.json<SwaggerDocument>();
    const certificate = doc.definitions['io.cert-manager.v1.Certificate'];
    assert.ok(certificate, `no Certificate definition among ${Object.keys(doc.definitions).filter((k) => !k.startsWith('io.k8s.')).join(', ')}`);
    assert.deepEqual(certificate['x-kubernetes-group-version-kind'], [{ group: 'cert-manager.io', kind: 'Certificate', version: 'v1' }]);
    const item = doc.paths['/apis/cert-manager.io/v1/namespaces/{namespace}/certificates/{name}'] as Obj;
    assert.ok(item?.get, 'the Certificate paths are there');
    assert.equal(item.get['x-kubernetes-action'], 'get');
  });

  it('serves the protobuf form at the legacy /swagger-2.0.0.pb-v1 path', async function () {
    const res = await rawGet(server, '/swagger-2.0.0.pb-v1', {});
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal((decodeGnostic(res.body) as Obj).swagger, '2.0');
  });
});

/** rawGet is server.request for binary bodies. */
function rawGet(server: TestServer, urlPath: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const kc = parseYaml(fs.readFileSync(server.kubeconfig, 'utf8')) as Obj;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}${urlPath}`,
      {
        headers,
        ca: server.caPem,
        cert: b64(kc.users[0].user['client-certificate-data']),
        key: b64(kc.users[0].user['client-key-data']),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

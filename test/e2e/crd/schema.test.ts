/**
 * What a CRD's structural schema does to the custom resources written through it, as
 * kube-apiserver does (k8s.io/apiextensions-apiserver pkg/apiserver/schema: pruning, defaulting,
 * objectmeta, listtype; pkg/apiserver/validation for formats and types): unknown fields pruned
 * (and reported as warnings, or refused with fieldValidation=Strict) unless
 * x-kubernetes-preserve-unknown-fields, defaults, x-kubernetes-int-or-string,
 * x-kubernetes-embedded-resource, list types map and set, map types, formats. The CRD is
 * test/fixtures/crd-api/shapes.yaml.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import type { Manifest, StatusBody } from '../kubectl/support';
import { applyCRDFile, apiFixturePath, causeAt, invalidCauses, namespacedPath, warningsOf } from './support';

const GROUP = 'e2e.kapi.example.com';
const SHAPES = namespacedPath(GROUP, 'v1', 'default', 'shapes');

type Json = Record<string, unknown>;

/** shape is a Shape manifest with the given spec (and extra top-level fields). */
function shape(name: string, spec: Json, extra: Json = {}): Json {
  return { apiVersion: `${GROUP}/v1`, kind: 'Shape', metadata: { name }, spec, ...extra };
}

describe('custom resources and their CRD schema', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await applyCRDFile(server, apiFixturePath('shapes.yaml'));
  });

  after(async function () {
    await server?.dispose();
  });

  async function create(body: Json, query = ''): Promise<Manifest> {
    const res = await server.request('POST', `${SHAPES}${query}`, { body });
    assert.equal(res.status, 201, res.body);
    return res.json<Manifest>();
  }

  async function read(name: string): Promise<Manifest> {
    const res = await server.request('GET', `${SHAPES}/${name}`);
    assert.equal(res.status, 200, res.body);
    return res.json<Manifest>();
  }

  describe('pruning', function () {
    it('drops fields the schema does not declare, at the root, in spec and in metadata, and warns about each', async function () {
      const res = await server.request('POST', SHAPES, {
        body: { ...shape('pruned', { replicas: 2, bogus: true, limits: { cpu: '1', gpu: 2 } }, { unknownTop: 1 }), metadata: { name: 'pruned', unknownMeta: 'x' } },
      });
      assert.equal(res.status, 201, res.body);
      for (const obj of [res.json<Manifest>(), await read('pruned')]) {
        assert.equal(obj.unknownTop, undefined, 'root');
        assert.deepEqual(obj.spec, { replicas: 2, limits: { cpu: '1' }, mode: 'Auto' }, 'spec');
        assert.equal(obj.metadata.unknownMeta, undefined, 'metadata is ObjectMeta: unknown fields go');
      }
      // fieldValidation defaults to Warn: one warning per dropped field.
      const warnings = warningsOf(res);
      for (const field of ['unknownTop', 'spec.bogus', 'spec.limits.gpu', 'metadata.unknownMeta']) {
        assert.ok(warnings.includes(`unknown field "${field}"`), `warning for ${field} in ${JSON.stringify(warnings)}`);
      }
    });

    it('refuses unknown fields with fieldValidation=Strict, naming each', async function () {
      const res = await server.request('POST', `${SHAPES}?fieldValidation=Strict`, { body: { ...shape('strict', { bogus: true }), metadata: { name: 'strict', junk: 1 } } });
      assert.equal(res.status, 400, res.body);
      const status = res.json<StatusBody>();
      assert.equal(status.reason, 'BadRequest');
      assert.ok(status.message.includes('strict decoding error: '), status.message);
      assert.ok(status.message.includes('unknown field "spec.bogus"'), status.message);
      assert.ok(status.message.includes('unknown field "metadata.junk"'), status.message);
      assert.equal((await server.request('GET', `${SHAPES}/strict`)).status, 404);
    });

    it('keeps anything under x-kubernetes-preserve-unknown-fields', async function () {
      const extra = { anything: { nested: [1, 'two', { three: true }] }, flag: null, n: 1.5 };
      const obj = await create(shape('preserved', { extra }));
      assert.deepEqual((obj.spec as Json).extra, extra);
      assert.deepEqual(((await read('preserved')).spec as Json).extra, extra);
    });
  });

  describe('defaults', function () {
    it('fills defaults of absent fields, inside defaulted objects and in list items, and keeps given values', async function () {
      const obj = await create(shape('defaulted', { replicas: 3, ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
      assert.deepEqual(obj.spec, {
        replicas: 3,
        mode: 'Auto',
        limits: { cpu: '100m' },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      });
      assert.deepEqual((await read('defaulted')).spec, obj.spec, 'stored with the defaults');
    });

    it('adds no defaults under an absent parent', async function () {
      const obj = await create({ apiVersion: `${GROUP}/v1`, kind: 'Shape', metadata: { name: 'specless' } });
      assert.equal(obj.spec, undefined, 'no spec, no defaults inside it');
    });

    it('applies the default again when a patch removes the field', async function () {
      await create(shape('redefaulted', { replicas: 5, mode: 'Manual' }));
      const res = await server.request('PATCH', `${SHAPES}/redefaulted`, { body: { spec: { replicas: null, mode: null } }, headers: { 'content-type': 'application/merge-patch+json' } });
      assert.equal(res.status, 200, res.body);
      const spec = res.json<Manifest>().spec as Json;
      assert.deepEqual([spec.replicas, spec.mode], [1, 'Auto']);
    });
  });

  describe('x-kubernetes-int-or-string', function () {
    it('accepts an integer and a string', async function () {
      assert.equal(((await create(shape('port-number', { port: 8080 }))).spec as Json).port, 8080);
      assert.equal(((await create(shape('port-name', { port: 'http' }))).spec as Json).port, 'http');
    });

    it('refuses a value that is neither an integer nor a string', async function () {
      for (const [name, port] of [['port-bool', true], ['port-object', { n: 1 }], ['port-float', 1.5]] as const) {
        const res = await server.request('POST', SHAPES, { body: shape(name, { port }) });
        const cause = causeAt(invalidCauses(res), 'spec.port', 'FieldValueTypeInvalid');
        assert.match(cause.message ?? '', /spec\.port in body must be of type integer,string/, name);
      }
    });
  });

  describe('x-kubernetes-embedded-resource', function () {
    it('requires apiVersion and kind of the embedded object and validates its metadata', async function () {
      // An embedded object's name is checked as a path segment (upstream's objectmeta.Validate uses
      // validatePathSegment), so an upper-case name passes and a slash does not.
      const res = await server.request('POST', SHAPES, { body: shape('embedded-bad', { template: { metadata: { name: 'not/a/name' } } }) });
      const causes = invalidCauses(res);
      causeAt(causes, 'spec.template.apiVersion', 'FieldValueRequired');
      causeAt(causes, 'spec.template.kind', 'FieldValueRequired');
      const name = causeAt(causes, 'spec.template.metadata.name', 'FieldValueInvalid');
      assert.equal(name.message, `Invalid value: "not/a/name": may not contain '/'`);
    });

    it('keeps the embedded object and prunes unknown fields of its metadata', async function () {
      const template = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tpl', labels: { app: 'web' }, junk: true }, data: { key: 'value' } };
      const obj = await create(shape('embedded', { template }));
      const { junk: _junk, ...metadata } = template.metadata;
      assert.deepEqual((obj.spec as Json).template, { ...template, metadata });
    });
  });

  describe('list and map types', function () {
    it('refuses two items of a list-type map with the same key', async function () {
      const res = await server.request('POST', SHAPES, { body: shape('dup-ports', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 8080 }] }) });
      causeAt(invalidCauses(res), 'spec.ports[1]', 'FieldValueDuplicate');
    });

    it('refuses an item of a list-type map without its key', async function () {
      const res = await server.request('POST', SHAPES, { body: shape('keyless-port', { ports: [{ port: 80 }] }) });
      causeAt(invalidCauses(res), 'spec.ports[0].name', 'FieldValueRequired');
    });

    it('refuses a repeated item of a list-type set', async function () {
      const res = await server.request('POST', SHAPES, { body: shape('dup-tags', { tags: ['a', 'b', 'a'] }) });
      const cause = causeAt(invalidCauses(res), 'spec.tags[2]', 'FieldValueDuplicate');
      assert.equal(cause.message, 'Duplicate value: "a"');
    });

    it('merges list-type map and set items of two server-side appliers, and treats an atomic map as one field', async function () {
      const apply = (manager: string, spec: Json) =>
        server.request('PATCH', `${SHAPES}/applied?fieldManager=${manager}`, { body: shape('applied', spec), headers: { 'content-type': 'application/apply-patch+yaml' } });
      const first = await apply('team-a', { ports: [{ name: 'http', port: 80 }], tags: ['a'], selector: { app: 'web' } });
      assert.equal(first.status, 201, first.body);
      const second = await apply('team-b', { ports: [{ name: 'https', port: 443 }], tags: ['b'] });
      assert.equal(second.status, 200, second.body);
      const spec = second.json<Manifest>().spec as Json;
      assert.deepEqual((spec.ports as Json[]).map((p) => p.name), ['http', 'https'], 'map items merged by key');
      assert.deepEqual(spec.tags, ['a', 'b'], 'set items merged');
      const conflict = await apply('team-b', { selector: { tier: 'front' } });
      assert.equal(conflict.status, 409, conflict.body);
      const status = conflict.json<StatusBody>();
      assert.equal(status.reason, 'Conflict');
      assert.ok(status.details?.causes?.some((c) => c.field === '.spec.selector' && c.message === 'conflict with "team-a"'), conflict.body);
    });
  });

  describe('formats', function () {
    it('accepts values of their formats', async function () {
      const spec = { contact: 'ops@example.com', id: '123e4567-e89b-12d3-a456-426614174000', address: '192.0.2.10', since: '2024-01-02T03:04:05Z' };
      const obj = await create(shape('formatted', spec));
      for (const [k, v] of Object.entries(spec)) assert.equal((obj.spec as Json)[k], v, k);
    });

    for (const [field, format, value] of [
      ['contact', 'email', 'not an address'],
      ['id', 'uuid', 'not-a-uuid'],
      ['address', 'ipv4', '300.1.2.3'],
      ['since', 'date-time', 'yesterday'],
    ] as const) {
      it(`refuses a string that is not ${/^[ei]/.test(format) ? 'an' : 'a'} ${format} at spec.${field}`, async function () {
        const res = await server.request('POST', SHAPES, { body: shape(`bad-${field}`, { [field]: value }) });
        const cause = causeAt(invalidCauses(res), `spec.${field}`, 'FieldValueTypeInvalid');
        assert.equal(cause.message, `Invalid value: "${value}": spec.${field} in body must be of type ${format}: "${value}"`);
      });
    }
  });
});

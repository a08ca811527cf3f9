/**
 * A CRD with two served versions and conversion strategy None (test/fixtures/crd-api/
 * editions.yaml: v1alpha1 and v1, stored as v1): an object written in one version is read, listed
 * and watched in either, with only apiVersion rewritten, as kube-apiserver's nopConverter does.
 * Also where custom resources are stored: under their group and plural (/registry/<group>/
 * <plural>/...), which the API shows as two kinds sharing a plural, or a plural of a built-in
 * resource, never sharing objects.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { nextEvent, parseTable, rowNamed, type ListBody, type Manifest, type StatusBody } from '../kubectl/support';
import { applyCRD, applyCRDFile, apiFixturePath, crdVariant, getCRD, namespacedPath } from './support';

const GROUP = 'e2e.kapi.example.com';
const NAMESPACE = 'default';
const VERSIONS = ['v1alpha1', 'v1'] as const;
const collection = (version: string) => namespacedPath(GROUP, version, NAMESPACE, 'editions');

type Json = Record<string, unknown>;

function edition(version: string, name: string, spec: Json): Json {
  return { apiVersion: `${GROUP}/${version}`, kind: 'Edition', metadata: { name }, spec };
}

describe('a CRD with two versions and conversion strategy None', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await applyCRDFile(server, apiFixturePath('editions.yaml'));
  });

  after(async function () {
    await server?.dispose();
  });

  async function read(version: string, name: string): Promise<Manifest> {
    const res = await server.request('GET', `${collection(version)}/${name}`);
    assert.equal(res.status, 200, res.body);
    return res.json<Manifest>();
  }

  it('serves both versions in discovery and prefers v1', async function () {
    const group = await server.request('GET', `/apis/${GROUP}`);
    assert.equal(group.status, 200, group.body);
    const body = group.json<{ versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string } }>();
    assert.deepEqual(body.versions.map((v) => v.version), ['v1', 'v1alpha1']);
    assert.equal(body.preferredVersion.groupVersion, `${GROUP}/v1`);
    for (const version of VERSIONS) {
      const list = await server.request('GET', `/apis/${GROUP}/${version}`);
      assert.equal(list.status, 200, list.body);
      assert.ok(list.json<{ resources: { name: string }[] }>().resources.some((r) => r.name === 'editions'), version);
    }
    const out = await server.kubectl.run(['api-versions']);
    for (const version of VERSIONS) assert.ok(out.stdout.split('\n').includes(`${GROUP}/${version}`), out.stdout);
  });

  it('records only the storage version in status.storedVersions', async function () {
    assert.deepEqual((await getCRD(server, `editions.${GROUP}`)).status?.storedVersions, ['v1']);
  });

  it('reads in v1 an object written in v1alpha1, with apiVersion rewritten', async function () {
    const res = await server.request('POST', collection('v1alpha1'), { body: edition('v1alpha1', 'alpha-written', { title: 'First', pages: 10 }) });
    assert.equal(res.status, 201, res.body);
    const created = res.json<Manifest>();
    assert.equal(created.apiVersion, `${GROUP}/v1alpha1`, 'the response is in the version of the request');
    const read1 = await read('v1', 'alpha-written');
    assert.equal(read1.apiVersion, `${GROUP}/v1`);
    assert.equal(read1.kind, 'Edition');
    assert.deepEqual(read1.spec, { title: 'First', pages: 10 });
    assert.deepEqual([read1.metadata.uid, read1.metadata.resourceVersion], [created.metadata.uid, created.metadata.resourceVersion]);
  });

  it('reads in v1alpha1 an object written in v1', async function () {
    const res = await server.request('POST', collection('v1'), { body: edition('v1', 'v1-written', { title: 'Second', pages: 20 }) });
    assert.equal(res.status, 201, res.body);
    const read1 = await read('v1alpha1', 'v1-written');
    assert.equal(read1.apiVersion, `${GROUP}/v1alpha1`);
    assert.deepEqual(read1.spec, { title: 'Second', pages: 20 });
  });

  it('updates in one version an object read in the other', async function () {
    const current = await read('v1alpha1', 'v1-written');
    const res = await server.request('PUT', `${collection('v1')}/v1-written`, { body: { ...current, apiVersion: `${GROUP}/v1`, spec: { title: 'Second, revised', pages: 21 } } });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual((await read('v1alpha1', 'v1-written')).spec, { title: 'Second, revised', pages: 21 });
  });

  it('refuses a body whose apiVersion is not the version of the URL', async function () {
    const res = await server.request('POST', collection('v1'), { body: edition('v1alpha1', 'mismatched', { title: 'x' }) });
    assert.equal(res.status, 400, res.body);
    const status = res.json<StatusBody>();
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, `the API version in the data (${GROUP}/v1alpha1) does not match the expected API version (${GROUP}/v1)`);
  });

  it('lists in each version, with the list and every item in that version', async function () {
    for (const version of VERSIONS) {
      const res = await server.request('GET', collection(version));
      assert.equal(res.status, 200, res.body);
      const list = res.json<ListBody>();
      assert.deepEqual([list.kind, list.apiVersion], ['EditionList', `${GROUP}/${version}`]);
      assert.deepEqual(list.items.map((i) => i.metadata.name).sort(), ['alpha-written', 'v1-written'], version);
      for (const item of list.items) assert.equal(item.apiVersion, `${GROUP}/${version}`, `${version}: ${item.metadata.name}`);
    }
  });

  it('watches in each version, with every event in that version', async function () {
    const rv = (await server.request('GET', collection('v1'))).json<ListBody>().metadata.resourceVersion;
    const watches = VERSIONS.map((version) => ({ version, stream: server.stream(`${collection(version)}?watch=true&resourceVersion=${rv}`) }));
    try {
      const created = await server.request('POST', collection('v1alpha1'), { body: edition('v1alpha1', 'watched', { title: 'Watched', pages: 1 }) });
      assert.equal(created.status, 201, created.body);
      const patched = await server.request('PATCH', `${collection('v1')}/watched`, { body: { spec: { pages: 2 } }, headers: { 'content-type': 'application/merge-patch+json' } });
      assert.equal(patched.status, 200, patched.body);
      const deleted = await server.request('DELETE', `${collection('v1alpha1')}/watched`);
      assert.equal(deleted.status, 200, deleted.body);
      for (const { version, stream } of watches) {
        assert.equal(await stream.status, 200, version);
        const lines = stream.lines[Symbol.asyncIterator]();
        const events = [await nextEvent(lines), await nextEvent(lines), await nextEvent(lines)];
        assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'watched'], ['MODIFIED', 'watched'], ['DELETED', 'watched']], version);
        for (const e of events) assert.equal(e.object.apiVersion, `${GROUP}/${version}`, `${version} ${e.type}`);
        assert.equal((events[1].object.spec as Json).pages, 2);
      }
    } finally {
      for (const { stream } of watches) stream.close();
    }
  });

  it('prints each version with its own printer columns in kubectl get', async function () {
    const v1 = parseTable((await server.kubectl.run(['get', `editions.v1.${GROUP}`, '-n', NAMESPACE])).stdout);
    assert.deepEqual(v1.headers, ['NAME', 'TITLE', 'PAGES']);
    assert.deepEqual([rowNamed(v1, 'alpha-written').TITLE, rowNamed(v1, 'alpha-written').PAGES], ['First', '10']);
    const alpha = parseTable((await server.kubectl.run(['get', `editions.v1alpha1.${GROUP}`, '-n', NAMESPACE])).stdout);
    assert.deepEqual(alpha.headers, ['NAME', 'TITLE']);
    assert.equal(rowNamed(alpha, 'alpha-written').TITLE, 'First');
    const preferred = await server.kubectl.json<Manifest>(['get', 'ed', 'alpha-written', '-n', NAMESPACE]);
    assert.equal(preferred.apiVersion, `${GROUP}/v1`, 'kubectl uses the preferred version');
  });

  it('explains each version', async function () {
    for (const version of VERSIONS) {
      const out = await server.kubectl.run(['explain', 'editions.spec.title', `--api-version=${GROUP}/${version}`]);
      assert.match(out.stdout, new RegExp(`^VERSION:\\s+${version}$`, 'm'));
      assert.match(out.stdout, /FIELD: title <string>/);
    }
  });

  describe('storage keys by group and plural', function () {
    it('keeps apart the objects of two CRDs with the same plural in different groups', async function () {
      const groups = ['one.kapi.example.com', 'two.kapi.example.com'];
      for (const group of groups) {
        await applyCRD(server, crdVariant('gadgets.yaml', (c) => {
          c.spec.group = group;
          delete c.spec.names.shortNames;
          c.spec.names.categories = [];
        }));
        const res = await server.request('POST', namespacedPath(group, 'v1', NAMESPACE, 'gadgets'), { body: { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'twin' }, spec: { color: group } } });
        assert.equal(res.status, 201, res.body);
      }
      for (const group of groups) {
        const res = await server.request('GET', `${namespacedPath(group, 'v1', NAMESPACE, 'gadgets')}/twin`);
        assert.equal(res.status, 200, res.body);
        assert.deepEqual(res.json<Manifest>().spec, { color: group });
      }
      const removed = await server.request('DELETE', `${namespacedPath(groups[0], 'v1', NAMESPACE, 'gadgets')}/twin`);
      assert.equal(removed.status, 200, removed.body);
      assert.equal((await server.request('GET', `${namespacedPath(groups[1], 'v1', NAMESPACE, 'gadgets')}/twin`)).status, 200, 'the other group keeps its object');
    });

    it('keeps a custom resource named like a built-in one apart from the built-in objects', async function () {
      await applyCRD(server, crdVariant('gadgets.yaml', (c) => {
        c.spec.names = { plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap' };
      }));
      const custom = await server.request('POST', namespacedPath(GROUP, 'v1', NAMESPACE, 'configmaps'), { body: { apiVersion: `${GROUP}/v1`, kind: 'ConfigMap', metadata: { name: 'shared' }, spec: { size: 1 } } });
      assert.equal(custom.status, 201, custom.body);
      const core = await server.request('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { k: 'v' } } });
      assert.equal(core.status, 201, core.body);
      const coreRead = (await server.request('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps/shared`)).json<Manifest>();
      assert.deepEqual([coreRead.apiVersion, coreRead.data, coreRead.spec], ['v1', { k: 'v' }, undefined]);
      const customRead = (await server.request('GET', `${namespacedPath(GROUP, 'v1', NAMESPACE, 'configmaps')}/shared`)).json<Manifest>();
      assert.deepEqual([customRead.apiVersion, customRead.spec, customRead.data], [`${GROUP}/v1`, { size: 1 }, undefined]);
      assert.notEqual(coreRead.metadata.uid, customRead.metadata.uid);
    });
  });
});

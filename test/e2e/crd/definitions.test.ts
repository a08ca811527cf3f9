/**
 * The CustomResourceDefinition object itself, as kube-apiserver validates and maintains it:
 * name and spec validation on create and update (apiextensions validation.go, the structural
 * schema rules), the status the naming and establishing controllers write (NamesAccepted,
 * Established, acceptedNames), storedVersions (the registry strategy's PrepareForCreate and
 * PrepareForUpdate), and names that another CRD of the group already holds.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import type { ListBody } from '../kubectl/support';
import {
  applyCRD,
  causeAt,
  conditionOf,
  crdVariant,
  eventually,
  getCRD,
  invalidCauses,
  postCRD,
  type CRDManifest,
} from './support';

const GROUP = 'e2e.kapi.example.com';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** minimalCRD is the smallest valid CRD of a plural and kind in GROUP, for tests to spoil. */
function minimalCRD(plural: string, kind: string): CRDManifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
        },
      ],
    },
  };
}

/** schemaOf returns the openAPIV3Schema of a CRD's first version, for a test to change. */
function schemaOf(crd: CRDManifest): Record<string, unknown> {
  return crd.spec.versions[0].schema!.openAPIV3Schema;
}

describe('CustomResourceDefinition validation and status', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  async function mergePatchCRD(name: string, patch: object) {
    return server.request('PATCH', `${CRD_PATH}/${name}`, { body: patch, headers: { 'content-type': 'application/merge-patch+json' } });
  }

  describe('create', function () {
    it('refuses a CRD whose metadata.name is not <plural>.<group>', async function () {
      const crd = minimalCRD('misnamed', 'Misnamed');
      crd.metadata.name = `wrong.${GROUP}`;
      const causes = invalidCauses(await postCRD(server, crd));
      const cause = causeAt(causes, 'metadata.name', 'FieldValueInvalid');
      assert.equal(cause.message, `Invalid value: "wrong.${GROUP}": must be spec.names.plural+"."+spec.group`);
      // kubectl apply shows the same refusal.
      const run = await server.kubectl.run(['apply', '-f', '-'], { input: JSON.stringify(crd), allowFailure: true });
      assert.notEqual(run.code, 0);
      assert.ok(run.stderr.includes('metadata.name: Invalid value: "wrong.e2e.kapi.example.com": must be spec.names.plural+"."+spec.group'), run.stderr);
      assert.equal((await server.request('GET', `${CRD_PATH}/wrong.${GROUP}`)).status, 404);
    });

    it('refuses a group that is not a domain with a dot', async function () {
      const crd = minimalCRD('nodots', 'NoDot');
      crd.spec.group = 'nodot';
      crd.metadata.name = 'nodots.nodot';
      const cause = causeAt(invalidCauses(await postCRD(server, crd)), 'spec.group', 'FieldValueInvalid');
      assert.match(cause.message ?? '', /should be a domain with at least one dot/);
    });

    it('refuses a schema field without a type (structural schema), naming its path', async function () {
      const crd = minimalCRD('untypeds', 'Untyped');
      ((schemaOf(crd).properties as Record<string, Record<string, unknown>>).spec.properties as Record<string, unknown>).size = { description: 'no type' };
      const cause = causeAt(invalidCauses(await postCRD(server, crd)), 'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].type', 'FieldValueRequired');
      assert.equal(cause.message, 'Required value: must not be empty for specified object fields');
    });

    it('refuses a root schema that is not an object', async function () {
      const crd = minimalCRD('scalars', 'Scalar');
      crd.spec.versions[0].schema = { openAPIV3Schema: { type: 'string' } };
      const cause = causeAt(invalidCauses(await postCRD(server, crd)), 'spec.versions[0].schema.openAPIV3Schema.type', 'FieldValueInvalid');
      assert.match(cause.message ?? '', /must be object at the root/);
    });

    it('refuses versions without exactly one storage version', async function () {
      const none = minimalCRD('unstoreds', 'Unstored');
      none.spec.versions[0].storage = false;
      const cause = causeAt(invalidCauses(await postCRD(server, none)), 'spec.versions', 'FieldValueInvalid');
      assert.match(cause.message ?? '', /must have exactly one version marked as storage version/);
      const two = minimalCRD('doubles', 'Double');
      two.spec.versions.push({ ...two.spec.versions[0], name: 'v2' });
      causeAt(invalidCauses(await postCRD(server, two)), 'spec.versions', 'FieldValueInvalid');
    });

    it('refuses a schema default that its own schema rejects', async function () {
      const crd = minimalCRD('baddefaults', 'BadDefault');
      ((schemaOf(crd).properties as Record<string, Record<string, unknown>>).spec.properties as Record<string, unknown>).size = { type: 'integer', default: 'three' };
      causeAt(invalidCauses(await postCRD(server, crd)), 'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].default');
    });

    it('refuses the Webhook conversion strategy with a message naming the supported one', async function () {
      const crd = minimalCRD('webhooked', 'Webhooked');
      crd.spec.conversion = { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://convert.example.com/convert' } } };
      const cause = causeAt(invalidCauses(await postCRD(server, crd)), 'spec.conversion.strategy');
      assert.ok((cause.message ?? '').includes('"Webhook"') && (cause.message ?? '').includes('"None"'), cause.message);
      assert.equal((await server.request('GET', `${CRD_PATH}/webhooked.${GROUP}`)).status, 404, 'nothing was stored');
    });

    it('records the storage version in status.storedVersions already in the create response', async function () {
      const res = await postCRD(server, minimalCRD('freshes', 'Fresh'));
      assert.equal(res.status, 201, res.body);
      const created = res.json<CRDManifest>();
      assert.deepEqual(created.status?.storedVersions, ['v1']);
      assert.equal(created.metadata.generation, 1);
      // v1 defaults: singular and listKind from the kind, conversion strategy None.
      assert.deepEqual([created.spec.names.singular, created.spec.names.listKind, created.spec.conversion], ['fresh', 'FreshList', { strategy: 'None' }]);
    });
  });

  describe('status', function () {
    it('reports NamesAccepted and Established, the accepted names and the stored versions once kubectl wait returns', async function () {
      const crd = crdVariant('gadgets.yaml', () => {});
      await applyCRD(server, crd);
      await server.kubectl.run(['wait', '--for', 'condition=NamesAccepted', `crd/${crd.metadata.name}`, '--timeout=30s']);
      const got = await getCRD(server, crd.metadata.name);
      const names = conditionOf(got, 'NamesAccepted');
      const established = conditionOf(got, 'Established');
      assert.deepEqual([names?.status, names?.reason, names?.message], ['True', 'NoConflicts', 'no conflicts found']);
      assert.deepEqual([established?.status, established?.reason, established?.message], ['True', 'InitialNamesAccepted', 'the initial names have been accepted']);
      for (const c of [names, established]) assert.match(c?.lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(got.status?.acceptedNames, {
        plural: 'gadgets',
        singular: 'gadget',
        kind: 'Gadget',
        listKind: 'GadgetList',
        shortNames: ['gd', 'gdt'],
        categories: ['all', 'kapi-e2e'],
      });
      assert.deepEqual(got.status?.storedVersions, ['v1']);
    });

    it('does not accept a kind another CRD of the group already holds, and does not serve it', async function () {
      const clash = minimalCRD('clashingkinds', 'Gadget');
      // Only the kind clashes: the singular and listKind (defaulted from the kind) are made unique.
      clash.spec.names.singular = 'clashingkind';
      clash.spec.names.listKind = 'ClashingKindList';
      const res = await postCRD(server, clash);
      assert.equal(res.status, 201, res.body);
      await server.kubectl.run(['wait', '--for', 'condition=NamesAccepted=False', `crd/${clash.metadata.name}`, '--timeout=30s']);
      const got = await getCRD(server, clash.metadata.name);
      const names = conditionOf(got, 'NamesAccepted');
      assert.deepEqual([names?.reason, names?.message], ['KindConflict', '"Gadget" is already in use']);
      const established = conditionOf(got, 'Established');
      assert.deepEqual([established?.status, established?.reason, established?.message], ['False', 'NotAccepted', 'not all names are accepted']);
      assert.equal((await server.request('GET', `/apis/${GROUP}/v1/clashingkinds`)).status, 404, 'a CRD whose names are not accepted is not served');
    });

    it('does not accept a short name another CRD of the group already holds', async function () {
      const clash = minimalCRD('clashingshorts', 'ClashingShort');
      clash.spec.names.shortNames = ['gd'];
      const res = await postCRD(server, clash);
      assert.equal(res.status, 201, res.body);
      await server.kubectl.run(['wait', '--for', 'condition=NamesAccepted=False', `crd/${clash.metadata.name}`, '--timeout=30s']);
      const names = conditionOf(await getCRD(server, clash.metadata.name), 'NamesAccepted');
      assert.deepEqual([names?.reason, names?.message], ['ShortNamesConflict', '"gd" is already in use']);
    });

    it('accepts a short name added later and serves it', async function () {
      const crd = crdVariant('gadgets.yaml', (c) => {
        c.spec.names = { plural: 'sprockets', singular: 'sprocket', kind: 'Sprocket' };
      });
      await applyCRD(server, crd);
      const res = await mergePatchCRD(crd.metadata.name, { spec: { names: { shortNames: ['spr'] } } });
      assert.equal(res.status, 200, res.body);
      await eventually(async () => {
        assert.deepEqual((await getCRD(server, crd.metadata.name)).status?.acceptedNames?.shortNames, ['spr']);
      });
      const created = await server.request('POST', `/apis/${GROUP}/v1/namespaces/default/sprockets`, { body: { apiVersion: `${GROUP}/v1`, kind: 'Sprocket', metadata: { name: 'one' } } });
      assert.equal(created.status, 201, created.body);
      // kubectl finds an unknown short name by refreshing its discovery.
      const out = await server.kubectl.run(['get', 'spr', '-n', 'default', '-o', 'name']);
      assert.equal(out.stdout.trim(), `sprocket.${GROUP}/one`);
    });
  });

  describe('update', function () {
    let name: string;

    before(async function () {
      const crd = crdVariant('editions.yaml', (c) => {
        c.spec.names = { plural: 'volumes', singular: 'volume', kind: 'Volume' };
        // Start with v1alpha1 as the storage version; the tests move it.
        c.spec.versions[0].storage = true;
        c.spec.versions[1].storage = false;
      });
      name = crd.metadata.name;
      await applyCRD(server, crd);
      assert.deepEqual((await getCRD(server, name)).status?.storedVersions, ['v1alpha1']);
    });

    it('refuses changing the scope or the kind of an established CRD', async function () {
      const scope = await mergePatchCRD(name, { spec: { scope: 'Cluster' } });
      const scopeCause = causeAt(invalidCauses(scope), 'spec.scope', 'FieldValueInvalid');
      assert.match(scopeCause.message ?? '', /field is immutable/);
      const kind = await mergePatchCRD(name, { spec: { names: { kind: 'Tome' } } });
      const kindCause = causeAt(invalidCauses(kind), 'spec.names.kind', 'FieldValueInvalid');
      assert.match(kindCause.message ?? '', /field is immutable/);
      const got = await getCRD(server, name);
      assert.deepEqual([got.spec.scope, got.spec.names.kind], ['Namespaced', 'Volume']);
    });

    it('refuses changing the group or the plural', async function () {
      causeAt(invalidCauses(await mergePatchCRD(name, { spec: { group: 'other.kapi.example.com' } })), 'spec.group', 'FieldValueInvalid');
      causeAt(invalidCauses(await mergePatchCRD(name, { spec: { names: { plural: 'tomes' } } })), 'spec.names.plural', 'FieldValueInvalid');
    });

    it('adds a new storage version to status.storedVersions in the update that makes it the storage version', async function () {
      const crd = await getCRD(server, name);
      crd.spec.versions = crd.spec.versions.map((v) => ({ ...v, storage: v.name === 'v1' }));
      const res = await server.request('PUT', `${CRD_PATH}/${name}`, { body: crd });
      assert.equal(res.status, 200, res.body);
      const updated = res.json<CRDManifest>();
      assert.deepEqual(updated.status?.storedVersions, ['v1alpha1', 'v1']);
      assert.equal(updated.metadata.generation, 2, 'a spec change moves the generation');
    });

    it('refuses dropping a version that is still listed in status.storedVersions', async function () {
      const crd = await getCRD(server, name);
      crd.spec.versions = crd.spec.versions.filter((v) => v.name !== 'v1alpha1');
      const causes = invalidCauses(await server.request('PUT', `${CRD_PATH}/${name}`, { body: crd }));
      const cause = causeAt(causes, 'status.storedVersions[0]', 'FieldValueInvalid');
      assert.match(cause.message ?? '', /missing from spec\.versions; v1alpha1 was previously a storage version/);
      assert.deepEqual((await getCRD(server, name)).spec.versions.map((v) => v.name), ['v1alpha1', 'v1']);
    });
  });

  describe('scope', function () {
    it('serves a Cluster-scoped CRD without namespaces', async function () {
      const crd = crdVariant('gadgets.yaml', (c) => {
        c.spec.names = { plural: 'regions', singular: 'region', kind: 'Region' };
        c.spec.scope = 'Cluster';
      });
      await applyCRD(server, crd);
      const created = await server.request('POST', `/apis/${GROUP}/v1/regions`, { body: { apiVersion: `${GROUP}/v1`, kind: 'Region', metadata: { name: 'eu-west' }, spec: { size: 3 } } });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.json<{ metadata: { namespace?: string } }>().metadata.namespace, undefined);
      assert.equal((await server.request('GET', `/apis/${GROUP}/v1/namespaces/default/regions`)).status, 404, 'no namespaced path for a cluster-scoped kind');
      const list = await server.request('GET', `/apis/${GROUP}/v1/regions`);
      assert.deepEqual(list.json<ListBody>().items.map((i) => i.metadata.name), ['eu-west']);
      const out = await server.kubectl.run(['get', 'regions', '-o', 'name']);
      assert.equal(out.stdout.trim(), `region.${GROUP}/eu-west`);
    });
  });
});

/**
 * CRD validation ratcheting (KEP-4008, GA in Kubernetes 1.33): after a CRD's schema is made
 * stricter, objects stored under the old schema can still be updated, as long as the update
 * leaves their invalid parts unchanged. Unchanged means correlated with the old object: fields by
 * name, map values by key, items of x-kubernetes-list-type=map lists by their keys; items of
 * other lists do not correlate, so a list that changed is validated whole.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { applyCRD, causeAt, getCRD, invalidCauses, namespacedPath, type CRDManifest } from './support';

const GROUP = 'ratchet.kapi.example.com';
const NAME = `gauges.${GROUP}`;
const GAUGES = namespacedPath(GROUP, 'v1', 'default', 'gauges');

type Json = Record<string, unknown>;

/** crd is the Gauge CRD; `strict` adds the limits the objects below were created without. */
function crd(strict: boolean): CRDManifest {
  const size: Json = { type: 'integer' };
  const name: Json = { type: 'string' };
  if (strict) {
    size.maximum = 10;
    name.pattern = '^[a-z]+$';
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: NAME },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'gauges', singular: 'gauge', kind: 'Gauge', listKind: 'GaugeList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: size,
                    label: { type: 'string' },
                    ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: name, size: size } } },
                    tags: { type: 'array', items: { type: 'object', properties: { name: name } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  } as unknown as CRDManifest;
}

describe('CRD validation ratcheting', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await applyCRD(server, crd(false));
    const res = await server.request('POST', GAUGES, {
      body: {
        apiVersion: `${GROUP}/v1`,
        kind: 'Gauge',
        metadata: { name: 'legacy' },
        spec: { size: 100, label: 'a', ports: [{ name: 'Web', size: 50 }, { name: 'db', size: 1 }], tags: [{ name: 'Old' }, { name: 'ok' }] },
      },
    });
    assert.equal(res.status, 201, res.body);
    // The CRD becomes stricter: `legacy` now breaks it in four places.
    const current = await getCRD(server, NAME);
    const res2 = await server.request('PUT', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${NAME}`, { body: { ...crd(true), metadata: current.metadata } });
    assert.equal(res2.status, 200, res2.body);
  });

  after(async function () {
    await server?.dispose();
  });

  const patch = (name: string, body: Json) => server.request('PATCH', `${GAUGES}/${name}`, { body, headers: { 'content-type': 'application/merge-patch+json' } });

  it('refuses a new object that breaks the stricter schema (nothing to ratchet against)', async function () {
    const res = await server.request('POST', GAUGES, { body: { apiVersion: `${GROUP}/v1`, kind: 'Gauge', metadata: { name: 'fresh' }, spec: { size: 100 } } });
    causeAt(invalidCauses(res), 'spec.size', 'FieldValueInvalid');
  });

  it('accepts an update that leaves every invalid part of a stored object as it was', async function () {
    const res = await patch('legacy', { spec: { label: 'b' } });
    assert.equal(res.status, 200, res.body);
    const obj = res.json<{ spec: Json }>();
    assert.equal(obj.spec.label, 'b');
    assert.equal(obj.spec.size, 100);
  });

  it('refuses an update that changes an invalid field to another invalid value', async function () {
    const causes = invalidCauses(await patch('legacy', { spec: { size: 99 } }));
    causeAt(causes, 'spec.size', 'FieldValueInvalid');
    assert.equal(causes.length, 1, JSON.stringify(causes));
  });

  it('correlates map-list items by key: another item may change while an invalid one stays', async function () {
    const res = await patch('legacy', { spec: { ports: [{ name: 'Web', size: 50 }, { name: 'db', size: 2 }] } });
    assert.equal(res.status, 200, res.body);
    const causes = invalidCauses(await patch('legacy', { spec: { ports: [{ name: 'Web', size: 51 }, { name: 'db', size: 2 }] } }));
    causeAt(causes, 'spec.ports[0].size', 'FieldValueInvalid');
    assert.equal(causes.length, 1, JSON.stringify(causes));
  });

  it('validates a changed list without map keys whole: its unchanged invalid item is refused too', async function () {
    const causes = invalidCauses(await patch('legacy', { spec: { tags: [{ name: 'Old' }, { name: 'new' }] } }));
    causeAt(causes, 'spec.tags[0].name', 'FieldValueInvalid');
    assert.equal(causes.length, 1, JSON.stringify(causes));
  });
});

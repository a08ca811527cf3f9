/**
 * Ingress served in networking.k8s.io/v1 (the storage version) and v1beta1, converted as
 * k8s.io/kubernetes pkg/apis/networking/v1beta1/conversion.go does:
 *
 * - v1beta1 `backend.serviceName`/`servicePort` (a number or a name) <-> v1
 *   `backend.service.name`/`port.number|name`; v1beta1 `spec.backend` <-> v1 `spec.defaultBackend`;
 *   resource backends unchanged;
 * - v1beta1 defaults `pathType` to ImplementationSpecific (networking/v1beta1/defaults.go), which
 *   v1 reads back; v1 requires pathType;
 * - LIST and WATCH answer in the version asked for; discovery prefers v1; every v1beta1 request
 *   carries kube-apiserver's deprecation Warning (pkg/endpoints/deprecation, from the type's
 *   prerelease-lifecycle tags: deprecated 1.19, removed 1.22, replaced by networking.k8s.io/v1).
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import {
  assertStatus,
  createNamespaceNamed,
  expectCreated,
  getJson,
  kubectlWarnings,
  listResourceVersion,
  openWatch,
  warningTexts,
  type Json,
} from '../writepath/support';

const NS = 'ingress-versions';
const V1 = `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses`;
const V1BETA1 = `/apis/networking.k8s.io/v1beta1/namespaces/${NS}/ingresses`;
const DEPRECATION = 'networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress';
const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** betaIngress is written in v1beta1: a default backend by number, a named port, a path without pathType. */
const betaIngress: Json = {
  apiVersion: 'networking.k8s.io/v1beta1',
  kind: 'Ingress',
  metadata: { name: 'from-beta' },
  spec: {
    backend: { serviceName: 'fallback', servicePort: 80 },
    rules: [
      {
        host: 'beta.example.com',
        http: {
          paths: [
            { path: '/api', backend: { serviceName: 'api', servicePort: 'http' } },
            { path: '/web', pathType: 'Prefix', backend: { serviceName: 'web', servicePort: 8080 } },
          ],
        },
      },
    ],
  },
};

/** v1Ingress is written in v1: a named default port, a class, TLS and an Exact path. */
const v1Ingress: Json = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'from-v1' },
  spec: {
    ingressClassName: 'nginx',
    defaultBackend: { service: { name: 'fallback', port: { name: 'http' } } },
    tls: [{ hosts: ['v1.example.com'], secretName: 'v1-tls' }],
    rules: [
      {
        host: 'v1.example.com',
        http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'site', port: { number: 443 } } } }] },
      },
    ],
  },
};

describe('Ingress in networking.k8s.io/v1beta1 and v1: conversion, defaults, list, watch, discovery, warnings', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('created in v1beta1', function () {
    let created: Json;

    before(async function () {
      const res = await server.request('POST', V1BETA1, { body: betaIngress });
      assert.equal(res.status, 201, res.body);
      created = res.json<Json>();
    });

    it('answers the create in v1beta1 with pathType defaulted to ImplementationSpecific', async function () {
      assert.equal(created.apiVersion, 'networking.k8s.io/v1beta1');
      assert.equal(created.kind, 'Ingress');
      assert.deepEqual(created.spec, {
        backend: { serviceName: 'fallback', servicePort: 80 },
        rules: [
          {
            host: 'beta.example.com',
            http: {
              paths: [
                { path: '/api', pathType: 'ImplementationSpecific', backend: { serviceName: 'api', servicePort: 'http' } },
                { path: '/web', pathType: 'Prefix', backend: { serviceName: 'web', servicePort: 8080 } },
              ],
            },
          },
        ],
      });
      assert.deepEqual(created.status, { loadBalancer: {} });
    });

    it('reads it in v1 with defaultBackend and service.name/port.number|name', async function () {
      const v1 = await getJson(server, `${V1}/from-beta`);
      assert.equal(v1.apiVersion, 'networking.k8s.io/v1');
      assert.deepEqual(v1.spec, {
        defaultBackend: { service: { name: 'fallback', port: { number: 80 } } },
        rules: [
          {
            host: 'beta.example.com',
            http: {
              paths: [
                { path: '/api', pathType: 'ImplementationSpecific', backend: { service: { name: 'api', port: { name: 'http' } } } },
                { path: '/web', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 8080 } } } },
              ],
            },
          },
        ],
      });
      assert.equal(v1.metadata.uid, created.metadata.uid);
      assert.equal(v1.metadata.resourceVersion, created.metadata.resourceVersion, 'one stored object, two views');
    });
  });

  describe('created in v1', function () {
    before(async function () {
      const res = await server.request('POST', V1, { body: v1Ingress });
      assert.equal(res.status, 201, res.body);
      assert.deepEqual(warningTexts(res), [], 'v1 is not deprecated');
    });

    it('reads it in v1beta1 with backend and serviceName/servicePort', async function () {
      const beta = await getJson(server, `${V1BETA1}/from-v1`);
      assert.equal(beta.apiVersion, 'networking.k8s.io/v1beta1');
      assert.deepEqual(beta.spec, {
        ingressClassName: 'nginx',
        backend: { serviceName: 'fallback', servicePort: 'http' },
        tls: [{ hosts: ['v1.example.com'], secretName: 'v1-tls' }],
        rules: [
          { host: 'v1.example.com', http: { paths: [{ path: '/', pathType: 'Exact', backend: { serviceName: 'site', servicePort: 443 } }] } },
        ],
      });
    });

    it('writes back through v1beta1 without losing what v1 holds', async function () {
      const beta = await getJson(server, `${V1BETA1}/from-v1`);
      beta.metadata.labels = { touched: 'beta' };
      const res = await server.request('PUT', `${V1BETA1}/from-v1`, { body: beta });
      assert.equal(res.status, 200, res.body);
      const v1 = await getJson(server, `${V1}/from-v1`);
      assert.deepEqual(v1.spec, v1Ingress.spec);
      assert.deepEqual(v1.metadata.labels, { touched: 'beta' });
    });

    it('converts a status written in v1 to v1beta1', async function () {
      const current = await getJson(server, `${V1}/from-v1`);
      const loadBalancer = { ingress: [{ ip: '192.0.2.10', ports: [{ port: 443, protocol: 'TCP' }] }] };
      const res = await server.request('PUT', `${V1}/from-v1/status`, { body: { ...current, status: { loadBalancer } } });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual((await getJson(server, `${V1BETA1}/from-v1`)).status, { loadBalancer });
    });
  });

  it('converts a resource backend both ways', async function () {
    const resource = { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' };
    await expectCreated(server, V1, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'resource-backend' },
      spec: { defaultBackend: { resource } },
    });
    assert.deepEqual((await getJson(server, `${V1BETA1}/resource-backend`)).spec, { backend: { resource } });
  });

  it('requires pathType in v1 (422 Required)', async function () {
    const res = await server.request('POST', V1, {
      body: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'no-path-type' },
        spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 's', port: { number: 80 } } } }] } }] },
      },
    });
    const status = assertStatus(res, {
      code: 422,
      reason: 'Invalid',
      message: 'Ingress.networking.k8s.io "no-path-type" is invalid: spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    });
    assert.deepEqual(status.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value: pathType must be specified', field: 'spec.rules[0].http.paths[0].pathType' },
    ]);
  });

  describe('LIST', function () {
    it('lists in v1beta1 as an IngressList of v1beta1 objects', async function () {
      const list = await getJson(server, V1BETA1);
      assert.equal(list.kind, 'IngressList');
      assert.equal(list.apiVersion, 'networking.k8s.io/v1beta1');
      const fromV1 = (list.items as Json[]).find((i) => i.metadata.name === 'from-v1');
      assert.deepEqual(fromV1?.spec.backend, { serviceName: 'fallback', servicePort: 'http' });
      assert.equal(fromV1?.spec.defaultBackend, undefined);
    });

    it('lists in v1 as an IngressList of v1 objects', async function () {
      const list = await getJson(server, V1);
      assert.equal(list.apiVersion, 'networking.k8s.io/v1');
      const fromBeta = (list.items as Json[]).find((i) => i.metadata.name === 'from-beta');
      assert.deepEqual(fromBeta?.spec.defaultBackend, { service: { name: 'fallback', port: { number: 80 } } });
      assert.equal(fromBeta?.spec.backend, undefined);
    });

    it('lists with kubectl get ingresses.v1beta1.networking.k8s.io, printing the deprecation warning', async function () {
      const out = await server.kubectl.run(['get', 'ingresses.v1beta1.networking.k8s.io', '-n', NS, '-o', 'json']);
      const list = JSON.parse(out.stdout) as Json;
      const names = (list.items as Json[]).map((i) => i.metadata.name);
      for (const name of ['from-beta', 'from-v1', 'resource-backend']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
      for (const item of list.items as Json[]) assert.equal(item.apiVersion, 'networking.k8s.io/v1beta1');
      const fromV1 = (list.items as Json[]).find((i) => i.metadata.name === 'from-v1');
      assert.equal(fromV1?.spec.backend.serviceName, 'fallback');
      assert.ok(kubectlWarnings(out.stderr).includes(DEPRECATION), out.stderr);
    });

    it('prints the table for kubectl get ingresses.v1beta1.networking.k8s.io', async function () {
      const out = await server.kubectl.run(['get', 'ingresses.v1beta1.networking.k8s.io', 'from-v1', '-n', NS]);
      const [header, row] = out.stdout.trim().split('\n');
      assert.deepEqual(header.split(/\s{2,}/), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
      assert.match(row, /^from-v1\s+nginx\s+v1\.example\.com\s+192\.0\.2\.10\s+80, 443\s+\S+$/);
    });

    it('gets with kubectl get ingress (v1, preferred) without a warning', async function () {
      const out = await server.kubectl.run(['get', 'ingress', 'from-beta', '-n', NS, '-o', 'json']);
      const obj = JSON.parse(out.stdout) as Json;
      assert.equal(obj.apiVersion, 'networking.k8s.io/v1');
      assert.deepEqual(kubectlWarnings(out.stderr), []);
    });
  });

  it('sends each watcher its events converted to the version it watches', async function () {
    const rv = await listResourceVersion(server, V1);
    const v1Watch = openWatch(server, V1, rv);
    const betaWatch = openWatch(server, V1BETA1, rv);
    try {
      await expectCreated(server, V1, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'watched' },
        spec: { defaultBackend: { service: { name: 'watched-svc', port: { number: 9090 } } } },
      });
      const [v1Event, betaEvent] = await Promise.all([v1Watch.events(), betaWatch.events()]);
      assert.equal(v1Event.type, 'ADDED');
      assert.equal(v1Event.object.apiVersion, 'networking.k8s.io/v1');
      assert.deepEqual((v1Event.object as Json).spec, { defaultBackend: { service: { name: 'watched-svc', port: { number: 9090 } } } });
      assert.equal(betaEvent.type, 'ADDED');
      assert.equal(betaEvent.object.apiVersion, 'networking.k8s.io/v1beta1');
      assert.deepEqual((betaEvent.object as Json).spec, { backend: { serviceName: 'watched-svc', servicePort: 9090 } });
    } finally {
      v1Watch.close();
      betaWatch.close();
    }
  });

  it('serves an IngressClass created in v1 in v1beta1, with IngressClass\'s own deprecation warning', async function () {
    await expectCreated(server, '/apis/networking.k8s.io/v1/ingressclasses', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'versions-class', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } },
      spec: { controller: 'example.com/ingress-controller' },
    });
    const res = await server.request('GET', '/apis/networking.k8s.io/v1beta1/ingressclasses/versions-class');
    assert.equal(res.status, 200, res.body);
    const beta = res.json<Json>();
    assert.equal(beta.apiVersion, 'networking.k8s.io/v1beta1');
    assert.deepEqual(beta.spec, { controller: 'example.com/ingress-controller' });
    // The type's replacement tag names IngressClassList (k8s.io/api networking/v1beta1/types.go).
    assert.deepEqual(warningTexts(res), [
      'networking.k8s.io/v1beta1 IngressClass is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 IngressClassList',
    ]);
  });

  describe('discovery and deprecation', function () {
    it('names v1 as the preferred version of networking.k8s.io and lists it first', async function () {
      const group = await getJson(server, '/apis/networking.k8s.io');
      assert.deepEqual(group.preferredVersion, { groupVersion: 'networking.k8s.io/v1', version: 'v1' });
      assert.deepEqual(
        (group.versions as Json[]).map((v) => v.version),
        ['v1', 'v1beta1'],
      );
      const groups = await getJson(server, '/apis');
      const networking = (groups.groups as Json[]).find((g) => g.name === 'networking.k8s.io');
      assert.deepEqual(networking?.preferredVersion, { groupVersion: 'networking.k8s.io/v1', version: 'v1' });
    });

    it('lists v1 first in aggregated discovery (the first version is the preferred one)', async function () {
      const res = await server.request('GET', '/apis', { headers: { accept: AGGREGATED_DISCOVERY } });
      assert.equal(res.status, 200, res.body);
      const networking = (res.json<Json>().items as Json[]).find((g) => g.metadata.name === 'networking.k8s.io');
      assert.deepEqual((networking?.versions as Json[]).map((v) => v.version), ['v1', 'v1beta1']);
    });

    it('sends the deprecation Warning on GET, LIST and create in v1beta1', async function () {
      for (const res of [
        await server.request('GET', `${V1BETA1}/from-beta`),
        await server.request('GET', V1BETA1),
        await server.request('POST', V1BETA1, { body: { ...betaIngress, metadata: { name: 'warned' } } }),
      ]) {
        assert.ok(res.status < 300, res.body);
        assert.deepEqual(warningTexts(res), [DEPRECATION]);
      }
    });

    it('sends no Warning on the same requests in v1', async function () {
      for (const res of [await server.request('GET', `${V1}/from-beta`), await server.request('GET', V1)]) {
        assert.equal(res.status, 200);
        assert.deepEqual(warningTexts(res), []);
      }
    });

    it('makes kubectl print the deprecation warning when creating in v1beta1', async function () {
      const out = await server.kubectl.run(['create', '-n', NS, '-f', '-'], { input: JSON.stringify({ ...betaIngress, metadata: { name: 'kubectl-beta' } }) });
      assert.equal(out.stdout.trim(), 'ingress.networking.k8s.io/kubectl-beta created');
      assert.ok(kubectlWarnings(out.stderr).includes(DEPRECATION), out.stderr);
    });
  });
});

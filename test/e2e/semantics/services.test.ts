/**
 * Service IP and node port allocation as kube-apiserver's service REST storage does it
 * (pkg/registry/core/service/storage/alloc.go, ipallocator, portallocator):
 *
 * - cluster IPs come from --service-cluster-ip-range (kapi's default 10.0.0.0/24), never twice,
 *   not even under concurrent creates; headless services get `None`; a requested IP is honoured;
 *   a taken one is 422 `failed to allocate IP <ip>: provided IP is already allocated` and one
 *   outside every service CIDR is 422 `... the provided network does not match the current range`
 *   (the MetaAllocator of the MultiCIDRServiceAllocator, default since 1.33); deleting a service
 *   releases its IP for reuse;
 * - node ports come from 30000-32767 for NodePort and LoadBalancer services with the same rules
 *   (`provided port is already allocated`, `provided port is not in the valid range. The range of
 *   valid ports is 30000-32767`);
 * - allocations survive a restart on the same data dir.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { isInCidr } from '../kubectl/support';
import { assertStatus, createNamespaceNamed, expectCreated, getJson, type Json } from '../writepath/support';

const NS = 'allocation';
const SERVICES = `/api/v1/namespaces/${NS}/services`;
const SERVICE_CIDR = '10.0.0.0/24';
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
/** CONCURRENT_CREATES is how many services are created at once to catch double allocation. */
const CONCURRENT_CREATES = 40;

function service(name: string, spec: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

function nodePortService(name: string, nodePort?: number, type = 'NodePort'): Json {
  return service(name, { type, ports: [{ port: 80, ...(nodePort === undefined ? {} : { nodePort }) }] });
}

describe('service cluster IP and node port allocation', function () {
  let server: TestServer;
  /** requested is an IP of the range no service holds yet, picked after the concurrent creates. */
  let requested: string;
  /** requestedPort is a node port no service holds yet, picked after the concurrent creates. */
  let requestedPort: number;
  /** first is the server before the restart; it owns the data dir and removes it on dispose. */
  let first: TestServer | undefined;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
    await first?.dispose();
  });

  describe('cluster IPs', function () {
    it('gives distinct IPs from the service CIDR to services created concurrently', async function () {
      const kubernetes = await getJson(server, '/api/v1/namespaces/default/services/kubernetes');
      const created = await Promise.all(
        Array.from({ length: CONCURRENT_CREATES }, (_, i) => expectCreated(server, SERVICES, service(`burst-${i}`))),
      );
      const ips = created.map((s) => s.spec.clusterIP as string);
      for (const ip of ips) assert.ok(isInCidr(ip, SERVICE_CIDR), `${ip} is not in ${SERVICE_CIDR}`);
      assert.equal(new Set(ips).size, CONCURRENT_CREATES, `duplicates among ${ips.join(' ')}`);
      assert.ok(!ips.includes(kubernetes.spec.clusterIP), 'the kubernetes service keeps its IP');
      assert.ok(!ips.includes('10.0.0.0') && !ips.includes('10.0.0.255'), 'network and broadcast addresses are never handed out');
      for (const s of created) assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    });

    it('stores the same IPs it answered with', async function () {
      const list = await getJson(server, SERVICES);
      const stored = (list.items as Json[]).filter((s) => s.metadata.name.startsWith('burst-')).map((s) => s.spec.clusterIP);
      assert.equal(new Set(stored).size, CONCURRENT_CREATES);
    });

    it('sets clusterIP and clusterIPs to None for a headless service', async function () {
      const svc = await expectCreated(server, SERVICES, service('headless', { clusterIP: 'None' }));
      assert.equal(svc.spec.clusterIP, 'None');
      assert.deepEqual(svc.spec.clusterIPs, ['None']);
    });

    it('honours a requested cluster IP inside the range', async function () {
      const used = new Set(((await getJson(server, '/api/v1/services')).items as Json[]).map((s) => s.spec.clusterIP));
      requested = Array.from({ length: 54 }, (_, i) => `10.0.0.${200 + i}`).find((ip) => !used.has(ip))!;
      const svc = await expectCreated(server, SERVICES, service('wants-ip', { clusterIP: requested }));
      assert.equal(svc.spec.clusterIP, requested);
      assert.deepEqual(svc.spec.clusterIPs, [requested]);
    });

    it('refuses a requested cluster IP that is taken with 422 on spec.clusterIPs', async function () {
      const res = await server.request('POST', SERVICES, { body: service('also-wants-ip', { clusterIP: requested }) });
      const detail = `Invalid value: ["${requested}"]: failed to allocate IP ${requested}: provided IP is already allocated`;
      const status = assertStatus(res, { code: 422, reason: 'Invalid', message: `Service "also-wants-ip" is invalid: spec.clusterIPs: ${detail}` });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueInvalid', message: detail, field: 'spec.clusterIPs' }]);
    });

    it('refuses a requested cluster IP outside the service CIDR with 422', async function () {
      const res = await server.request('POST', SERVICES, { body: service('outside', { clusterIP: '192.168.7.7' }) });
      assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Service "outside" is invalid: spec.clusterIPs: Invalid value: ["192.168.7.7"]: failed to allocate IP 192.168.7.7: the provided network does not match the current range',
      });
    });

    it('releases the IP of a deleted service so it can be requested again', async function () {
      const del = await server.request('DELETE', `${SERVICES}/wants-ip`);
      assert.equal(del.status, 200, del.body);
      const svc = await expectCreated(server, SERVICES, service('reuses-ip', { clusterIP: requested }));
      assert.equal(svc.spec.clusterIP, requested);
    });

    it('does not allocate an IP for an ExternalName service', async function () {
      const svc = await expectCreated(server, SERVICES, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'external' },
        spec: { type: 'ExternalName', externalName: 'db.example.com' },
      });
      assert.equal(svc.spec.clusterIP, undefined);
      assert.equal(svc.spec.clusterIPs, undefined);
    });
  });

  describe('node ports', function () {
    it('allocates a node port in 30000-32767 for a NodePort service', async function () {
      const svc = await expectCreated(server, SERVICES, nodePortService('np-auto'));
      const port = svc.spec.ports[0].nodePort as number;
      assert.ok(port >= NODE_PORT_MIN && port <= NODE_PORT_MAX, `nodePort ${port}`);
    });

    it('allocates a node port for a LoadBalancer service (allocateLoadBalancerNodePorts defaults to true)', async function () {
      const svc = await expectCreated(server, SERVICES, nodePortService('lb-auto', undefined, 'LoadBalancer'));
      assert.equal(svc.spec.allocateLoadBalancerNodePorts, true);
      assert.equal(svc.spec.externalTrafficPolicy, 'Cluster');
      const port = svc.spec.ports[0].nodePort as number;
      assert.ok(port >= NODE_PORT_MIN && port <= NODE_PORT_MAX, `nodePort ${port}`);
    });

    it('gives distinct node ports to NodePort services created concurrently', async function () {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => expectCreated(server, SERVICES, nodePortService(`np-burst-${i}`))));
      const ports = created.map((s) => s.spec.ports[0].nodePort as number);
      assert.equal(new Set(ports).size, ports.length, `duplicates among ${ports.join(' ')}`);
    });

    it('honours a requested node port', async function () {
      const used = new Set(((await getJson(server, '/api/v1/services')).items as Json[]).flatMap((s) => (s.spec.ports ?? []).map((p: Json) => p.nodePort)));
      requestedPort = Array.from({ length: 100 }, (_, i) => 30080 + i).find((p) => !used.has(p))!;
      const svc = await expectCreated(server, SERVICES, nodePortService('np-requested', requestedPort));
      assert.equal(svc.spec.ports[0].nodePort, requestedPort);
    });

    it('refuses a node port that is taken with 422 on spec.ports[0].nodePort', async function () {
      const res = await server.request('POST', SERVICES, { body: nodePortService('np-requested-again', requestedPort) });
      const detail = `Invalid value: ${requestedPort}: provided port is already allocated`;
      const status = assertStatus(res, { code: 422, reason: 'Invalid', message: `Service "np-requested-again" is invalid: spec.ports[0].nodePort: ${detail}` });
      assert.deepEqual(status.details?.causes, [{ reason: 'FieldValueInvalid', message: detail, field: 'spec.ports[0].nodePort' }]);
    });

    it('refuses a node port outside 30000-32767 with 422 naming the range', async function () {
      const res = await server.request('POST', SERVICES, { body: nodePortService('np-40000', 40000) });
      assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Service "np-40000" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
      });
    });

    it('releases the node port of a deleted service for reuse', async function () {
      const del = await server.request('DELETE', `${SERVICES}/np-requested`);
      assert.equal(del.status, 200, del.body);
      const svc = await expectCreated(server, SERVICES, nodePortService('np-requested-reused', requestedPort));
      assert.equal(svc.spec.ports[0].nodePort, requestedPort);
    });
  });

  describe('after a restart on the same data dir', function () {
    let beforeRestart: Json[];

    before(async function () {
      beforeRestart = (await getJson(server, SERVICES)).items as Json[];
      first = server;
      await first.stop();
      server = await TestServer.start({ dataDir: first.dataDir });
    });

    // The exact message shape is pinned down above; these tests are about what was remembered.
    it('still refuses a cluster IP allocated before the restart', async function () {
      const res = await server.request('POST', SERVICES, { body: service('after-restart-ip', { clusterIP: requested }) });
      const status = assertStatus(res, { code: 422, reason: 'Invalid' });
      assert.ok(status.message.endsWith(`failed to allocate IP ${requested}: provided IP is already allocated`), status.message);
    });

    it('still refuses a node port allocated before the restart', async function () {
      const res = await server.request('POST', SERVICES, { body: nodePortService('after-restart-port', requestedPort) });
      assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: `Service "after-restart-port" is invalid: spec.ports[0].nodePort: Invalid value: ${requestedPort}: provided port is already allocated`,
      });
    });

    it('hands out only free IPs after the restart', async function () {
      const taken = new Set(beforeRestart.map((s) => s.spec.clusterIP).filter((ip) => typeof ip === 'string' && ip !== 'None'));
      const created = await Promise.all(Array.from({ length: 10 }, (_, i) => expectCreated(server, SERVICES, service(`post-restart-${i}`))));
      for (const s of created) assert.ok(!taken.has(s.spec.clusterIP), `${s.spec.clusterIP} was already allocated before the restart`);
      assert.equal(new Set(created.map((s) => s.spec.clusterIP)).size, created.length);
    });
  });
});

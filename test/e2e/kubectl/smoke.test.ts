import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';

describe('kapi with kubectl 1.35 (smoke)', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  it('lists the system namespaces created at first start', async function () {
    const out = await server.kubectl.run(['get', 'namespaces', '-o', 'name']);
    assert.deepEqual(out.stdout.trim().split('\n').sort(), ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
  });
});

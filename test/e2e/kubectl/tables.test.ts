/**
 * `kubectl get` without -o prints the Table the server computes (Accept: as=Table): the column
 * headers and cells must be kube-apiserver's, from pkg/printers/internalversion, or scripts and
 * people reading kubectl output see something else than on a real cluster.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { AGE_CELL, createNamespace, fixtureNamed, isInCidr, kubectlCreate, parseTable, rowNamed, type Table } from './support';

/** NS is the namespace holding this file's objects, so each table has known rows. */
const NS = 'tables';

describe('kubectl get tables: upstream column headers and cells', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespace(server, NS);
    await kubectlCreate(server, fixtureNamed('pod.yaml', 'table-pod', NS));
    await kubectlCreate(server, fixtureNamed('service.yaml', 'table-svc', NS));
    await kubectlCreate(server, fixtureNamed('deployment.yaml', 'table-deploy', NS));
    await kubectlCreate(server, fixtureNamed('configmap.yaml', 'table-cm', NS));
    await kubectlCreate(server, fixtureNamed('secret.yaml', 'table-secret', NS));
  });

  after(async function () {
    await server?.dispose();
  });

  async function table(...args: string[]): Promise<Table> {
    return parseTable((await server.kubectl.run(['get', ...args])).stdout);
  }

  it('prints NAME READY STATUS RESTARTS AGE for pods', async function () {
    const t = await table('pods', '-n', NS);
    assert.deepEqual(t.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  });

  it('prints a new pod as 0/1 Pending with 0 restarts', async function () {
    const row = rowNamed(await table('pods', '-n', NS), 'table-pod');
    assert.deepEqual([row.READY, row.STATUS, row.RESTARTS], ['0/1', 'Pending', '0']);
    assert.match(row.AGE, AGE_CELL);
  });

  it('adds IP NODE NOMINATED NODE READINESS GATES for pods with -o wide', async function () {
    const t = await table('pods', '-n', NS, '-o', 'wide');
    assert.deepEqual(t.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const row = rowNamed(t, 'table-pod');
    assert.deepEqual([row.IP, row.NODE, row['NOMINATED NODE'], row['READINESS GATES']], ['<none>', '<none>', '<none>', '<none>']);
  });

  it('prints a NAMESPACE column first with --all-namespaces', async function () {
    const t = await table('pods', '--all-namespaces');
    assert.deepEqual(t.headers, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const row = rowNamed(t, 'table-pod');
    assert.equal(row.NAMESPACE, NS);
  });

  it('prints the labels as a LABELS column with --show-labels', async function () {
    const t = await table('pods', '-n', NS, '--show-labels');
    assert.deepEqual(t.headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
    assert.equal(rowNamed(t, 'table-pod').LABELS, 'app=crud,tier=backend');
  });

  it('prints NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE for services', async function () {
    const t = await table('svc', '-n', NS);
    assert.deepEqual(t.headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  });

  it('prints a ClusterIP service with its allocated IP, <none> external IP and 80/TCP', async function () {
    const row = rowNamed(await table('svc', '-n', NS), 'table-svc');
    assert.equal(row.TYPE, 'ClusterIP');
    assert.ok(isInCidr(row['CLUSTER-IP'], '10.0.0.0/24'), `CLUSTER-IP ${row['CLUSTER-IP']}`);
    assert.deepEqual([row['EXTERNAL-IP'], row['PORT(S)']], ['<none>', '80/TCP']);
  });

  it('adds SELECTOR for services with -o wide', async function () {
    const t = await table('svc', '-n', NS, '-o', 'wide');
    assert.deepEqual(t.headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    assert.equal(rowNamed(t, 'table-svc').SELECTOR, 'app=crud');
  });

  it('prints NAME READY UP-TO-DATE AVAILABLE AGE for deployments', async function () {
    const t = await table('deploy', '-n', NS);
    assert.deepEqual(t.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const row = rowNamed(t, 'table-deploy');
    assert.deepEqual([row.READY, row['UP-TO-DATE'], row.AVAILABLE], ['0/2', '0', '0']);
  });

  it('adds CONTAINERS IMAGES SELECTOR for deployments with -o wide', async function () {
    const t = await table('deploy', '-n', NS, '-o', 'wide');
    assert.deepEqual(t.headers, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const row = rowNamed(t, 'table-deploy');
    assert.deepEqual([row.CONTAINERS, row.IMAGES, row.SELECTOR], ['web', 'nginx:1.27', 'app=crud-deployment']);
  });

  it('prints NAME STATUS AGE for namespaces, Active for live ones', async function () {
    const t = await table('ns');
    assert.deepEqual(t.headers, ['NAME', 'STATUS', 'AGE']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', NS]) {
      assert.equal(rowNamed(t, ns).STATUS, 'Active', ns);
    }
  });

  it('prints NAME DATA AGE for configmaps, DATA counting the keys', async function () {
    const t = await table('cm', '-n', NS);
    assert.deepEqual(t.headers, ['NAME', 'DATA', 'AGE']);
    assert.equal(rowNamed(t, 'table-cm').DATA, '2');
  });

  it('prints NAME TYPE DATA AGE for secrets', async function () {
    const t = await table('secrets', '-n', NS);
    assert.deepEqual(t.headers, ['NAME', 'TYPE', 'DATA', 'AGE']);
    const row = rowNamed(t, 'table-secret');
    assert.deepEqual([row.TYPE, row.DATA], ['Opaque', '2']);
  });

  it('prints one table per kind, each with its own header, for get pods,svc', async function () {
    const out = await server.kubectl.run(['get', 'pods,svc', '-n', NS]);
    const blocks = out.stdout.split('\n\n').filter((b) => b.trim() !== '');
    assert.equal(blocks.length, 2, out.stdout);
    assert.deepEqual(parseTable(blocks[0]).headers, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.equal(parseTable(blocks[0]).rows[0].NAME, 'pod/table-pod');
    assert.deepEqual(parseTable(blocks[1]).headers, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.equal(parseTable(blocks[1]).rows[0].NAME, 'service/table-svc');
  });

  it('prints No resources found on stderr for an empty namespace', async function () {
    await createNamespace(server, 'tables-empty');
    const out = await server.kubectl.run(['get', 'pods', '-n', 'tables-empty']);
    assert.equal(out.stdout, '');
    assert.equal(out.stderr.trim(), 'No resources found in tables-empty namespace.');
  });
});

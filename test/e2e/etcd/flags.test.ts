/**
 * The etcd flags, end to end: kapi reaches an etcd that requires TLS client certificates with
 * --etcd-cafile, --etcd-certfile and --etcd-keyfile, keeps its keys under --etcd-prefix, and
 * refuses to start, with a message naming etcd, when no server answers.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensurePki, type Pki } from '../../../src/auth/pki';
import { EtcdCluster, etcdAvailable, freePort } from '../../support/etcd';
import { TestServer } from '../../support/server';
import { CONFIGMAPS, configMap, disposeKapi, expectStatus, requestAs, startKapi, type Kapi } from './support';
import { skipWithout } from '../../support/skip';

describe('kapi serve --etcd-* flags', function () {
  let pkiDir: string | undefined;
  let pki: Pki | undefined;
  let cluster: EtcdCluster | undefined;
  let kapi: Kapi | undefined;

  before(async function () {
    if (!etcdAvailable()) skipWithout(this, 'etcd');
    // A CA, a serving pair for 127.0.0.1 (etcd's) and a client pair (kapi's), made as kapi makes its own.
    pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-etcd-tls-'));
    pki = await ensurePki({ dataDir: pkiDir, hosts: [], ips: [] });
    const p = pki.paths;
    cluster = await EtcdCluster.start({
      members: 1,
      tls: { certFile: p.servingCert, keyFile: p.servingKey, caFile: p.caCert, client: { caFile: p.caCert, certFile: p.adminCert, keyFile: p.adminKey } },
    });
    kapi = await startKapi(cluster, {
      args: ['--etcd-cafile', p.caCert, '--etcd-certfile', p.adminCert, '--etcd-keyfile', p.adminKey, '--etcd-prefix', '/kapi-custom'],
    });
  });

  after(async () => {
    await disposeKapi(kapi);
    await cluster?.destroy();
    if (pkiDir) fs.rmSync(pkiDir, { recursive: true, force: true });
  });

  it('stores and watches through TLS with a client certificate, under --etcd-prefix', async () => {
    assert.match(cluster!.endpoints[0], /^https:/);
    expectStatus(await kapi!.server.request('POST', CONFIGMAPS(), { body: configMap('over-tls', { a: 'b' }) }), 201, 'create over TLS');
    expectStatus(await kapi!.server.request('GET', `${CONFIGMAPS()}/over-tls`), 200, 'consistent GET over TLS');
    const keys = cluster!.etcdctl(['get', '/', '--prefix', '--keys-only']).split('\n').filter((k) => k);
    assert.ok(keys.includes('/kapi-custom/configmaps/default/over-tls'), `keys: ${keys.slice(0, 10).join(' ')}`);
    assert.ok(keys.includes('/kapi-custom/namespaces/kube-system'));
    assert.equal(keys.filter((k) => k.startsWith('/registry/')).length, 0, 'nothing may land under the default prefix');
  });

  it('lets servers with data dirs of their own share CA files (--tls-cert-file, --tls-private-key-file, --client-ca-file): one kubeconfig reaches both', async () => {
    const p = pki!.paths;
    const shared = ['--tls-cert-file', p.servingCert, '--tls-private-key-file', p.servingKey, '--client-ca-file', p.caCert];
    const etcd = ['--etcd-cafile', p.caCert, '--etcd-certfile', p.adminCert, '--etcd-keyfile', p.adminKey, '--etcd-prefix', '/kapi-custom'];
    const servers: Kapi[] = [];
    try {
      for (let i = 0; i < 2; i++) servers.push(await startKapi(cluster!, { args: [...etcd, ...shared] }));
      // A client of the shared CA: its admin pair, its CA as the one to trust.
      const creds = { ca: pki!.caCertPem, cert: pki!.adminCertPem, key: pki!.adminKeyPem };
      for (const k of servers) expectStatus(await requestAs(k.server.url, creds, 'GET', `${CONFIGMAPS()}/over-tls`), 200, `the shared kubeconfig on ${k.server.url}`);
    } finally {
      for (const k of servers) await disposeKapi(k);
    }
  });

  it('refuses to start, naming etcd, when no etcd server answers', async function () {
    this.timeout(90_000);
    const dead = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(TestServer.start({ args: ['--etcd-servers', dead] }), (e: Error) => {
      assert.match(e.message, /exited with 1/);
      assert.match(e.message, new RegExp(`cannot reach etcd at ${dead}`));
      return true;
    });
  });
});

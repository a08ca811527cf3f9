/**
 * Authentication end to end: client certificates (CN user, O groups) verified against the data
 * dir CA or --client-ca-file, static tokens from --token-auth-file, anonymous requests only with
 * --anonymous-auth, and 401 Status answers for everything else.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCertificateAuthority } from '../../../src/auth/pki';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { asToken, assertUnauthorized, assertUnauthorizedStatus, certUser, cleanupIdentities, tokenUser } from './support';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Whoami {
  status: { userInfo: { username: string; uid?: string; groups?: string[] } };
}

describe('security: authentication', function () {
  let server: TestServer;
  let dir: string;

  before(async function () {
    await ensureClients();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-authn-'));
    const tokens = path.join(dir, 'tokens.csv');
    fs.writeFileSync(tokens, 'tok-alice,alice,uid-alice,"dev,ops"\ntok-bob,bob,uid-bob\n');
    server = await TestServer.start({ args: ['--token-auth-file', tokens] });
  });

  after(async function () {
    await server?.dispose();
    await cleanupIdentities();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the admin kubeconfig working: kubernetes-admin in system:masters', async function () {
    const me = await server.kubectl.json<Whoami>(['auth', 'whoami']);
    assert.deepEqual(me.status.userInfo, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('reads a client certificate: CN is the user, each O a group, plus system:authenticated', async function () {
    const carol = await certUser(server, 'carol', ['team-a', 'team-b']);
    const me = await carol.kubectl.json<Whoami>(['auth', 'whoami']);
    assert.deepEqual(me.status.userInfo, { username: 'carol', groups: ['team-a', 'team-b', 'system:authenticated'] });
    const table = await carol.kubectl.run(['auth', 'whoami']);
    assert.match(table.stdout, /^ATTRIBUTE\s+VALUE\nUsername\s+carol\nGroups\s+\[team-a team-b system:authenticated\]\n$/);
  });

  it('refuses a certificate signed by another CA with 401', async function () {
    const otherCA = await createCertificateAuthority('not-kapi');
    const mallory = await certUser(server, 'kubernetes-admin', ['system:masters'], { ca: { caCertPem: otherCA.certPem, caKeyPem: otherCA.keyPem } });
    assertUnauthorized(await mallory.kubectl.run(['get', 'pods'], { allowFailure: true }));
    assertUnauthorizedStatus(await server.request('GET', '/api/v1/namespaces', { cert: mallory.cert }));
  });

  it('refuses an expired certificate from the right CA with 401', async function () {
    const expired = await certUser(server, 'old', [], { issue: { notBefore: new Date(Date.now() - 10 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) } });
    assertUnauthorizedStatus(await server.request('GET', '/api/v1/namespaces', { cert: expired.cert }));
  });

  it('authenticates --token-auth-file tokens with their uid and groups', async function () {
    const alice = tokenUser(server, 'tok-alice');
    const me = await alice.kubectl.json<Whoami>(['auth', 'whoami']);
    assert.deepEqual(me.status.userInfo, { username: 'alice', uid: 'uid-alice', groups: ['dev', 'ops', 'system:authenticated'] });
    const res = await asToken(server, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', 'tok-bob', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(res.json<Whoami>().status.userInfo, { username: 'bob', uid: 'uid-bob', groups: ['system:authenticated'] });
  });

  it('refuses an unknown token with 401, even to discovery', async function () {
    assertUnauthorizedStatus(await asToken(server, 'GET', '/api', 'no-such-token'));
    assertUnauthorized(await tokenUser(server, 'no-such-token').kubectl.run(['get', 'pods'], { allowFailure: true }));
  });

  it('refuses requests without credentials with a 401 Status when anonymous auth is off (the default)', async function () {
    for (const p of ['/api/v1/namespaces', '/version', '/healthz', '/apis']) assertUnauthorizedStatus(await server.request('GET', p, { cert: 'none' }));
  });

  it('lets every authenticated user discover the API but nothing more', async function () {
    const dave = await certUser(server, 'dave');
    const version = await dave.kubectl.run(['version', '-o', 'json']);
    assert.match(version.stdout, /"serverVersion"/);
    const res = await server.request('GET', '/apis', { cert: dave.cert });
    assert.equal(res.status, 200);
    assert.equal((await server.request('GET', '/healthz', { cert: dave.cert })).status, 200);
    const pods = await server.request('GET', '/api/v1/namespaces/default/pods', { cert: dave.cert });
    assert.equal(pods.status, 403);
  });

  describe('with --anonymous-auth=true', function () {
    let open: TestServer;
    before(async function () {
      open = await TestServer.start({ args: ['--anonymous-auth=true'] });
    });
    after(async function () {
      await open?.dispose();
    });

    it('serves public information to anonymous requests as system:anonymous', async function () {
      assert.equal((await open.request('GET', '/healthz', { cert: 'none' })).status, 200);
      assert.equal((await open.request('GET', '/version', { cert: 'none' })).status, 200);
      const res = await open.request('GET', '/api/v1/namespaces', { cert: 'none' });
      assert.equal(res.status, 403);
      assert.equal(res.json<{ message: string }>().message, 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
      // The anonymous user is not in system:authenticated, so it cannot even discover.
      assert.equal((await open.request('GET', '/apis', { cert: 'none' })).status, 403);
    });

    it('never takes a bad token for anonymous', async function () {
      assertUnauthorizedStatus(await asToken(open, 'GET', '/healthz', 'bogus'));
    });
  });

  describe('with --client-ca-file', function () {
    let other: TestServer;
    let ca: { certPem: string; keyPem: string };
    let caDir: string;
    before(async function () {
      ca = await createCertificateAuthority('corp-ca');
      caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-clientca-'));
      const caFile = path.join(caDir, 'ca.crt');
      fs.writeFileSync(caFile, ca.certPem);
      // The admin kubeconfig's certificate comes from the data dir CA: give the server that CA
      // too, so the harness can talk to it, then check a corp certificate works as well.
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-test-'));
      const first = await TestServer.start({ dataDir });
      const dataCA = fs.readFileSync(path.join(dataDir, 'pki', 'ca.crt'), 'utf8');
      await first.stop();
      fs.writeFileSync(caFile, `${ca.certPem}${dataCA}`);
      other = await TestServer.start({ dataDir, args: ['--client-ca-file', caFile] });
    });
    after(async function () {
      await other?.dispose();
      fs.rmSync(other?.dataDir ?? '', { recursive: true, force: true });
      fs.rmSync(caDir, { recursive: true, force: true });
    });

    it('accepts certificates of the configured CAs only', async function () {
      const corp = await certUser(other, 'erin', ['corp'], { ca: { caCertPem: ca.certPem, caKeyPem: ca.keyPem } });
      const me = await corp.kubectl.json<Whoami>(['auth', 'whoami']);
      assert.equal(me.status.userInfo.username, 'erin');
      const stranger = await createCertificateAuthority('stranger');
      const bad = await certUser(other, 'erin', [], { ca: { caCertPem: stranger.certPem, caKeyPem: stranger.keyPem } });
      assertUnauthorizedStatus(await other.request('GET', '/api', { cert: bad.cert }));
    });
  });
});

/**
 * Service accounts end to end: the `default` account of every namespace, `kubectl create token`
 * (TokenRequest with audiences, duration and a bound pod or secret), tokens authenticating as
 * the account, TokenReview, and the tokens that must be refused with 401.
 */
import * as assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJwt, signJwt } from '../../../src/auth/authn/jwt';
import { ensureClients } from '../clients/install';
import { createNamespace } from '../kubectl/support';
import { TestServer } from '../../support/server';
import { asToken, assertUnauthorizedStatus, cleanupIdentities, manifest, tokenUser, waitFor } from './support';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NS = 'sa-e2e';

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  audiences?: string[];
  error?: string;
}

describe('security: service accounts and tokens', function () {
  let server: TestServer;
  let saKey: KeyObject;

  const kubectl = (args: string[], input?: string) => server.kubectl.run(['-n', NS, ...args], { input });
  const createToken = async (...args: string[]) => (await kubectl(['create', 'token', ...args])).stdout.trim();
  const review = async (token: string, audiences?: string[]): Promise<TokenReviewStatus> => {
    const res = await server.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } } });
    assert.equal(res.status, 201, res.body);
    return res.json<{ status: TokenReviewStatus }>().status;
  };
  const saUid = async (name: string) => (await server.kubectl.json<{ metadata: { uid: string } }>(['-n', NS, 'get', 'sa', name])).metadata.uid;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    saKey = createPrivateKey(fs.readFileSync(path.join(server.dataDir, 'pki', 'sa.key'), 'utf8'));
    await createNamespace(server, NS);
    await kubectl(['create', 'serviceaccount', 'robot']);
    await kubectl(['create', 'rolebinding', 'robot-view', '--clusterrole=view', `--serviceaccount=${NS}:robot`]);
  });

  after(async function () {
    await server?.dispose();
    await cleanupIdentities();
  });

  it('publishes the cluster CA as kube-root-ca.crt in every namespace, and puts a changed copy back', async function () {
    const ca = fs.readFileSync(path.join(server.dataDir, 'pki', 'ca.crt'), 'utf8');
    const caOf = async (ns: string) => {
      const out = await server.kubectl.run(['-n', ns, 'get', 'configmap', 'kube-root-ca.crt', '-o', 'json'], { allowFailure: true });
      return out.code === 0 ? (JSON.parse(out.stdout) as { data?: Record<string, string> }).data : undefined;
    };
    await createNamespace(server, 'ca-fresh');
    for (const ns of ['default', 'kube-system', 'kube-public', NS, 'ca-fresh']) {
      assert.deepEqual(await waitFor(() => caOf(ns)), { 'ca.crt': ca }, ns);
    }
    await server.kubectl.run(['-n', 'ca-fresh', 'patch', 'configmap', 'kube-root-ca.crt', '--type=merge', '-p', '{"data":{"ca.crt":"forged","extra":"x"}}']);
    assert.deepEqual(await waitFor(async () => ((await caOf('ca-fresh'))?.['ca.crt'] === ca ? caOf('ca-fresh') : undefined)), { 'ca.crt': ca });
    await server.kubectl.run(['-n', 'ca-fresh', 'delete', 'configmap', 'kube-root-ca.crt']);
    assert.deepEqual(await waitFor(() => caOf('ca-fresh')), { 'ca.crt': ca });
  });

  it('gives every namespace, old and new, a default service account', async function () {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', NS]) {
      await waitFor(async () => ((await server.kubectl.run(['-n', ns, 'get', 'sa', 'default'], { allowFailure: true })).code === 0 ? true : undefined));
    }
    await createNamespace(server, 'fresh-ns');
    const pod = await server.kubectl.json<{ spec: Record<string, any> }>(['-n', 'fresh-ns', 'run', 'p', '--image=nginx', '-o', 'json']);
    assert.equal(pod.spec.serviceAccountName, 'default');
  });

  it('recreates the default service account when it is deleted', async function () {
    await server.kubectl.run(['-n', 'fresh-ns', 'delete', 'sa', 'default']);
    await waitFor(async () => ((await server.kubectl.run(['-n', 'fresh-ns', 'get', 'sa', 'default'], { allowFailure: true })).code === 0 ? true : undefined));
  });

  it('issues tokens that authenticate as the service account, in its groups', async function () {
    const token = await createToken('robot');
    const claims = parseJwt(token)!.payload as Record<string, any>;
    assert.equal(claims.iss, ISSUER);
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.equal(claims.exp - claims.iat, 3600, 'one hour by default');
    assert.equal(claims.sub, `system:serviceaccount:${NS}:robot`);
    assert.deepEqual(claims['kubernetes.io'].serviceaccount, { name: 'robot', uid: await saUid('robot') });
    const robot = tokenUser(server, token, NS);
    const me = await robot.kubectl.json<{ status: { userInfo: { username: string; groups: string[] } } }>(['auth', 'whoami']);
    assert.equal(me.status.userInfo.username, `system:serviceaccount:${NS}:robot`);
    assert.deepEqual(me.status.userInfo.groups, ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']);
    assert.equal((await robot.kubectl.run(['get', 'pods'])).code, 0, 'view is bound to the account');
    const del = await robot.kubectl.run(['delete', 'pod', 'x'], { allowFailure: true });
    assert.match(del.stderr, new RegExp(`pods "x" is forbidden: User "system:serviceaccount:${NS}:robot" cannot delete resource "pods" in API group "" in the namespace "${NS}"`));
  });

  it('honours --duration and --audience, and a token for another audience does not authenticate to the API', async function () {
    const token = await createToken('robot', '--duration=20m', '--audience=vault', '--audience=other');
    const claims = parseJwt(token)!.payload as Record<string, any>;
    assert.deepEqual(claims.aud, ['vault', 'other']);
    assert.equal(claims.exp - claims.iat, 1200);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
    const status = await review(token, ['vault']);
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.audiences, ['vault']);
    assert.equal(status.user?.username, `system:serviceaccount:${NS}:robot`);
    const wrong = await review(token);
    assert.equal(wrong.authenticated, undefined);
    assert.equal(wrong.error, `token audiences ["vault" "other"] is invalid for the target audiences ["${ISSUER}"]`);
  });

  it('refuses a duration under ten minutes', async function () {
    const r = await server.kubectl.run(['-n', NS, 'create', 'token', 'robot', '--duration=5m'], { allowFailure: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/);
  });

  it('binds a token to a pod: the token names the pod and dies with it', async function () {
    await kubectl(['apply', '-f', '-'], manifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound', namespace: NS }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'nginx' }] } }));
    const token = await createToken('robot', '--bound-object-kind=Pod', '--bound-object-name=bound');
    const status = await review(token);
    assert.equal(status.authenticated, true);
    assert.deepEqual(status.user?.extra?.['authentication.kubernetes.io/pod-name'], ['bound']);
    assert.equal((await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token)).status, 200);
    await kubectl(['delete', 'pod', 'bound', '--wait=true']);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
    assert.equal((await review(token)).error, 'service account token has been invalidated');
  });

  it('refuses to bind a token to a pod of another service account', async function () {
    await kubectl(['run', 'other-pod', '--image=nginx']);
    const r = await server.kubectl.run(['-n', NS, 'create', 'token', 'robot', '--bound-object-kind=Pod', '--bound-object-name=other-pod'], { allowFailure: true });
    assert.match(r.stderr, /cannot bind token for serviceaccount "robot" to pod running with serviceaccount "default"/);
  });

  it('binds a token to a secret: it dies with the secret', async function () {
    await kubectl(['create', 'secret', 'generic', 'anchor', '--from-literal=a=b']);
    const token = await createToken('robot', '--bound-object-kind=Secret', '--bound-object-name=anchor');
    assert.equal((await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token)).status, 200);
    await kubectl(['delete', 'secret', 'anchor']);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
  });

  it('binds a token to a node: the token names the node and dies with it', async function () {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sa-node' } };
    assert.equal((await server.request('POST', '/api/v1/nodes', { body: node })).status, 201);
    const token = await createToken('robot', '--bound-object-kind=Node', '--bound-object-name=sa-node');
    const claims = parseJwt(token)!.payload['kubernetes.io'] as { node?: { name: string; uid: string } };
    assert.equal(claims.node?.name, 'sa-node');
    const reviewed = await review(token);
    assert.deepEqual(reviewed.user?.extra?.['authentication.kubernetes.io/node-name'], ['sa-node']);
    assert.equal((await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token)).status, 200);
    await server.kubectl.run(['delete', 'node', 'sa-node']);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
  });

  it('refuses tokens of a deleted service account, even when one of the same name is created again', async function () {
    await kubectl(['create', 'serviceaccount', 'doomed']);
    await kubectl(['create', 'rolebinding', 'doomed-view', '--clusterrole=view', `--serviceaccount=${NS}:doomed`]);
    const token = await createToken('doomed');
    assert.equal((await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token)).status, 200);
    await kubectl(['delete', 'serviceaccount', 'doomed']);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
    await kubectl(['create', 'serviceaccount', 'doomed']);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
    assert.match((await review(token)).error ?? '', /service account UID \(.+\) does not match claim \(.+\)/);
  });

  /** handmade signs claims like the server's, so tests can make tokens it would never issue. */
  const handmade = async (over: Record<string, unknown>, key: KeyObject = saKey) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      {
        aud: [ISSUER],
        exp: now + 600,
        iat: now,
        iss: ISSUER,
        'kubernetes.io': { namespace: NS, serviceaccount: { name: 'robot', uid: await saUid('robot') } },
        nbf: now,
        sub: `system:serviceaccount:${NS}:robot`,
        ...over,
      },
      key,
    );
  };

  it('accepts a well-formed token signed with the data dir key (control for the next cases)', async function () {
    assert.equal((await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, await handmade({}))).status, 200);
  });

  it('refuses an expired token with 401', async function () {
    const now = Math.floor(Date.now() / 1000);
    const token = await handmade({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
    assert.equal((await review(token)).error, 'service account token has expired');
  });

  it('refuses a token signed by another key with 401', async function () {
    const token = await handmade({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, token));
  });

  it('refuses a tampered token with 401', async function () {
    const [h, p, s] = (await createToken('robot')).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, any>;
    claims.sub = 'system:serviceaccount:kube-system:default';
    claims['kubernetes.io'].namespace = 'kube-system';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assertUnauthorizedStatus(await asToken(server, 'GET', '/api/v1/namespaces/kube-system/secrets', forged));
    const garbled = `${h}.${p}.${s.slice(0, -4)}AAAA`;
    assertUnauthorizedStatus(await asToken(server, 'GET', `/api/v1/namespaces/${NS}/pods`, garbled));
  });

  it('publishes the issuer discovery documents, whose keys verify the tokens it issues', async function () {
    const token = await createToken('default');
    const conf = await asToken(server, 'GET', '/.well-known/openid-configuration', token);
    assert.equal(conf.status, 200, conf.body);
    assert.equal(conf.headers['cache-control'], 'public, max-age=3600');
    assert.deepEqual(conf.json(), {
      issuer: ISSUER,
      jwks_uri: `https://${new URL(server.url).host}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const jwks = await asToken(server, 'GET', '/openid/v1/jwks', token);
    assert.equal(jwks.status, 200, jwks.body);
    assert.match(String(jwks.headers['content-type']), /^application\/jwk-set\+json/);
    const { keys } = jwks.json<{ keys: ({ kid: string; use: string; alg: string } & JsonWebKey)[] }>();
    assert.equal(keys.length, 1);
    assert.equal(keys[0].use, 'sig');
    assert.equal(keys[0].alg, 'RS256');
    // A relying party's check: the token's kid names a published key, and that key verifies it.
    const [h, p, sig] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
    const key = keys.find((k) => k.kid === header.kid);
    assert.ok(key, `no published key has the token's kid ${header.kid}`);
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key, format: 'jwk' }), Buffer.from(sig, 'base64url')));
    // Without credentials (anonymous access is off) nothing is disclosed.
    const anonymous = await server.request('GET', '/.well-known/openid-configuration', { cert: 'none' });
    assert.equal(anonymous.status, 401, anonymous.body);
  });

  it('answers TokenReview for static and unknown tokens too', async function () {
    const status = await review('not-a-token');
    assert.equal(status.authenticated, undefined);
    assert.equal(status.error, 'invalid bearer token');
  });

  it('mounts the projected kube-api-access volume into the pods of a service account', async function () {
    const pod = await server.kubectl.json<{ spec: Record<string, any> }>(['-n', NS, 'get', 'pod', 'other-pod']);
    const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume, JSON.stringify(pod.spec.volumes));
    assert.deepEqual(volume.projected.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.deepEqual(pod.spec.containers[0].volumeMounts, [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: volume.name, readOnly: true }]);
  });

  it('refuses pods of a service account that does not exist', async function () {
    const r = await kubectl(['run', 'ghostly', '--image=nginx', '--overrides={"spec":{"serviceAccountName":"ghost"}}']).catch((e: Error) => e);
    assert.ok(r instanceof Error);
    assert.match(r.message, /pods "ghostly" is forbidden: error looking up service account sa-e2e\/ghost: serviceaccount "ghost" not found/);
  });
});

import * as assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseJwt, signJwt, verifyJwt, keyId } from '../../../src/auth/authn/jwt';
import { ServiceAccountTokens, type ObjectGetter } from '../../../src/auth/authn/serviceaccount';
import { parseCsv, parseTokenFile, staticTokenAuthenticator } from '../../../src/auth/authn/tokenfile';
import { AuthenticationError } from '../../../src/auth/authn/types';
import { bearerTokenOf, INVALID_BEARER_TOKEN } from '../../../src/auth/authn/bearer';
import { buildAuthenticator } from '../../../src/auth/authn/union';
import type { KubeObject } from '../../../src/meta/object';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

function rsa(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

function ec(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** World is the objects tokens refer to, changeable by tests. */
class World implements ObjectGetter {
  sas = new Map<string, KubeObject>();
  pods = new Map<string, KubeObject>();
  secrets = new Map<string, KubeObject>();
  serviceAccount(ns: string, name: string) {
    return this.sas.get(`${ns}/${name}`);
  }
  pod(ns: string, name: string) {
    return this.pods.get(`${ns}/${name}`);
  }
  secret(ns: string, name: string) {
    return this.secrets.get(`${ns}/${name}`);
  }
  nodes = new Map<string, KubeObject>();
  node(name: string) {
    return this.nodes.get(name);
  }
}

const obj = (ns: string, name: string, uid: string): KubeObject => ({ metadata: { namespace: ns, name, uid } });

async function rejects(p: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AuthenticationError, `expected an AuthenticationError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('auth/authn tokens', function () {
  this.timeout(20_000);
  const key = rsa();
  let world: World;
  let now: Date;
  let tokens: ServiceAccountTokens;
  const sa = obj('team', 'robot', 'uid-1');

  beforeEach(function () {
    world = new World();
    world.sas.set('team/robot', sa);
    now = new Date('2030-01-01T00:00:00Z');
    tokens = new ServiceAccountTokens({ signingKey: key, verificationKeys: [key], issuers: [ISSUER], apiAudiences: [ISSUER], getter: world, now: () => now });
  });

  describe('JWS', function () {
    it('signs RS256 and ES256 with the key id upstream derives, and verifies only with the right key', function () {
      for (const k of [rsa(), ec()]) {
        const jwt = signJwt({ sub: 'x', b: 1, a: 2 }, k);
        const parsed = parseJwt(jwt)!;
        assert.equal(parsed.header.alg, k.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256');
        assert.equal(parsed.header.kid, keyId(k));
        assert.deepEqual(Object.keys(parsed.payload), ['a', 'b', 'sub'], 'claims are in Go map order');
        assert.equal(verifyJwt(parsed, k), true);
        assert.equal(verifyJwt(parsed, k.asymmetricKeyType === 'rsa' ? rsa() : ec()), false);
      }
    });

    it('refuses an algorithm that does not fit the key (no alg confusion)', function () {
      const parsed = parseJwt(signJwt({ sub: 'x' }, key))!;
      assert.equal(verifyJwt({ ...parsed, header: { ...parsed.header, alg: 'none' } }, key), false);
      assert.equal(verifyJwt({ ...parsed, header: { ...parsed.header, alg: 'HS256' } }, key), false);
    });

    it('does not take non-JWT text for a token', function () {
      assert.equal(parseJwt('abc'), undefined);
      assert.equal(parseJwt('a.b.c'), undefined);
    });
  });

  describe('service account tokens', function () {
    it('authenticates a fresh token as the service account with its groups and credential id', async function () {
      const { token, expiration } = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 3600 });
      assert.equal(expiration.toISOString(), '2030-01-01T01:00:00.000Z');
      const claims = parseJwt(token)!.payload;
      assert.deepEqual(Object.keys(claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
      assert.equal(claims.sub, 'system:serviceaccount:team:robot');
      const r = await tokens.authenticateToken(token, undefined);
      assert.ok(r);
      assert.equal(r.user.name, 'system:serviceaccount:team:robot');
      assert.equal(r.user.uid, 'uid-1');
      assert.deepEqual(r.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:team']);
      assert.deepEqual(r.user.extra, { 'authentication.kubernetes.io/credential-id': [`JTI=${String(claims.jti)}`] });
      assert.deepEqual(r.audiences, [ISSUER]);
    });

    it('refuses an expired token (past the one-minute leeway)', async function () {
      const { token } = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600 });
      now = new Date(now.getTime() + 630_000);
      assert.ok(await tokens.authenticateToken(token, undefined), 'within the leeway');
      now = new Date(now.getTime() + 60_000);
      await rejects(tokens.authenticateToken(token, undefined), 'service account token has expired');
    });

    it('refuses a token signed by another key', async function () {
      const other = new ServiceAccountTokens({ signingKey: rsa(), verificationKeys: [], issuers: [ISSUER], apiAudiences: [ISSUER], getter: world, now: () => now });
      const { token } = other.generate(sa, { audiences: [ISSUER], expirationSeconds: 600 });
      await rejects(tokens.authenticateToken(token, undefined), 'go-jose/go-jose: error in cryptographic primitive');
    });

    it('refuses a tampered token', async function () {
      const { token } = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600 });
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      claims.sub = 'system:serviceaccount:kube-system:default';
      const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
      await rejects(tokens.authenticateToken(forged, undefined), /cryptographic primitive/);
    });

    it('leaves tokens of other issuers to other authenticators', async function () {
      const foreign = new ServiceAccountTokens({ signingKey: key, verificationKeys: [key], issuers: ['https://elsewhere'], apiAudiences: [ISSUER], getter: world, now: () => now });
      assert.equal(await tokens.authenticateToken(foreign.generate(sa, { audiences: [ISSUER], expirationSeconds: 600 }).token, undefined), undefined);
    });

    it('refuses a token for another audience', async function () {
      const { token } = tokens.generate(sa, { audiences: ['vault'], expirationSeconds: 600 });
      await rejects(tokens.authenticateToken(token, undefined), `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]`);
      assert.deepEqual((await tokens.authenticateToken(token, ['vault', 'x']))?.audiences, ['vault']);
    });

    it('stops working when the service account is deleted, or replaced by one with another UID', async function () {
      const { token } = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600 });
      world.sas.set('team/robot', obj('team', 'robot', 'uid-2'));
      await rejects(tokens.authenticateToken(token, undefined), 'service account UID (uid-2) does not match claim (uid-1)');
      world.sas.delete('team/robot');
      await rejects(tokens.authenticateToken(token, undefined), 'serviceaccount "robot" not found');
    });

    it('stops working when the bound pod or secret goes away, and names the pod in the user', async function () {
      world.pods.set('team/p', obj('team', 'p', 'pod-1'));
      world.secrets.set('team/s', obj('team', 's', 'sec-1'));
      const podToken = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600, bound: { kind: 'Pod', name: 'p', uid: 'pod-1' } }).token;
      const secretToken = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600, bound: { kind: 'Secret', name: 's', uid: 'sec-1' } }).token;
      const user = (await tokens.authenticateToken(podToken, undefined))!.user;
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-uid'], ['pod-1']);
      assert.ok(await tokens.authenticateToken(secretToken, undefined));
      world.pods.delete('team/p');
      world.secrets.set('team/s', { metadata: { namespace: 'team', name: 's', uid: 'sec-1', deletionTimestamp: '2029-12-31T23:00:00Z' } });
      await rejects(tokens.authenticateToken(podToken, undefined), 'service account token has been invalidated');
      await rejects(tokens.authenticateToken(secretToken, undefined), 'service account token has been invalidated');
    });

    it('binds a token to a node: it names the node in the user and dies with the node', async function () {
      world.nodes.set('n1', { metadata: { name: 'n1', uid: 'node-1' } });
      const token = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600, bound: { kind: 'Node', name: 'n1', uid: 'node-1' } }).token;
      const user = (await tokens.authenticateToken(token, undefined))!.user;
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/node-uid'], ['node-1']);
      world.nodes.set('n1', { metadata: { name: 'n1', uid: 'node-2' } });
      await rejects(tokens.authenticateToken(token, undefined), 'node UID (node-2) does not match service account node ref claim (node-1)');
      world.nodes.delete('n1');
      await rejects(tokens.authenticateToken(token, undefined), 'service account token has been invalidated');
    });

    it("carries a bound pod's node as information: the token lives with the pod, not the node", async function () {
      world.pods.set('team/p', obj('team', 'p', 'pod-1'));
      const token = tokens.generate(sa, { audiences: [ISSUER], expirationSeconds: 600, bound: { kind: 'Pod', name: 'p', uid: 'pod-1' }, node: { name: 'n1', uid: 'node-1' } }).token;
      const user = (await tokens.authenticateToken(token, undefined))!.user;
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
      assert.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
    });
  });

  describe('token file', function () {
    it('reads kube-apiserver CSV records with quoted group lists', function () {
      const tokens = parseTokenFile('f', 'tok1,alice,uid1,"dev,ops"\ntok2,bob,uid2\n\n"tok,3",carol,uid3,admins\n');
      assert.deepEqual(tokens.get('tok1'), { name: 'alice', uid: 'uid1', groups: ['dev', 'ops'] });
      assert.deepEqual(tokens.get('tok2'), { name: 'bob', uid: 'uid2', groups: [] });
      assert.deepEqual(tokens.get('tok,3'), { name: 'carol', uid: 'uid3', groups: ['admins'] });
    });

    it('refuses a record with fewer than three columns, as upstream refuses to start', function () {
      assert.throws(() => parseTokenFile('/etc/tokens.csv', 'tok1,alice\n'), /token file '\/etc\/tokens.csv' must have at least 3 columns \(token, user name, user uid\), found 2/);
    });

    it('warns about empty and duplicate tokens', function () {
      const warnings: string[] = [];
      const tokens = parseTokenFile('f', ',x,1\na,first,1\na,second,2\n', (w) => warnings.push(w));
      assert.equal(tokens.get('a')?.name, 'second');
      assert.equal(warnings.length, 2);
    });

    it('parses quotes as encoding/csv does', function () {
      assert.deepEqual(parseCsv('a,"b ""c""",d\r\ne,f,g'), [['a', 'b "c"', 'd'], ['e', 'f', 'g']]);
      assert.throws(() => parseCsv('a,b"c,d'), /bare "/);
    });
  });

  describe('request authenticator', function () {
    const auth = (anonymous: boolean) => buildAuthenticator({ tokens: [staticTokenAuthenticator(new Map([['good', { name: 'alice', groups: ['dev'] }]]))], anonymous });

    it('reads only `Bearer <token>` headers', function () {
      assert.equal(bearerTokenOf('Bearer abc'), 'abc');
      assert.equal(bearerTokenOf('bearer abc'), 'abc');
      assert.equal(bearerTokenOf('Basic abc'), undefined);
      assert.equal(bearerTokenOf('Bearer '), undefined);
      assert.equal(bearerTokenOf(undefined), undefined);
    });

    it('adds system:authenticated to authenticated users', async function () {
      const r = await auth(false).authenticateRequest({ headers: { authorization: 'Bearer good' } });
      assert.deepEqual(r?.user.groups, ['dev', 'system:authenticated']);
    });

    it('refuses an unknown token even when anonymous requests are allowed', async function () {
      await rejects(auth(true).authenticateRequest({ headers: { authorization: 'Bearer bad' } }), INVALID_BEARER_TOKEN);
    });

    it('makes a request without credentials anonymous only when allowed', async function () {
      assert.equal(await auth(false).authenticateRequest({ headers: {} }), undefined);
      assert.deepEqual((await auth(true).authenticateRequest({ headers: {} }))?.user, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
    });
  });
});

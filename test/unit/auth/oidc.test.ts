import * as assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { keyId } from '../../../src/auth/authn/jwt';
import { openIDDocuments } from '../../../src/auth/oidc';

/** Service account issuer discovery documents, from the keys that verify tokens. */
describe('auth/oidc issuer discovery', function () {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ed = generateKeyPairSync('ed25519');

  it('is not served for an issuer that is not an https URL, as upstream', function () {
    assert.equal(openIDDocuments('kubernetes/serviceaccount', 'https://h/openid/v1/jwks', [rsa.publicKey]), undefined);
    assert.equal(openIDDocuments('http://issuer.example', 'https://h/openid/v1/jwks', [rsa.publicKey]), undefined);
  });

  it('publishes each key once, with its kid and algorithm, and lists the algorithms', function () {
    const docs = openIDDocuments('https://issuer.example', 'https://h/openid/v1/jwks', [createPublicKey(rsa.privateKey), ec.publicKey, rsa.publicKey, ed.publicKey]);
    assert.ok(docs);
    const conf = JSON.parse(docs.configuration) as Record<string, unknown>;
    assert.deepEqual(conf.id_token_signing_alg_values_supported, ['ES256', 'RS256']);
    assert.equal(conf.jwks_uri, 'https://h/openid/v1/jwks');
    const { keys } = JSON.parse(docs.jwks) as { keys: Record<string, string>[] };
    // The Ed25519 key signs no service account token: it is left out.
    assert.deepEqual(
      keys.map((k) => [k.kty, k.alg, k.kid, k.use]),
      [
        ['RSA', 'RS256', keyId(rsa.publicKey), 'sig'],
        ['EC', 'ES256', keyId(ec.publicKey), 'sig'],
      ],
    );
    assert.equal(keys[1].crv, 'P-256');
    assert.deepEqual(createPublicKey({ key: keys[0], format: 'jwk' }).export({ format: 'der', type: 'spki' }), rsa.publicKey.export({ format: 'der', type: 'spki' }));
  });
});

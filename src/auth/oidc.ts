/**
 * Service account issuer discovery (kube-apiserver's pkg/serviceaccount/openidmetadata.go): an
 * OpenID Provider configuration at /.well-known/openid-configuration and the token verification
 * keys as a JWK set at /openid/v1/jwks, so relying parties outside the cluster can verify
 * service account tokens. Served only when the issuer is an https URL, as upstream; reading them
 * takes the `system:service-account-issuer-discovery` role (bound to all service accounts).
 */
import type { KeyObject } from 'node:crypto';
import { algorithmFor, keyId } from './authn/jwt';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

/** OpenIDDocuments are the two discovery documents, serialized once. */
export interface OpenIDDocuments {
  configuration: string;
  jwks: string;
}

/**
 * openIDDocuments builds the documents for an issuer, or undefined when the issuer is not an
 * https URL. jwksURI is --service-account-jwks-uri, or this server's own JWKS path.
 */
export function openIDDocuments(issuer: string, jwksURI: string, keys: readonly KeyObject[]): OpenIDDocuments | undefined {
  if (!isHttpsURL(issuer)) return undefined;
  const jwks: NonNullable<ReturnType<typeof jwk>>[] = [];
  for (const key of keys) {
    const k = jwk(key);
    // A key listed twice (the signing key in --service-account-key-file too) is published once.
    if (k && !jwks.some((x) => x.kid === k.kid)) jwks.push(k);
  }
  const algs = [...new Set(jwks.map((k) => k.alg))].sort();
  const configuration = {
    issuer,
    jwks_uri: jwksURI,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  };
  return { configuration: JSON.stringify(configuration), jwks: JSON.stringify({ keys: jwks }) };
}

/** jwk is a public key as a JSON Web Key with its use, key ID and algorithm; undefined for a key no token can be signed with. */
function jwk(key: KeyObject): ({ use: string; kty: string; kid: string; alg: string } & Record<string, unknown>) | undefined {
  let alg: string;
  try {
    alg = algorithmFor(key).alg;
  } catch {
    return undefined;
  }
  const { kty, ...material } = key.export({ format: 'jwk' });
  return { use: 'sig', kty: String(kty), kid: keyId(key), alg, ...material };
}

function isHttpsURL(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

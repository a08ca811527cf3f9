/**
 * JSON Web Tokens in JWS compact form, signed and verified with node:crypto: RS256 for RSA
 * keys, ES256/ES384/ES512 for the NIST curves, as kube-apiserver's service account token
 * issuer chooses by key type.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** JwtHeader is the JOSE header of a token. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

/** ParsedJwt is a compact JWS split into its parts, not yet verified. */
export interface ParsedJwt {
  header: JwtHeader;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const CURVE_ALGORITHMS: Record<string, { alg: string; hash: string }> = {
  prime256v1: { alg: 'ES256', hash: 'sha256' },
  secp384r1: { alg: 'ES384', hash: 'sha384' },
  secp521r1: { alg: 'ES512', hash: 'sha512' },
};

/** algorithmFor picks the JWS algorithm for a key, as upstream's signer does by key type. */
export function algorithmFor(key: KeyObject): { alg: string; hash: string; ec: boolean } {
  if (key.asymmetricKeyType === 'rsa') return { alg: 'RS256', hash: 'sha256', ec: false };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const a = CURVE_ALGORITHMS[curve];
    if (a) return { ...a, ec: true };
    throw new Error(`unsupported EC curve ${curve} for service account token signing`);
  }
  throw new Error(`unsupported key type ${String(key.asymmetricKeyType)} for service account token signing (want RSA or ECDSA)`);
}

/** keyId is upstream's key ID: the unpadded base64url SHA-256 of the public key's PKIX DER. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('base64url');
}

/** signJwt makes a compact JWS of the claims with a private key. */
export function signJwt(claims: Record<string, unknown>, privateKey: KeyObject): string {
  const { alg, hash, ec } = algorithmFor(privateKey);
  const header: JwtHeader = { alg, kid: keyId(privateKey) };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(sortKeys(claims)))}`;
  const signature = sign(hash, Buffer.from(input), ec ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** parseJwt splits a compact JWS; undefined when the text is not one (then it is not our token). */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || typeof header.alg !== 'string' || !isObject(payload)) return undefined;
    return { header: header as unknown as JwtHeader, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** verifyJwt checks a parsed token's signature with a public key; the algorithm must fit the key. */
export function verifyJwt(jwt: ParsedJwt, publicKey: KeyObject): boolean {
  let expected: { alg: string; hash: string; ec: boolean };
  try {
    expected = algorithmFor(publicKey);
  } catch {
    return false;
  }
  if (jwt.header.alg !== expected.alg) return false;
  try {
    return verify(expected.hash, Buffer.from(jwt.signingInput), expected.ec ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, jwt.signature);
  } catch {
    return false;
  }
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** sortKeys orders object keys as Go's encoding/json orders map keys (the JWT builder merges claims into maps). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
  return out;
}

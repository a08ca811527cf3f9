/**
 * Service account tokens: the JWTs the TokenRequest API issues and the authenticator that
 * accepts them (k8s.io/kubernetes pkg/serviceaccount: claims.go, jwt.go). A token names its
 * service account (and optionally a pod or secret it is bound to) by name and UID; it stops
 * working when any of them is deleted or replaced, or when it expires.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../meta/object';
import { CREDENTIAL_ID_KEY, NODE_NAME_KEY, NODE_UID_KEY, POD_NAME_KEY, POD_UID_KEY, makeGroupNames, makeUsername } from '../serviceaccount';
import type { UserInfo } from '../user';
import { parseJwt, signJwt, verifyJwt } from './jwt';
import { AuthenticationError, intersectAudiences, type AuthResponse, type TokenAuthenticator } from './types';

/** DEFAULT_ISSUER is kubeadm's --service-account-issuer. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** LEEWAY_S is go-jose's DefaultLeeway: clocks may disagree by a minute on exp and nbf. */
const LEEWAY_S = 60;
/** CRYPTO_ERROR is go-jose's message for a signature that does not verify. */
const CRYPTO_ERROR = 'go-jose/go-jose: error in cryptographic primitive';

/** BoundObject is what a token is bound to besides its service account. */
export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

/** ObjectGetter reads the objects a token's validity depends on (from the watch caches). */
export interface ObjectGetter {
  serviceAccount(namespace: string, name: string): KubeObject | undefined;
  pod(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  node(name: string): KubeObject | undefined;
}

export interface ServiceAccountTokenOptions {
  signingKey: KeyObject;
  verificationKeys: readonly KeyObject[];
  /** issuers are --service-account-issuer values; the first one signs. */
  issuers: readonly string[];
  /** apiAudiences are --api-audiences: what a token must be for to authenticate to this server. */
  apiAudiences: readonly string[];
  getter: ObjectGetter;
  now?: () => Date;
}

interface Ref {
  name?: string;
  uid?: string;
}

interface PrivateClaims {
  namespace?: string;
  serviceaccount?: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

/** ServiceAccountTokens issues and authenticates service account JWTs. */
export class ServiceAccountTokens implements TokenAuthenticator {
  private readonly now: () => Date;

  constructor(private readonly opts: ServiceAccountTokenOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  get issuer(): string {
    return this.opts.issuers[0];
  }

  get apiAudiences(): readonly string[] {
    return this.opts.apiAudiences;
  }

  /**
   * generate signs a token for a service account, as upstream's Claims and GenerateToken. `node`
   * is the node of a bound pod (informational: the pod is what the token lives and dies with).
   */
  generate(sa: KubeObject, opts: { audiences: readonly string[]; expirationSeconds: number; bound?: BoundObject; node?: Ref; issuedAt?: Date }): { token: string; expiration: Date } {
    const now = opts.issuedAt ?? this.now();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + opts.expirationSeconds;
    const k8s: Record<string, unknown> = {
      namespace: sa.metadata.namespace,
      serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid },
    };
    if (opts.bound?.kind === 'Pod') k8s.pod = { name: opts.bound.name, uid: opts.bound.uid };
    if (opts.bound?.kind === 'Secret') k8s.secret = { name: opts.bound.name, uid: opts.bound.uid };
    if (opts.bound?.kind === 'Node') k8s.node = { name: opts.bound.name, uid: opts.bound.uid };
    else if (opts.bound?.kind === 'Pod' && opts.node) k8s.node = { name: opts.node.name, uid: opts.node.uid };
    const claims = {
      aud: [...opts.audiences],
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: iat,
      sub: makeUsername(sa.metadata.namespace ?? '', sa.metadata.name ?? ''),
    };
    return { token: signJwt(claims, this.opts.signingKey), expiration: new Date(exp * 1000) };
  }

  /**
   * authenticateToken accepts our JWTs: signed by one of the keys, from one of the issuers, for
   * one of the audiences asked for (the API audiences by default), unexpired, and naming objects
   * that still exist with the same UIDs. Tokens from other issuers are not ours (undefined).
   */
  async authenticateToken(token: string, audiences: string[] | undefined): Promise<AuthResponse | undefined> {
    const jwt = parseJwt(token);
    if (!jwt) return undefined;
    const iss = jwt.payload.iss;
    if (typeof iss !== 'string' || !this.opts.issuers.includes(iss)) return undefined;
    if (!this.opts.verificationKeys.some((k) => verifyJwt(jwt, k))) throw new AuthenticationError(CRYPTO_ERROR);
    const claims = jwt.payload;
    const tokenAudiences = audienceClaim(claims.aud);
    const effectiveTokenAudiences = tokenAudiences.length ? tokenAudiences : [...this.opts.apiAudiences];
    const requested = audiences ?? [...this.opts.apiAudiences];
    const auds = intersectAudiences(effectiveTokenAudiences, requested);
    if (auds.length === 0 && this.opts.apiAudiences.length !== 0) {
      throw new AuthenticationError(`token audiences ${goQuoteList(effectiveTokenAudiences)} is invalid for the target audiences ${goQuoteList(requested)}`);
    }
    const user = this.validate(claims);
    return { user, audiences: auds };
  }

  /** validate checks time and the objects the token names (upstream validator.Validate). */
  private validate(claims: Record<string, unknown>): UserInfo {
    const nowS = this.now().getTime() / 1000;
    const exp = numericDate(claims.exp);
    const nbf = numericDate(claims.nbf);
    const iat = numericDate(claims.iat);
    if (nbf !== undefined && nowS + LEEWAY_S < nbf) throw new AuthenticationError('service account token is not valid yet');
    if (exp !== undefined && nowS - LEEWAY_S > exp) throw new AuthenticationError('service account token has expired');
    if (iat !== undefined && nowS + LEEWAY_S < iat) throw new AuthenticationError('service account token is not valid yet');
    const priv = (typeof claims['kubernetes.io'] === 'object' && claims['kubernetes.io'] !== null ? claims['kubernetes.io'] : {}) as PrivateClaims;
    const namespace = priv.namespace ?? '';
    const saRef = priv.serviceaccount ?? {};
    if (!namespace || !saRef.name) throw new AuthenticationError('service account token claims could not be validated due to unexpected private claim');
    const g = this.opts.getter;
    // Objects deleted more than a leeway ago no longer back a token.
    const deletedBefore = (obj: KubeObject) => {
      const ts = obj.metadata.deletionTimestamp;
      return ts !== undefined && Date.parse(ts) / 1000 < nowS - LEEWAY_S;
    };
    const sa = g.serviceAccount(namespace, saRef.name);
    if (!sa) throw new AuthenticationError(`serviceaccount "${saRef.name}" not found`);
    if (deletedBefore(sa)) throw new AuthenticationError(`service account ${namespace}/${saRef.name} has been deleted`);
    if (sa.metadata.uid !== saRef.uid) throw new AuthenticationError(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${saRef.uid ?? ''})`);
    if (priv.secret) {
      const secret = g.secret(namespace, priv.secret.name ?? '');
      if (!secret || deletedBefore(secret)) throw new AuthenticationError('service account token has been invalidated');
      if (secret.metadata.uid !== priv.secret.uid) throw new AuthenticationError(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${priv.secret.uid ?? ''})`);
    }
    const extra: Record<string, string[]> = {};
    if (priv.pod) {
      const pod = g.pod(namespace, priv.pod.name ?? '');
      if (!pod || deletedBefore(pod)) throw new AuthenticationError('service account token has been invalidated');
      if (pod.metadata.uid !== priv.pod.uid) throw new AuthenticationError(`pod UID (${pod.metadata.uid ?? ''}) does not match service account pod ref claim (${priv.pod.uid ?? ''})`);
      extra[POD_NAME_KEY] = [priv.pod.name ?? ''];
      extra[POD_UID_KEY] = [priv.pod.uid ?? ''];
    }
    if (priv.node) {
      // A token bound to the node itself dies with it; a pod's node is information only.
      if (!priv.pod) {
        const node = g.node(priv.node.name ?? '');
        if (!node || deletedBefore(node)) throw new AuthenticationError('service account token has been invalidated');
        if (node.metadata.uid !== priv.node.uid) throw new AuthenticationError(`node UID (${node.metadata.uid ?? ''}) does not match service account node ref claim (${priv.node.uid ?? ''})`);
      }
      extra[NODE_NAME_KEY] = [priv.node.name ?? ''];
      extra[NODE_UID_KEY] = [priv.node.uid ?? ''];
    }
    if (typeof claims.jti === 'string' && claims.jti) extra[CREDENTIAL_ID_KEY] = [`JTI=${claims.jti}`];
    const user: UserInfo = { name: makeUsername(namespace, saRef.name), uid: saRef.uid, groups: makeGroupNames(namespace) };
    if (Object.keys(extra).length) return { ...user, extra };
    return user;
  }
}

function audienceClaim(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

function numericDate(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** goQuoteList renders a []string as Go's %q does: `["a" "b"]`. */
export function goQuoteList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

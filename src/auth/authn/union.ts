/**
 * Combining authenticators as kube-apiserver does (pkg/kubeapiserver/authenticator/config.go,
 * k8s.io/apiserver/pkg/authentication/request/union, group):
 * the request authenticators in order (client certificate, then bearer tokens), the first that
 * recognizes its credential wins; system:authenticated is added to whoever authenticated; the
 * anonymous authenticator comes last and only when nothing failed (a bad token is never
 * anonymous).
 */
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS } from '../user';
import { anonymous } from './anonymous';
import { bearerToken } from './bearer';
import { AuthenticationError, aggregateMessage, type AuthRequest, type AuthResponse, type RequestAuthenticator, type TokenAuthenticator } from './types';

/** unionRequest tries each authenticator; errors count only when none succeeds. */
export function unionRequest(authenticators: readonly RequestAuthenticator[]): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      const errors: Error[] = [];
      for (const a of authenticators) {
        try {
          const r = await a.authenticateRequest(req);
          if (r) return r;
        } catch (e) {
          if (!(e instanceof AuthenticationError)) throw e;
          errors.push(e);
        }
      }
      if (errors.length) throw new AuthenticationError(aggregateMessage(dedupe(errors)));
      return undefined;
    },
  };
}

/** unionToken tries each token authenticator in turn. */
export function unionToken(authenticators: readonly TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token: string, audiences: string[] | undefined): Promise<AuthResponse | undefined> {
      const errors: Error[] = [];
      for (const a of authenticators) {
        try {
          const r = await a.authenticateToken(token, audiences);
          if (r) return r;
        } catch (e) {
          if (!(e instanceof AuthenticationError)) throw e;
          errors.push(e);
        }
      }
      if (errors.length) throw new AuthenticationError(aggregateMessage(dedupe(errors)));
      return undefined;
    },
  };
}

/** withAuthenticatedGroup adds system:authenticated to every authenticated user but the anonymous one. */
export function withAuthenticatedGroup(inner: RequestAuthenticator): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      const r = await inner.authenticateRequest(req);
      if (!r || r.user.name === ANONYMOUS) return r;
      if (r.user.groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) return r;
      return { ...r, user: { ...r.user, groups: [...r.user.groups, ALL_AUTHENTICATED] } };
    },
  };
}

/** failOnError runs `first`; an error is final, only "not mine" lets `then` try. */
export function failOnError(first: RequestAuthenticator, then: RequestAuthenticator): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      const r = await first.authenticateRequest(req);
      if (r) return r;
      return then.authenticateRequest(req);
    },
  };
}

function dedupe(errors: Error[]): Error[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}

export interface AuthenticatorConfig {
  /** x509 authenticates client certificates (absent: none accepted). */
  x509?: RequestAuthenticator;
  /** tokens are the token authenticators in upstream order (token file, service accounts). */
  tokens: readonly TokenAuthenticator[];
  anonymous: boolean;
}

/** buildAuthenticator assembles the request authenticator kube-apiserver builds from its flags. */
export function buildAuthenticator(c: AuthenticatorConfig): RequestAuthenticator {
  const chain: RequestAuthenticator[] = [];
  if (c.x509) chain.push(c.x509);
  if (c.tokens.length) chain.push(bearerToken(unionToken(c.tokens)));
  let auth = withAuthenticatedGroup(unionRequest(chain));
  if (c.anonymous) auth = failOnError(auth, anonymous());
  return auth;
}

/**
 * Bearer tokens (k8s.io/apiserver/pkg/authentication/request/bearertoken): the token of an
 * `Authorization: Bearer <token>` header, handed to the token authenticators.
 */
import { AuthenticationError, type AuthRequest, type AuthResponse, type RequestAuthenticator, type TokenAuthenticator } from './types';

/** INVALID_BEARER_TOKEN is upstream's error for a bearer token no authenticator recognized. */
export const INVALID_BEARER_TOKEN = 'invalid bearer token';

/** bearerToken reads `Authorization: Bearer <token>` and hands the token to the token authenticator. */
export function bearerToken(tokens: TokenAuthenticator): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      const token = bearerTokenOf(req.headers.authorization);
      if (token === undefined) return undefined;
      const r = await tokens.authenticateToken(token, req.audiences);
      if (!r) throw new AuthenticationError(INVALID_BEARER_TOKEN);
      return r;
    },
  };
}

/** bearerTokenOf extracts the token as upstream's bearertoken authenticator does; undefined when there is none. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const auth = (header ?? '').trim();
  if (!auth) return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0].toLowerCase() !== 'bearer') return undefined;
  const token = parts[1];
  return token === '' ? undefined : token;
}


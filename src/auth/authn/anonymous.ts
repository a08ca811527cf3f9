/**
 * Anonymous requests (k8s.io/apiserver/pkg/authentication/request/anonymous), with
 * --anonymous-auth: a request without credentials is system:anonymous in system:unauthenticated.
 */
import { ALL_UNAUTHENTICATED, ANONYMOUS } from '../user';
import type { AuthRequest, AuthResponse, RequestAuthenticator } from './types';

/** anonymous authenticates every request as system:anonymous in system:unauthenticated. */
export function anonymous(): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      return { user: { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] }, audiences: req.audiences };
    },
  };
}


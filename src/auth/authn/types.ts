/**
 * The authenticator interfaces (k8s.io/apiserver/pkg/authentication/authenticator). An
 * authenticator answers one of three ways: a user (and the audiences the credential is good
 * for), "not mine" (undefined: the next authenticator may try), or an AuthenticationError (the
 * credential is mine and it is bad).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../user';

/** AuthResponse is an authenticated user and the audiences the credential was valid for. */
export interface AuthResponse {
  user: UserInfo;
  audiences?: string[];
}

/** AuthRequest is what request authenticators look at. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  /** socket carries the client certificate; absent for TokenReview's synthetic requests. */
  socket?: TLSSocket;
  /** audiences the credential must be good for (TokenReview's spec.audiences); the API audiences otherwise. */
  audiences?: string[];
}

/** AuthenticationError is a credential that was recognized and refused. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** RequestAuthenticator authenticates a whole request (client certificate, bearer header, anonymous). */
export interface RequestAuthenticator {
  authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined>;
}

/** TokenAuthenticator authenticates a bearer token. */
export interface TokenAuthenticator {
  authenticateToken(token: string, audiences: string[] | undefined): Promise<AuthResponse | undefined>;
}

/** aggregateMessage renders several errors as upstream's utilerrors.NewAggregate does. */
export function aggregateMessage(errors: readonly Error[]): string {
  if (errors.length === 1) return errors[0].message;
  return `[${errors.map((e) => e.message).join(', ')}]`;
}

/** intersectAudiences keeps the audiences of `a` that are also in `b`, in a's order. */
export function intersectAudiences(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

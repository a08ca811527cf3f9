/**
 * SecurityServices: what the API objects of authentication and authorization (TokenReview,
 * SubjectAccessReview, TokenRequest, RBAC escalation checks) need from the server's
 * configuration. The server provides them once it has built them, keyed by its storage, so the
 * resource strategies built by the registry can reach the very authenticator and authorizer the
 * HTTP chain uses.
 */
import { newServiceUnavailable } from '../apierrors';
import type { ServiceAccountTokens } from './authn/serviceaccount';
import type { RequestAuthenticator } from './authn/types';
import type { RuleResolver } from './authz/rbac';
import type { Authorizer } from './authz/types';

export interface SecurityServices {
  /** authenticator is the request authenticator of the HTTP chain (TokenReview uses it). */
  authenticator: RequestAuthenticator;
  /** authorizer is the union of --authorization-mode (reviews, bind and escalate checks). */
  authorizer: Authorizer;
  /** ruleResolver reads RBAC roles and bindings (escalation checks compare against it). */
  ruleResolver: RuleResolver;
  /** tokens issues service account tokens (TokenRequest). */
  tokens: ServiceAccountTokens;
  /** apiAudiences are --api-audiences. */
  apiAudiences: readonly string[];
  /** maxTokenExpirationSeconds is --service-account-max-token-expiration (0: no maximum). */
  maxTokenExpirationSeconds: number;
}

const byScope = new WeakMap<object, SecurityServices>();

/** provideSecurity makes the services reachable from everything built on `scope` (the server's storage). */
export function provideSecurity(scope: object, services: SecurityServices): void {
  byScope.set(scope, services);
}

/** securityFor finds the services of a scope; a server that has not provided them answers 503. */
export function securityFor(scope: object): SecurityServices {
  const s = byScope.get(scope);
  if (!s) throw newServiceUnavailable('authentication and authorization are not configured on this server');
  return s;
}

/** maybeSecurityFor is securityFor without the error, for checks that do not apply without it. */
export function maybeSecurityFor(scope: object): SecurityServices | undefined {
  return byScope.get(scope);
}

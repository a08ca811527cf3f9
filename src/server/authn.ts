/**
 * Authentication and impersonation in the HTTP chain (k8s.io/apiserver filters
 * WithAuthentication and WithImpersonation). A request without acceptable credentials gets 401
 * with a Status body; an authenticated one carries its user in ctx.state.user, replaced by the
 * impersonated user when the Impersonate-* headers ask for one and the authorizer allows it.
 */
import type { Context, Middleware, Next } from 'koa';
import type { TLSSocket } from 'node:tls';
import { newUnauthorized } from '../apierrors';
import { impersonate, isImpersonating, type DistinctHeaders } from '../auth/authn/impersonation';
import { AuthenticationError, intersectAudiences, type RequestAuthenticator } from '../auth/authn/types';
import type { Authorizer } from '../auth/authz/types';
import { ALL_AUTHENTICATED } from '../auth/user';
import { withAudit, withAuditInit, type AuditBackend } from './audit';
import { authorize, securityState, withRequestInfo } from './authz';

/** AUTHENTICATED_GROUP is the group every authenticated user is in. */
export const AUTHENTICATED_GROUP = ALL_AUTHENTICATED;

/** SecurityMiddlewares are the security steps of the chain, in the order app.ts runs them. */
export interface SecurityMiddlewares {
  /** requestInfo and auditInit run before the Status middleware (they see the final response). */
  requestInfo: Middleware;
  auditInit: Middleware;
  authenticate: Middleware;
  audit: Middleware;
  impersonate: Middleware;
  authorize: Middleware;
}

export interface AuthenticateOptions {
  authenticator: RequestAuthenticator;
  /** apiAudiences are --api-audiences: a credential must be good for one of them. */
  apiAudiences: readonly string[];
  /** onFailure reports why a credential was refused (the response only says Unauthorized). */
  onFailure?: (ctx: Context, reason: string) => void;
}

/** authenticate puts the request's user in ctx.state.user, or answers 401. */
export function authenticate(opts: AuthenticateOptions) {
  const apiAuds = [...opts.apiAudiences];
  return async function authn(ctx: Context, next: Next): Promise<void> {
    let response;
    try {
      response = await opts.authenticator.authenticateRequest({
        headers: ctx.req.headers,
        socket: ctx.req.socket as TLSSocket,
        audiences: apiAuds.length ? apiAuds : undefined,
      });
    } catch (e) {
      if (!(e instanceof AuthenticationError)) throw e;
      opts.onFailure?.(ctx, e.message);
      throw newUnauthorized();
    }
    if (!response) {
      opts.onFailure?.(ctx, 'no credentials');
      throw newUnauthorized();
    }
    if (apiAuds.length && response.audiences && intersectAudiences(apiAuds, response.audiences).length === 0) {
      opts.onFailure?.(ctx, 'invalid audience');
      throw newUnauthorized();
    }
    // The credential has done its job; nothing behind this point should be tempted to reuse it.
    delete ctx.req.headers.authorization;
    securityState(ctx).user = response.user;
    await next();
  };
}

/** withImpersonation swaps in the impersonated user, each part checked with the authorizer. */
export function withImpersonation(authorizer: Authorizer) {
  return async function impersonation(ctx: Context, next: Next): Promise<void> {
    const headers = ctx.req.headersDistinct as DistinctHeaders;
    if (!isImpersonating(headers)) return next();
    const state = securityState(ctx);
    const requestor = state.user;
    if (!requestor) throw newUnauthorized();
    const user = impersonate(headers, requestor, authorizer);
    if (user) {
      state.user = user;
      state.audit?.setImpersonatedUser(user);
      for (const h of Object.keys(ctx.req.headers)) if (h.startsWith('impersonate-')) delete ctx.req.headers[h];
    }
    await next();
  };
}

/** SecurityConfig is what the security steps are built from (see src/auth/setup.ts). */
export interface SecurityConfig {
  authenticator: RequestAuthenticator;
  authorizer: Authorizer;
  apiAudiences: readonly string[];
  audit?: AuditBackend;
}

/** securityMiddlewares builds the chain's security steps. */
export function securityMiddlewares(c: SecurityConfig): SecurityMiddlewares {
  return {
    requestInfo: withRequestInfo(),
    auditInit: withAuditInit(c.audit),
    authenticate: authenticate({ authenticator: c.authenticator, apiAudiences: c.apiAudiences }),
    audit: withAudit(c.audit),
    impersonate: withImpersonation(c.authorizer),
    authorize: authorize(c.authorizer),
  };
}

/**
 * The request-info and authorization steps of the HTTP chain (k8s.io/apiserver filters
 * WithRequestInfo and WithAuthorization): every request, API or not, is described in API terms
 * and asked of the authorizer as the authenticated (or impersonated) user. Nothing reaches a
 * handler unless an authorizer allowed it.
 */
import type { Context, Next } from 'koa';
import { newInternalError } from '../apierrors';
import { forbiddenError } from '../auth/authz/forbidden';
import { newRequestInfo, type RequestInfo, type RequestInfoError } from '../auth/authz/requestinfo';
import type { Attributes, Authorizer } from '../auth/authz/types';
import type { UserInfo } from '../auth/user';
import type { AuditContext } from '../auth/audit/event';

/** SecurityState is what the security steps leave in ctx.state for the later ones. */
export interface SecurityState {
  user?: UserInfo;
  requestInfo?: RequestInfo;
  requestInfoError?: RequestInfoError;
  audit?: AuditContext;
}

export function securityState(ctx: Context): SecurityState {
  return ctx.state as SecurityState;
}

/** withRequestInfo parses what the request does; the first step of the chain. */
export function withRequestInfo() {
  return async function requestInfo(ctx: Context, next: Next): Promise<void> {
    const url = new URL(ctx.url, 'https://kapi.invalid');
    const { info, error } = newRequestInfo(ctx.method, url.pathname, url.searchParams);
    const state = securityState(ctx);
    state.requestInfo = info;
    if (error) state.requestInfoError = error;
    await next();
  };
}

/** attributesOf are the authorizer attributes of a request (upstream GetAuthorizerAttributes). */
export function attributesOf(info: RequestInfo, user: UserInfo): Attributes {
  return {
    user,
    verb: info.verb,
    resourceRequest: info.isResourceRequest,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    path: info.path,
  };
}

/** DECISION_ANNOTATION and REASON_ANNOTATION are the audit annotations upstream records. */
const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
const REASON_ANNOTATION = 'authorization.k8s.io/reason';

/** authorize refuses, with kube-apiserver's 403 Status, whatever no authorizer allowed. */
export function authorize(authorizer: Authorizer) {
  return async function authorization(ctx: Context, next: Next): Promise<void> {
    const state = securityState(ctx);
    if (state.requestInfoError) throw newInternalError(new Error(`failed to create RequestInfo: ${state.requestInfoError.message}`));
    if (!state.user || !state.requestInfo) throw newInternalError(new Error('no user or request info on the request'));
    const attrs = attributesOf(state.requestInfo, state.user);
    const result = authorizer.authorize(attrs);
    if (result.decision === 'Allow') {
      state.audit?.annotate(DECISION_ANNOTATION, 'allow');
      state.audit?.annotate(REASON_ANNOTATION, result.reason);
      await next();
      return;
    }
    if (result.error) {
      state.audit?.annotate(REASON_ANNOTATION, 'internal error');
      throw newInternalError(new Error(result.error));
    }
    state.audit?.annotate(DECISION_ANNOTATION, 'forbid');
    state.audit?.annotate(REASON_ANNOTATION, result.reason);
    throw forbiddenError(attrs, result.reason);
  };
}

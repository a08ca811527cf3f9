/**
 * The authentication.k8s.io review APIs (k8s.io/kubernetes pkg/registry/authentication):
 * TokenReview asks whether a token is valid and whose it is; SelfSubjectReview
 * (`kubectl auth whoami`) tells the caller who the server thinks they are.
 */
import { newBadRequest } from '../../apierrors';
import { isPlainObject } from '../../meta/object';
import { AuthenticationError, intersectAudiences, type RequestAuthenticator } from '../authn/types';
import type { UserInfo } from '../user';

const API_VERSION = 'authentication.k8s.io/v1';
type Obj = Record<string, unknown>;

function userInfo(u: UserInfo): Obj {
  const out: Obj = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

/** tokenReview authenticates spec.token for spec.audiences (the API audiences when empty). */
export async function tokenReview(authenticator: RequestAuthenticator, apiAudiences: readonly string[], body: Obj): Promise<Obj> {
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (!token) throw newBadRequest('token is required for TokenReview in authentication');
  const requested = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const auds = requested.length ? requested : [...apiAudiences];
  // authenticated is omitted when false, as Go's omitempty does; user is always there.
  const status: Obj = { user: {} };
  try {
    // A request carrying nothing but the token.
    const r = await authenticator.authenticateRequest({ headers: { authorization: `Bearer ${token}` }, audiences: auds.length ? auds : undefined });
    if (r) {
      const effective = r.audiences ?? auds;
      if (auds.length && intersectAudiences(auds, effective).length === 0) throw new Error('error validating audience');
      status.authenticated = true;
      status.user = userInfo(r.user);
      if (effective.length) status.audiences = effective;
    }
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    status.error = e.message;
  }
  const metadata = isPlainObject(body.metadata) ? { ...body.metadata } : {};
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  return { kind: 'TokenReview', apiVersion: API_VERSION, metadata, spec, status };
}

/** selfSubjectReview returns the caller's user as the server sees it. */
export function selfSubjectReview(user: UserInfo, now: Date = new Date()): Obj {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: API_VERSION,
    metadata: { creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    status: { userInfo: userInfo(user) },
  };
}

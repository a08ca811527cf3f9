/**
 * Impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation): `Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` headers let a user act as
 * someone else, each part allowed by the `impersonate` verb on users, groups, uids, userextras
 * (subresource: the key) or serviceaccounts. `kubectl --as` and `--as-group` send them.
 */
import { newBadRequest } from '../../apierrors';
import { forbiddenError } from '../authz/forbidden';
import { resourceAttributes, type Attributes, type Authorizer } from '../authz/types';
import { makeGroupNames, makeUsername, splitUsername } from '../serviceaccount';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, type UserInfo } from '../user';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

/** ImpersonationRequest is one thing asked for (upstream builds v1.ObjectReferences). */
interface ImpersonationRequest {
  kind: 'ServiceAccount' | 'User' | 'Group' | 'UserExtra' | 'UID';
  namespace?: string;
  name: string;
  apiVersion?: string;
  fieldPath?: string;
}

/** Headers are the request headers with every value kept (Node's headersDistinct). */
export type DistinctHeaders = Record<string, string[] | undefined>;

/** isImpersonating tells whether any impersonation header is present. */
export function isImpersonating(headers: DistinctHeaders): boolean {
  return Object.keys(headers).some((h) => h === USER_HEADER || h === GROUP_HEADER || h === UID_HEADER || h.startsWith(EXTRA_PREFIX));
}

function buildRequests(headers: DistinctHeaders): ImpersonationRequest[] {
  const requests: ImpersonationRequest[] = [];
  const requestedUser = headers[USER_HEADER]?.[0] ?? '';
  if (requestedUser) {
    const sa = splitUsername(requestedUser);
    requests.push(sa ? { kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name } : { kind: 'User', name: requestedUser });
  }
  let hasGroups = false;
  for (const g of headers[GROUP_HEADER] ?? []) {
    hasGroups = true;
    requests.push({ kind: 'Group', name: g });
  }
  let hasExtra = false;
  for (const [header, values] of Object.entries(headers)) {
    if (!header.startsWith(EXTRA_PREFIX)) continue;
    hasExtra = true;
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const v of values ?? []) requests.push({ kind: 'UserExtra', apiVersion: 'authentication.k8s.io/v1', name: v, fieldPath: key });
  }
  const uid = headers[UID_HEADER]?.[0] ?? '';
  if (uid) requests.push({ kind: 'UID', apiVersion: 'authentication.k8s.io/v1', name: uid });
  if ((hasGroups || hasExtra || uid) && !requestedUser) {
    throw newBadRequest(`requested [${requests.map(goObjectReference).join(' ')}] without impersonating a user`);
  }
  return requests;
}

/** goObjectReference renders a v1.ObjectReference as Go's %v does. */
function goObjectReference(r: ImpersonationRequest): string {
  return `{${[r.kind, r.namespace ?? '', r.name, '', r.apiVersion ?? '', '', r.fieldPath ?? ''].join(' ')}}`;
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/**
 * impersonate returns the user the request acts as, after checking each impersonated part with
 * the authorizer; undefined when the request does not impersonate. Refusals are StatusErrors.
 */
export function impersonate(headers: DistinctHeaders, requestor: UserInfo, authorizer: Authorizer): UserInfo | undefined {
  const requests = buildRequests(headers);
  if (requests.length === 0) return undefined;
  const groupsSpecified = (headers[GROUP_HEADER] ?? []).length > 0;
  let username = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  let uid = '';
  for (const req of requests) {
    let attrs: Attributes;
    switch (req.kind) {
      case 'ServiceAccount':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', resource: 'serviceaccounts', namespace: req.namespace, name: req.name });
        username = makeUsername(req.namespace ?? '', req.name);
        if (!groupsSpecified) groups = makeGroupNames(req.namespace ?? '');
        break;
      case 'User':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', resource: 'users', name: req.name });
        username = req.name;
        break;
      case 'Group':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', resource: 'groups', name: req.name });
        groups.push(req.name);
        break;
      case 'UserExtra':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'userextras', subresource: req.fieldPath, name: req.name });
        (extra[req.fieldPath ?? ''] ??= []).push(req.name);
        break;
      case 'UID':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', apiGroup: 'authentication.k8s.io', apiVersion: 'v1', resource: 'uids', name: req.name });
        uid = req.name;
        break;
    }
    const decision = authorizer.authorize(attrs);
    if (decision.decision !== 'Allow') throw forbiddenError(attrs, decision.reason);
  }
  if (username !== ANONYMOUS) {
    if (!groups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  const user: UserInfo = { name: username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}

/**
 * The authorization.k8s.io review APIs (k8s.io/kubernetes pkg/registry/authorization): they are
 * questions, not stored objects. SubjectAccessReview asks about anyone, LocalSubjectAccessReview
 * about anyone in one namespace, SelfSubjectAccessReview (`kubectl auth can-i`) about the caller,
 * SelfSubjectRulesReview (`kubectl auth can-i --list`) lists the caller's rules in a namespace.
 */
import { FieldError, invalid, newBadRequest, newInvalid } from '../../apierrors';
import { isPlainObject } from '../../meta/object';
import type { RequestContext } from '../../registry/context';
import type { Attributes, Authorizer } from '../authz/types';
import type { UserInfo } from '../user';

const GROUP = 'authorization.k8s.io';
const API_VERSION = `${GROUP}/v1`;

type Obj = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** resourceAttributesFrom is upstream's authorizationutil.ResourceAttributesFrom. */
function resourceAttributesFrom(user: UserInfo, ra: Obj): Attributes {
  return {
    user,
    verb: str(ra.verb),
    resourceRequest: true,
    namespace: str(ra.namespace),
    apiGroup: str(ra.group),
    apiVersion: str(ra.version),
    resource: str(ra.resource),
    subresource: str(ra.subresource),
    name: str(ra.name),
    path: '',
  };
}

function nonResourceAttributesFrom(user: UserInfo, nra: Obj): Attributes {
  return { user, verb: str(nra.verb), resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: str(nra.path) };
}

function specOf(body: Obj): Obj {
  return isPlainObject(body.spec) ? body.spec : {};
}

/** validateAttributesChoice: exactly one of resourceAttributes and nonResourceAttributes. */
function validateAttributesChoice(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (ra !== undefined && nra !== undefined) errs.push(invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes'));
  if (ra === undefined && nra === undefined) errs.push(invalid('spec.resourceAttributes', undefined, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  return errs;
}

/** metadataIsEmpty: the review's ObjectMeta may only be the zero value (null timestamps are). */
function metadataIsEmpty(body: Obj, allowNamespace: boolean): boolean {
  const meta = isPlainObject(body.metadata) ? body.metadata : {};
  // Zero values are what protobuf clients send for fields they leave unset.
  const isZero = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
  return Object.entries(meta).every(([k, v]) => k === 'managedFields' || (allowNamespace && k === 'namespace') || isZero(v));
}

/** reviewStatus runs the authorizer and renders SubjectAccessReviewStatus. */
function reviewStatus(authorizer: Authorizer, attrs: Attributes): Obj {
  const r = authorizer.authorize(attrs);
  const status: Obj = { allowed: r.decision === 'Allow' };
  if (r.decision === 'Deny') status.denied = true;
  if (r.reason) status.reason = r.reason;
  if (r.error) status.evaluationError = r.error;
  return status;
}

function respond(kind: string, body: Obj, spec: Obj, status: Obj): Obj {
  const metadata = isPlainObject(body.metadata) ? { ...body.metadata } : {};
  if (metadata.creationTimestamp === undefined) metadata.creationTimestamp = null;
  return { kind, apiVersion: API_VERSION, metadata, spec, status };
}

/** userOfSpec is the user a SubjectAccessReview asks about. */
function userOfSpec(spec: Obj): UserInfo {
  const user: UserInfo = { name: str(spec.user), groups: strings(spec.groups) };
  if (str(spec.uid)) user.uid = str(spec.uid);
  if (isPlainObject(spec.extra)) {
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(spec.extra)) extra[k] = strings(v);
    user.extra = extra;
  }
  return user;
}

/** subjectAccessReview answers a SubjectAccessReview. */
export function subjectAccessReview(authorizer: Authorizer, body: Obj): Obj {
  const spec = specOf(body);
  const errs = validateAttributesChoice(spec);
  if (!str(spec.user) && strings(spec.groups).length === 0) errs.push(invalid('spec.user', str(spec.user), 'at least one of user or group must be specified'));
  if (!metadataIsEmpty(body, false)) errs.push(invalid('metadata', body.metadata, 'must be empty'));
  if (errs.length) throw newInvalid({ group: GROUP, kind: 'SubjectAccessReview' }, '', errs);
  const user = userOfSpec(spec);
  const attrs = isPlainObject(spec.resourceAttributes) ? resourceAttributesFrom(user, spec.resourceAttributes) : nonResourceAttributesFrom(user, isPlainObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {});
  return respond('SubjectAccessReview', body, spec, reviewStatus(authorizer, attrs));
}

/** localSubjectAccessReview answers a LocalSubjectAccessReview, confined to the URL's namespace. */
export function localSubjectAccessReview(authorizer: Authorizer, ctx: RequestContext, body: Obj): Obj {
  const namespace = ctx.namespace;
  if (!namespace) throw newBadRequest(`namespace is required on this type: ${namespace}`);
  const meta = isPlainObject(body.metadata) ? body.metadata : (body.metadata = {});
  if (meta.namespace === undefined || meta.namespace === '') meta.namespace = namespace;
  else if (meta.namespace !== namespace) throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  const spec = specOf(body);
  const errs = validateAttributesChoice(spec);
  if (!str(spec.user) && strings(spec.groups).length === 0) errs.push(invalid('spec.user', str(spec.user), 'at least one of user or group must be specified'));
  if (!metadataIsEmpty(body, true)) errs.push(invalid('metadata', body.metadata, 'must be empty except for namespace'));
  const ra = isPlainObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  if (ra && str(ra.namespace) !== namespace) errs.push(invalid('spec.resourceAttributes.namespace', str(ra.namespace), 'must match metadata.namespace'));
  if (spec.nonResourceAttributes !== undefined) errs.push(invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  if (errs.length) throw newInvalid({ group: GROUP, kind: 'LocalSubjectAccessReview' }, '', errs);
  const attrs = resourceAttributesFrom(userOfSpec(spec), ra ?? {});
  return respond('LocalSubjectAccessReview', body, spec, reviewStatus(authorizer, attrs));
}

/** selfSubjectAccessReview answers `kubectl auth can-i` about the caller. */
export function selfSubjectAccessReview(authorizer: Authorizer, user: UserInfo, body: Obj): Obj {
  const spec = specOf(body);
  const errs = validateAttributesChoice(spec);
  if (!metadataIsEmpty(body, false)) errs.push(invalid('metadata', body.metadata, 'must be empty'));
  if (errs.length) throw newInvalid({ group: GROUP, kind: 'SelfSubjectAccessReview' }, '', errs);
  const attrs = isPlainObject(spec.resourceAttributes) ? resourceAttributesFrom(user, spec.resourceAttributes) : nonResourceAttributesFrom(user, isPlainObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {});
  return respond('SelfSubjectAccessReview', body, spec, reviewStatus(authorizer, attrs));
}

/** selfSubjectRulesReview lists what the caller may do in spec.namespace (`kubectl auth can-i --list`). */
export function selfSubjectRulesReview(authorizer: Authorizer, user: UserInfo, body: Obj): Obj {
  const spec = specOf(body);
  const namespace = str(spec.namespace);
  if (!namespace) throw newBadRequest('no namespace on request');
  const rules = authorizer.rulesFor(user, namespace);
  const status: Obj = {
    resourceRules: rules.resourceRules.map((r) => {
      const out: Obj = { verbs: r.verbs };
      if (r.apiGroups.length) out.apiGroups = r.apiGroups;
      if (r.resources.length) out.resources = r.resources;
      if (r.resourceNames?.length) out.resourceNames = r.resourceNames;
      return out;
    }),
    nonResourceRules: rules.nonResourceRules.map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
    incomplete: rules.incomplete,
  };
  if (rules.error) status.evaluationError = rules.error;
  return { kind: 'SelfSubjectRulesReview', apiVersion: API_VERSION, metadata: { creationTimestamp: null }, spec: {}, status };
}

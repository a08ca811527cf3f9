/**
 * Semantic validation of RBAC objects (k8s.io/kubernetes pkg/apis/rbac/validation): rules need
 * verbs and either resources (with API groups) or non-resource URLs, the latter only in
 * ClusterRoles; bindings reference a Role or ClusterRole and name valid subjects; a binding's
 * roleRef never changes.
 */
import { FieldError, invalid, notSupported, required } from '../../apierrors';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { RBAC_GROUP } from './subjects';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** validatePolicyRule is upstream's validatePolicyRule. */
function validatePolicyRule(rule: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const verbs = strings(rule.verbs);
  const urls = strings(rule.nonResourceURLs);
  const groups = strings(rule.apiGroups);
  const resources = strings(rule.resources);
  const names = strings(rule.resourceNames);
  if (verbs.length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (groups.length || resources.length || names.length) errs.push(invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return errs;
  }
  if (groups.length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  if (names.length > 0 && resources.length > 1) errs.push(required(`${path}.resourceNames`, 'resource names cannot apply to multiple resources'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  const rules = Array.isArray(obj.rules) ? obj.rules : [];
  return rules.flatMap((r, i) => validatePolicyRule(isPlainObject(r) ? r : {}, namespaced, `rules[${i}]`));
}

/** validateRole validates a Role. */
export function validateRole(role: KubeObject): FieldError[] {
  return validateRules(role, true);
}

/** validateClusterRole validates a ClusterRole and its aggregationRule. */
export function validateClusterRole(role: KubeObject): FieldError[] {
  const errs = validateRules(role, false);
  if (role.aggregationRule !== undefined) {
    const agg = isPlainObject(role.aggregationRule) ? role.aggregationRule : {};
    const selectors = Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : [];
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  return errs;
}

function validateBinding(binding: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = isPlainObject(binding.roleRef) ? binding.roleRef : {};
  const apiGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(kind)) errs.push(notSupported('roleRef.kind', kind, kinds));
  if (!name) errs.push(required('roleRef.name'));
  else for (const msg of pathSegmentErrors(name)) errs.push(invalid('roleRef.name', name, msg));
  const subjects = Array.isArray(binding.subjects) ? binding.subjects : [];
  subjects.forEach((s, i) => errs.push(...validateSubject(isPlainObject(s) ? s : {}, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateSubject(s: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
  const kind = typeof s.kind === 'string' ? s.kind : '';
  if (!name) errs.push(required(`${path}.name`));
  switch (kind) {
    case 'ServiceAccount':
      if (name && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
        errs.push(invalid(`${path}.name`, name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
      }
      if (apiGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (!name) errs.push(invalid(`${path}.name`, name, `${kind === 'User' ? 'user' : 'group'} name cannot be empty`));
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** pathSegmentErrors is upstream's path.IsValidPathSegmentName. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

export const validateRoleBinding = (b: KubeObject) => validateBinding(b, true);
export const validateClusterRoleBinding = (b: KubeObject) => validateBinding(b, false);

/** validateRoleRefUnchanged refuses a changed roleRef: a binding's role is fixed at creation. */
export function validateRoleRefUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const a = isPlainObject(obj.roleRef) ? obj.roleRef : {};
  const b = isPlainObject(old.roleRef) ? old.roleRef : {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  // Upstream passes the internal rbac.RoleRef, a struct without json tags: encoding/json prints
  // its Go field names, all of them.
  const internal = { APIGroup: a.apiGroup ?? '', Kind: a.kind ?? '', Name: a.name ?? '' };
  return [invalid('roleRef', internal, 'cannot change roleRef')];
}

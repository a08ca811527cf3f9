/** Subject and roleRef defaults shared by RoleBindings and ClusterRoleBindings (rbac/v1 defaults.go). */
import { isPlainObject, type KubeObject } from '../../meta/object';

/** RBAC_GROUP is the API group of Roles and ClusterRoles, and of User and Group subjects. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** defaultBinding fills roleRef.apiGroup and each subject's apiGroup by its kind. */
export function defaultBinding(binding: KubeObject): void {
  if (isPlainObject(binding.roleRef)) binding.roleRef.apiGroup ||= RBAC_GROUP;
  for (const s of Array.isArray(binding.subjects) ? binding.subjects : []) {
    if (!isPlainObject(s) || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

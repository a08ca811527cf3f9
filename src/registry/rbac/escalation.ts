/**
 * The policy-based storage of RBAC objects (k8s.io/kubernetes pkg/registry/rbac/<resource>/policybased):
 * writing a Role or ClusterRole, or a binding to one, is refused with 403 when it would grant
 * rules the writer does not hold, unless the writer may `escalate` (roles) or `bind` (bindings),
 * or is in system:masters. Changes that only touch garbage-collection fields pass.
 */
import { StatusError, newForbidden, newNotFound } from '../../apierrors';
import { bindingAuthorized, confirmNoEscalation, escalationAllowed, roleEscalationAuthorized, RBAC_GROUP } from '../../auth/authz/escalation';
import { RuleLookupError, type RoleRef, type RuleResolver } from '../../auth/authz/rbac';
import { toPolicyRules, type PolicyRule } from '../../auth/authz/rules';
import type { Authorizer } from '../../auth/authz/types';
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { RequestContext } from '../context';
import { deepEqual } from '../equal';
import type { Finish, StrategyOverrides } from '../strategy';

/** RbacResource names the four policy-based resources. */
export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

/** PolicyServices are what the checks consult; undefined when the server has no authorization configured. */
export interface PolicyServices {
  authorizer: Authorizer;
  ruleResolver: RuleResolver;
}

/** FULL_AUTHORITY is what setting an aggregationRule requires: it can gather anything. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const done: Finish = async () => {};

/** escalationGuard returns the beginCreate and beginUpdate hooks of a policy-based RBAC resource. */
export function escalationGuard(resource: RbacResource, services: () => PolicyServices | undefined): StrategyOverrides {
  const check = (ctx: RequestContext, obj: KubeObject, old?: KubeObject) => {
    const s = services();
    if (!s) return;
    if (old && isOnlyMutatingGCFields(obj, old)) return;
    if (resource === 'roles' || resource === 'clusterroles') checkRole(s, resource, ctx, obj, old);
    else checkBinding(s, resource, ctx, obj);
  };
  return {
    beginCreate: async (ctx, obj) => (check(ctx, obj), done),
    beginUpdate: async (ctx, obj, old) => (check(ctx, obj, old), done),
  };
}

function checkRole(s: PolicyServices, resource: 'roles' | 'clusterroles', ctx: RequestContext, obj: KubeObject, old?: KubeObject): void {
  const user = ctx.user;
  const name = obj.metadata.name ?? '';
  const namespace = resource === 'roles' ? ctx.namespace : '';
  if (escalationAllowed(user) || roleEscalationAuthorized(s.authorizer, user, { resource, name, namespace })) return;
  const gr = { group: RBAC_GROUP, resource };
  const msg = confirmNoEscalation(s.ruleResolver, user, namespace, toPolicyRules(obj.rules));
  if (msg) throw newForbidden(gr, name, msg);
  if (resource === 'clusterroles' && (obj.aggregationRule !== undefined || old?.aggregationRule !== undefined)) {
    if (confirmNoEscalation(s.ruleResolver, user, '', FULL_AUTHORITY)) throw newForbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

function checkBinding(s: PolicyServices, resource: 'rolebindings' | 'clusterrolebindings', ctx: RequestContext, obj: KubeObject): void {
  const user = ctx.user;
  if (escalationAllowed(user)) return;
  const namespace = resource === 'rolebindings' ? ctx.namespace : '';
  const ref = isPlainObject(obj.roleRef) ? obj.roleRef : {};
  const roleRef: RoleRef = {
    apiGroup: typeof ref.apiGroup === 'string' ? ref.apiGroup : '',
    kind: typeof ref.kind === 'string' ? ref.kind : '',
    name: typeof ref.name === 'string' ? ref.name : '',
  };
  if (bindingAuthorized(s.authorizer, user, roleRef, namespace)) return;
  let rules: readonly PolicyRule[];
  try {
    rules = s.ruleResolver.getRoleReferenceRules(roleRef, namespace);
  } catch (e) {
    if (e instanceof RuleLookupError && e.notFound) throw newNotFound({ group: e.notFound.group, resource: e.notFound.resource }, e.notFound.name);
    if (e instanceof RuleLookupError) throw new StatusError(500, 'InternalError', e.message);
    throw e;
  }
  const msg = confirmNoEscalation(s.ruleResolver, user, namespace, rules);
  if (msg) throw newForbidden({ group: RBAC_GROUP, resource }, obj.metadata.name ?? '', msg);
}

/** isOnlyMutatingGCFields tells a change of ownerReferences or finalizers alone (upstream's helper). */
function isOnlyMutatingGCFields(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, managedFields: _m, resourceVersion: _r, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}

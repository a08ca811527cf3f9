/**
 * Privilege-escalation prevention for RBAC writes (k8s.io/kubernetes pkg/registry/rbac:
 * escalation_check.go, validation.ConfirmNoEscalation): a user may only create or change a role
 * whose rules they already hold, and only bind a role whose rules they hold, unless they are
 * allowed the `escalate` (roles) or `bind` (bindings) verb on it, or are in system:masters.
 */
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../user';
import type { RoleRef, RuleResolver } from './rbac';
import { compactRules, compactString, covers, type PolicyRule } from './rules';
import { resourceAttributes, type Authorizer } from './types';

/** RBAC_GROUP is rbac.authorization.k8s.io. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** escalationAllowed: system:masters may always grant anything (the API server's own loopback identity). */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_PRIVILEGED_GROUP);
}

/** roleEscalationAuthorized asks the authorizer for the `escalate` verb on the role being written. */
export function roleEscalationAuthorized(authorizer: Authorizer, user: UserInfo, target: { resource: 'roles' | 'clusterroles'; name: string; namespace: string }): boolean {
  const a = resourceAttributes(user, { verb: 'escalate', apiGroup: RBAC_GROUP, apiVersion: '*', resource: target.resource, name: target.name, namespace: target.namespace });
  return authorizer.authorize(a).decision === 'Allow';
}

/** bindingAuthorized asks the authorizer for the `bind` verb on the referenced role, in the binding's namespace. */
export function bindingAuthorized(authorizer: Authorizer, user: UserInfo, roleRef: RoleRef, bindingNamespace: string): boolean {
  let resource: string;
  if (roleRef.kind === 'ClusterRole') resource = 'clusterroles';
  else if (roleRef.kind === 'Role') resource = 'roles';
  else return false;
  const a = resourceAttributes(user, { verb: 'bind', apiGroup: roleRef.apiGroup, resource, name: roleRef.name, namespace: bindingNamespace });
  return authorizer.authorize(a).decision === 'Allow';
}

/**
 * confirmNoEscalation returns undefined when the user's own rules in the namespace cover the
 * given rules, and upstream's message listing what they lack otherwise.
 */
export function confirmNoEscalation(resolver: RuleResolver, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owner = resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.map((e) => e.message).join(' ')}]`;
  return msg;
}

function goQuoteList(items: readonly string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}


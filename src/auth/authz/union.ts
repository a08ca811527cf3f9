/**
 * --authorization-mode: the authorizers kapi offers and their union in the order given, behind
 * the system:masters short-circuit kube-apiserver always puts first
 * (pkg/kubeapiserver/authorizer/config.go, k8s.io/apiserver/pkg/authorization/union).
 */
import { SYSTEM_PRIVILEGED_GROUP, type UserInfo } from '../user';
import { RbacAuthorizer, errorAggregate, type PolicySource } from './rbac';
import type { Attributes, Authorizer, AuthorizerResult, RulesResult } from './types';

/** AUTHORIZATION_MODES are the modes kapi accepts; Node is a documented no-op (there are no kubelets). */
export const AUTHORIZATION_MODES = ['AlwaysAllow', 'AlwaysDeny', 'RBAC', 'Node'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
/** UPSTREAM_ONLY_MODES exist in kube-apiserver but need what kapi does not have. */
const UPSTREAM_ONLY_MODES = ['ABAC', 'Webhook'];

const EMPTY_RULES: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };

/**
 * privilegedGroups allows members of the given groups everything (upstream NewPrivilegedGroups).
 * Like upstream's, it is no rule resolver: SelfSubjectRulesReview lists what the modes grant.
 */
export function privilegedGroups(...groups: string[]): Authorizer {
  return {
    authorize: (a) => (a.user.groups.some((g) => groups.includes(g)) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' }),
    rulesFor: () => EMPTY_RULES,
  };
}

function allRules(): RulesResult {
  return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
}

export const alwaysAllow: Authorizer = { authorize: () => ({ decision: 'Allow', reason: '' }), rulesFor: () => allRules() };
export const alwaysDeny: Authorizer = { authorize: () => ({ decision: 'NoOpinion', reason: 'Everything is forbidden.' }), rulesFor: () => EMPTY_RULES };
/** nodeAuthorizer has no opinion: without kubelets there is no node graph to authorize against. */
export const nodeAuthorizer: Authorizer = { authorize: () => ({ decision: 'NoOpinion', reason: '' }), rulesFor: () => EMPTY_RULES };

/** union asks each authorizer in turn; the first Allow or Deny decides. */
export function union(authorizers: readonly Authorizer[]): Authorizer {
  return {
    authorize(a: Attributes): AuthorizerResult {
      const reasons: string[] = [];
      const errors: Error[] = [];
      for (const z of authorizers) {
        const r = z.authorize(a);
        if (r.error) errors.push(new Error(r.error));
        if (r.reason) reasons.push(r.reason);
        if (r.decision !== 'NoOpinion') return r;
      }
      const result: AuthorizerResult = { decision: 'NoOpinion', reason: reasons.join('\n') };
      if (errors.length) result.error = errorAggregate(errors);
      return result;
    },
    rulesFor(user: UserInfo, namespace: string): RulesResult {
      const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
      const errors: Error[] = [];
      for (const z of authorizers) {
        const r = z.rulesFor(user, namespace);
        out.resourceRules.push(...r.resourceRules);
        out.nonResourceRules.push(...r.nonResourceRules);
        out.incomplete ||= r.incomplete;
        if (r.error) errors.push(new Error(r.error));
      }
      if (errors.length) out.error = errorAggregate(errors);
      return out;
    },
  };
}

/** parseAuthorizationModes validates --authorization-mode as kube-apiserver does. */
export function parseAuthorizationModes(flag: string): AuthorizationMode[] {
  const modes = flag.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (modes.length === 0) throw new Error('at least one authorization-mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (UPSTREAM_ONLY_MODES.includes(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} is not supported by kapi (supported: ${AUTHORIZATION_MODES.join(', ')})`);
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} is not a valid mode`);
    if (seen.has(m)) throw new Error(`authorization-mode ${JSON.stringify(m)} has mode specified more than once`);
    seen.add(m);
  }
  return modes as AuthorizationMode[];
}

/** buildAuthorizer assembles the configured modes, system:masters first. */
export function buildAuthorizer(modes: readonly AuthorizationMode[], rbacSource: PolicySource): { authorizer: Authorizer; rbac?: RbacAuthorizer } {
  const chain: Authorizer[] = [privilegedGroups(SYSTEM_PRIVILEGED_GROUP)];
  let rbac: RbacAuthorizer | undefined;
  for (const m of modes) {
    if (m === 'AlwaysAllow') chain.push(alwaysAllow);
    else if (m === 'AlwaysDeny') chain.push(alwaysDeny);
    else if (m === 'Node') chain.push(nodeAuthorizer);
    else chain.push((rbac = new RbacAuthorizer(rbacSource)));
  }
  return { authorizer: union(chain), rbac };
}

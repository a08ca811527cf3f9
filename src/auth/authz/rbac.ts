/**
 * The RBAC authorizer (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac and
 * pkg/registry/rbac/validation/rule.go): a request is allowed when a rule of a role bound to the
 * user allows it. ClusterRoleBindings apply everywhere; RoleBindings only in their namespace, so
 * a namespaced binding never grants anything at the cluster scope.
 */
import { matchesUsername } from '../serviceaccount';
import type { UserInfo } from '../user';
import { ruleAllows, type PolicyRule } from './rules';
import type { Attributes, Authorizer, AuthorizerResult, NonResourceRuleInfo, ResourceRuleInfo, RulesResult } from './types';

/** RoleRef and Subject mirror rbac/v1. */
export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** Binding is a RoleBinding (namespace set) or ClusterRoleBinding (namespace ''). */
export interface Binding {
  name: string;
  namespace: string;
  roleRef: RoleRef;
  subjects: readonly Subject[];
}

/** RuleLookupError is a binding whose role cannot be found; it is reported, never fatal. */
export class RuleLookupError extends Error {
  constructor(
    message: string,
    readonly notFound: { group: string; resource: string; name: string } | undefined = undefined,
  ) {
    super(message);
  }
}

/** PolicySource is where roles and bindings are read from (the watch caches, or fixtures in tests). */
export interface PolicySource {
  /** getRole returns the rules of a Role; undefined when it does not exist. */
  getRole(namespace: string, name: string): readonly PolicyRule[] | undefined;
  getClusterRole(name: string): readonly PolicyRule[] | undefined;
  listRoleBindings(namespace: string): Iterable<Binding>;
  listClusterRoleBindings(): Iterable<Binding>;
}

type Visitor = (source: (() => string) | undefined, rule: PolicyRule | undefined, err: Error | undefined) => boolean;

/** RuleResolver finds the rules that apply to a user in a namespace (upstream DefaultRuleResolver). */
export class RuleResolver {
  constructor(private readonly source: PolicySource) {}

  /** getRoleReferenceRules resolves a binding's roleRef; the namespace is the binding's ('' for cluster bindings). */
  getRoleReferenceRules(roleRef: RoleRef, namespace: string): readonly PolicyRule[] {
    if (roleRef.kind === 'Role') {
      const rules = this.source.getRole(namespace, roleRef.name);
      if (!rules) throw new RuleLookupError(`role.rbac.authorization.k8s.io "${roleRef.name}" not found`, { group: 'rbac.authorization.k8s.io', resource: 'role', name: roleRef.name });
      return rules;
    }
    if (roleRef.kind === 'ClusterRole') {
      const rules = this.source.getClusterRole(roleRef.name);
      if (!rules) throw new RuleLookupError(`clusterrole.rbac.authorization.k8s.io "${roleRef.name}" not found`, { group: 'rbac.authorization.k8s.io', resource: 'clusterrole', name: roleRef.name });
      return rules;
    }
    throw new RuleLookupError(`unsupported role reference kind: ${JSON.stringify(roleRef.kind)}`);
  }

  /** visitRulesFor calls the visitor with each applicable rule, cluster bindings first; false stops. */
  visitRulesFor(user: UserInfo, namespace: string, visitor: Visitor): void {
    for (const b of this.source.listClusterRoleBindings()) {
      const subject = appliesTo(user, b.subjects, '');
      if (!subject) continue;
      let rules: readonly PolicyRule[];
      try {
        rules = this.getRoleReferenceRules(b.roleRef, '');
      } catch (e) {
        if (!visitor(undefined, undefined, e as Error)) return;
        continue;
      }
      const describe = () => `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
      for (const r of rules) if (!visitor(describe, r, undefined)) return;
    }
    if (!namespace) return;
    for (const b of this.source.listRoleBindings(namespace)) {
      const subject = appliesTo(user, b.subjects, namespace);
      if (!subject) continue;
      let rules: readonly PolicyRule[];
      try {
        rules = this.getRoleReferenceRules(b.roleRef, namespace);
      } catch (e) {
        if (!visitor(undefined, undefined, e as Error)) return;
        continue;
      }
      const describe = () => `RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, b.namespace)}`;
      for (const r of rules) if (!visitor(describe, r, undefined)) return;
    }
  }

  /** rulesFor collects every applicable rule and the lookup errors met on the way. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: Error[] } {
    const rules: PolicyRule[] = [];
    const errors: Error[] = [];
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** appliesTo returns the first subject that names the user, directly, by group or as a service account. */
export function appliesTo(user: UserInfo, subjects: readonly Subject[], namespace: string): Subject | undefined {
  return subjects.find((s) => appliesToUser(user, s, namespace));
}

function appliesToUser(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return ns !== '' && matchesUsername(ns, s.name, user.name);
    }
    default:
      return false;
  }
}

/** errorAggregate renders errors as utilerrors.NewAggregate: one message, or `[a, b]`, duplicates once. */
export function errorAggregate(errors: readonly Error[]): string {
  const messages = [...new Set(errors.map((e) => e.message))];
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

/** RbacAuthorizer allows what a bound role allows, and has no opinion otherwise. */
export class RbacAuthorizer implements Authorizer {
  readonly resolver: RuleResolver;

  constructor(source: PolicySource) {
    this.resolver = new RuleResolver(source);
  }

  authorize(a: Attributes): AuthorizerResult {
    let allowedBy: string | undefined;
    const errors: Error[] = [];
    this.resolver.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (rule && source && ruleAllows(a, rule)) {
        allowedBy = source();
        return false;
      }
      if (err) errors.push(err);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'Allow', reason: `RBAC: allowed by ${allowedBy}` };
    return { decision: 'NoOpinion', reason: errors.length ? `RBAC: ${errorAggregate(errors)}` : '' };
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const { rules, errors } = this.resolver.rulesFor(user, namespace);
    const resourceRules: ResourceRuleInfo[] = [];
    const nonResourceRules: NonResourceRuleInfo[] = [];
    for (const r of rules) {
      if ((r.resources ?? []).length) {
        const info: ResourceRuleInfo = { verbs: [...r.verbs], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])] };
        if ((r.resourceNames ?? []).length) info.resourceNames = [...r.resourceNames!];
        resourceRules.push(info);
      }
      if ((r.nonResourceURLs ?? []).length) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs!] });
    }
    const result: RulesResult = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length) result.error = errorAggregate(errors);
    return result;
  }
}

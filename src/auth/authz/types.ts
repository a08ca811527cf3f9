/**
 * The authorizer interfaces (k8s.io/apiserver/pkg/authorization/authorizer): what a request asks
 * to do, and the three answers an authorizer can give. NoOpinion lets the next authorizer in
 * --authorization-mode order decide; a request nobody allows is forbidden.
 */
import type { UserInfo } from '../user';

/** Attributes describe one action to authorize (upstream AttributesRecord). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** resourceRequest distinguishes API resources from non-resource URLs (path). */
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** path is the URL path of non-resource requests. */
  path: string;
}

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

/** AuthorizerResult is a decision, its reason (shown in Forbidden messages and audit) and an evaluation error. */
export interface AuthorizerResult {
  decision: Decision;
  reason: string;
  error?: string;
}

/** ResourceRuleInfo and NonResourceRuleInfo are what SelfSubjectRulesReview lists. */
export interface ResourceRuleInfo {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRuleInfo {
  verbs: string[];
  nonResourceURLs: string[];
}

/** RulesResult is what a user may do in a namespace, as far as the authorizer can tell. */
export interface RulesResult {
  resourceRules: ResourceRuleInfo[];
  nonResourceRules: NonResourceRuleInfo[];
  incomplete: boolean;
  error?: string;
}

/** Authorizer decides requests and lists rules (upstream Authorizer + RuleResolver). */
export interface Authorizer {
  authorize(a: Attributes): AuthorizerResult;
  rulesFor(user: UserInfo, namespace: string): RulesResult;
}

/** resourceAttributes fills the attributes of a resource request, the rest empty. */
export function resourceAttributes(user: UserInfo, a: Partial<Omit<Attributes, 'user' | 'resourceRequest'>> & { verb: string; resource: string }): Attributes {
  return {
    user,
    verb: a.verb,
    resourceRequest: true,
    namespace: a.namespace ?? '',
    apiGroup: a.apiGroup ?? '',
    apiVersion: a.apiVersion ?? '',
    resource: a.resource,
    subresource: a.subresource ?? '',
    name: a.name ?? '',
    path: a.path ?? '',
  };
}

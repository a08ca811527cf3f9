/**
 * Audit policy (audit.k8s.io/v1 Policy, --audit-policy-file): the first rule that matches a
 * request decides how much of it is recorded (k8s.io/apiserver/pkg/audit/policy).
 */
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { UserInfo } from '../user';

export const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type Level = (typeof LEVELS)[number];
export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type Stage = (typeof STAGES)[number];

/** levelAtLeast orders levels: None < Metadata < Request < RequestResponse. */
export function levelAtLeast(level: Level, min: Level): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(min);
}

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export interface Policy {
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** RequestAuditConfig is what a request is recorded with. */
export interface RequestAuditConfig {
  level: Level;
  omitStages: Stage[];
  omitManagedFields: boolean;
}

/** AuditAttributes are the parts of a request the policy looks at. */
export interface AuditAttributes {
  user?: UserInfo;
  verb: string;
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}

/** DEFAULT_LEVEL applies when no rule matches. */
const DEFAULT_LEVEL: Level = 'None';

/** loadPolicy reads and validates a policy file (YAML or JSON). */
export function loadPolicy(file: string): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`failed to read audit policy file ${file}: ${(e as Error).message}`);
  }
  return parsePolicy(doc, file);
}

/** parsePolicy validates a decoded policy document as upstream's reader and validation do. */
export function parsePolicy(doc: unknown, file = ''): Policy {
  if (typeof doc !== 'object' || doc === null) throw new Error(`failed decoding file "${file}": not a Policy`);
  const d = doc as Record<string, unknown>;
  if (d.kind !== 'Policy' || d.apiVersion !== 'audit.k8s.io/v1') {
    throw new Error(`failed decoding file "${file}": no kind "${String(d.kind)}" is registered for version "${String(d.apiVersion)}" (want audit.k8s.io/v1 Policy)`);
  }
  const errs: string[] = [];
  const stages = (v: unknown, path: string): Stage[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return void errs.push(`${path}: Invalid value: must be a list`), undefined;
    v.forEach((s, i) => {
      if (!(STAGES as readonly unknown[]).includes(s)) errs.push(`${path}[${i}]: Unsupported value: ${JSON.stringify(s)}: supported values: "RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"`);
    });
    return v as Stage[];
  };
  const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
  const rawRules = Array.isArray(d.rules) ? d.rules : [];
  const rules: PolicyRule[] = rawRules.map((raw, i) => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const path = `rules[${i}]`;
    if (r.level === undefined || r.level === '') errs.push(`${path}.level: Required value`);
    else if (!(LEVELS as readonly unknown[]).includes(r.level)) errs.push(`${path}.level: Unsupported value: ${JSON.stringify(r.level)}: supported values: "None", "Metadata", "Request", "RequestResponse"`);
    const nonResourceURLs = strings(r.nonResourceURLs);
    const resources = Array.isArray(r.resources) ? (r.resources as GroupResources[]) : undefined;
    const namespaces = strings(r.namespaces);
    if (nonResourceURLs?.length && (resources?.length || namespaces?.length)) {
      errs.push(`${path}.nonResourceURLs: Invalid value: ${JSON.stringify(nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`);
    }
    nonResourceURLs?.forEach((u, j) => {
      const star = u.indexOf('*');
      if (star >= 0 && star !== u.length - 1) errs.push(`${path}.nonResourceURLs[${j}]: Invalid value: ${JSON.stringify(u)}: non-resource URL rules may only use wildcards ('*') at the end of the path`);
    });
    const rule: PolicyRule = { level: r.level as Level };
    const users = strings(r.users);
    if (users) rule.users = users;
    const groups = strings(r.userGroups);
    if (groups) rule.userGroups = groups;
    const verbs = strings(r.verbs);
    if (verbs) rule.verbs = verbs;
    if (resources) rule.resources = resources.map((g) => ({ group: g.group ?? '', resources: strings(g.resources), resourceNames: strings(g.resourceNames) }));
    if (namespaces) rule.namespaces = namespaces;
    if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
    const omit = stages(r.omitStages, `${path}.omitStages`);
    if (omit) rule.omitStages = omit;
    if (typeof r.omitManagedFields === 'boolean') rule.omitManagedFields = r.omitManagedFields;
    return rule;
  });
  const omitStages = stages(d.omitStages, 'omitStages');
  if (errs.length) throw new Error(`invalid audit policy in ${file}: ${errs.join(', ')}`);
  if (rules.length === 0) throw new Error(`loaded illegal policy with 0 rules from file ${file}`);
  const policy: Policy = { rules };
  if (omitStages) policy.omitStages = omitStages;
  if (typeof d.omitManagedFields === 'boolean') policy.omitManagedFields = d.omitManagedFields;
  return policy;
}

/** evaluatePolicy returns the config of the first matching rule (policy-wide omitted stages added). */
export function evaluatePolicy(policy: Policy, a: AuditAttributes): RequestAuditConfig {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, a)) {
      return {
        level: rule.level,
        omitStages: [...new Set([...(policy.omitStages ?? []), ...(rule.omitStages ?? [])])],
        omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields ?? false,
      };
    }
  }
  return { level: DEFAULT_LEVEL, omitStages: [...(policy.omitStages ?? [])], omitManagedFields: policy.omitManagedFields ?? false };
}

function ruleMatches(r: PolicyRule, a: AuditAttributes): boolean {
  if (r.users?.length && (!a.user || !r.users.includes(a.user.name))) return false;
  if (r.userGroups?.length && (!a.user || !a.user.groups.some((g) => r.userGroups!.includes(g)))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return ruleMatchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.resourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path, spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function ruleMatchesResource(r: PolicyRule, a: AuditAttributes): boolean {
  if (!a.resourceRequest) return false;
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
  if (!r.resources?.length) return true;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== a.apiGroup && gr.group !== '*') continue;
    if (!gr.resources?.length) return true;
    for (const res of gr.resources) {
      if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name)) continue;
      if (res === combined || res === '*') return true;
      if (a.subresource && res.startsWith('*/') && a.subresource === res.slice(2)) return true;
      if (res.endsWith('/*') && a.resource === res.slice(0, -2)) return true;
    }
  }
  return false;
}

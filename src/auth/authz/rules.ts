/**
 * RBAC policy rules: matching a request against a rule (k8s.io/kubernetes pkg/apis/rbac/v1
 * evaluation_helpers.go), and comparing rule sets for escalation checks (component-helpers
 * auth/rbac/validation Covers, pkg/registry/rbac/validation CompactRules).
 */
import type { Attributes } from './types';

/** PolicyRule mirrors rbac/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export const VERB_ALL = '*';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const NON_RESOURCE_ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === VERB_ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === API_GROUP_ALL || g === group);
}

/** resourceMatches accepts `*`, the exact `resource/subresource`, and `*\/subresource`. */
export function resourceMatches(rule: PolicyRule, combinedResource: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === RESOURCE_ALL || r === combinedResource) return true;
    if (!subresource) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

/** resourceNameMatches: a rule without resourceNames matches every name (and no name). */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** nonResourceURLMatches accepts `*`, the exact path and `prefix*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === NON_RESOURCE_ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** ruleAllows tells whether one rule allows the request (upstream rbac.RuleAllows). */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (a.resourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return verbMatches(rule, a.verb) && apiGroupMatches(rule, a.apiGroup) && resourceMatches(rule, combined, a.subresource) && resourceNameMatches(rule, a.name);
  }
  return verbMatches(rule, a.verb) && nonResourceURLMatches(rule, a.path);
}

// ---- comparing rule sets ----

/** breakdownRule splits a rule into rules of one group, resource, verb and name each. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length) for (const n of names) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

const hasAll = (set: readonly string[], contains: readonly string[]) => contains.every((c) => set.includes(c));

function resourceCoversAll(setResources: readonly string[], covers: readonly string[]): boolean {
  if (setResources.includes(RESOURCE_ALL) || hasAll(setResources, covers)) return true;
  for (const path of covers) {
    if (setResources.includes(path)) continue;
    if (!path.includes('/')) return false;
    const sub = path.slice(path.indexOf('/') + 1);
    if (!setResources.includes(`*/${sub}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  if (owner === sub) return true;
  return owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, ''));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes(VERB_ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes(API_GROUP_ALL) || hasAll(owner.apiGroups ?? [], sub.apiGroups ?? []);
  const resources = resourceCoversAll(owner.resources ?? [], sub.resources ?? []);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const names = subNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

/** covers tells whether the owner's rules allow everything the servant's do, and lists what they do not. */
export function covers(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const servant of servantRules) {
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return { covered: missing.length === 0, missing };
}

/** compactRules merges single-group, single-resource rules that differ only by verb. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple =
      !(rule.resourceNames ?? []).length && !(rule.nonResourceURLs ?? []).length && (rule.apiGroups ?? []).length === 1 && (rule.resources ?? []).length === 1;
    if (!isSimple) {
      compacted.push(rule);
      continue;
    }
    const key = `${rule.apiGroups![0]}\u0000${rule.resources![0]}`;
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...rule.verbs];
    else simple.set(key, { apiGroups: [...rule.apiGroups!], resources: [...rule.resources!], verbs: [...rule.verbs] });
  }
  return [...compacted, ...simple.values()];
}

const goQuote = (items: readonly string[]) => `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;

/** compactString renders a rule as upstream's escalation messages do: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuote(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuote(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuote(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuote(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goQuote(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** toPolicyRules reads rules from a stored Role or ClusterRole, tolerating missing lists. */
export function toPolicyRules(rules: unknown): PolicyRule[] {
  if (!Array.isArray(rules)) return [];
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  return rules
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
    .map((r) => {
      const rule: PolicyRule = { verbs: strings(r.verbs) ?? [] };
      const g = strings(r.apiGroups);
      if (g) rule.apiGroups = g;
      const res = strings(r.resources);
      if (res) rule.resources = res;
      const n = strings(r.resourceNames);
      if (n) rule.resourceNames = n;
      const u = strings(r.nonResourceURLs);
      if (u) rule.nonResourceURLs = u;
      return rule;
    });
}

/**
 * What an object costs against a ResourceQuota (k8s.io/kubernetes pkg/quota/v1/evaluator/core
 * and generic): object counts (`pods`, `count/deployments.apps` ...), a pod's compute requests and
 * limits, services' node ports and load balancers, claims' storage, and the quota scopes
 * (Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass) that select pods.
 */
import { isPlainObject, type KubeObject } from '../../meta/object';
import { qosClass } from '../../registry/core/qos';
import type { ResourceDescriptor } from '../../resources/descriptor';
import { max, parseAmount, podAggregate, resourceList, type Amount, type ResourceList } from '../resources';

type Obj = Record<string, unknown>;

const ONE: Amount = { q: { numerator: 1n, scale: 0 }, format: 'DecimalSI' };
const count = (n: number): Amount => ({ q: { numerator: BigInt(n), scale: 0 }, format: 'DecimalSI' });

/** LEGACY_COUNT_NAMES are core resources whose count also has an unprefixed name. */
const LEGACY_COUNT_NAMES = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);
const POD_COMPUTE = new Set(['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/** objectCountName is `count/<resource>[.<group>]`. */
export function objectCountName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

/** isExtendedResource tells extended resources (`example.com/gpu`) from standard ones. */
function isExtendedResource(name: string): boolean {
  return name.includes('/') && !name.startsWith('kubernetes.io/') && !name.startsWith('requests.') && !name.startsWith('limits.');
}

/** isQuotaPod: Succeeded or Failed pods, and pods past their deletion grace, cost no compute. */
function isQuotaPod(pod: KubeObject, now: Date): boolean {
  const status = isPlainObject(pod.status) ? pod.status : {};
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  const ts = pod.metadata.deletionTimestamp;
  if (ts && pod.metadata.deletionGracePeriodSeconds !== undefined) {
    if (now.getTime() > Date.parse(ts) + pod.metadata.deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

/** podComputeUsage is upstream's podComputeUsageHelper over a pod's (or container's) requests and limits. */
export function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [name, req] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, req);
      out.set(`requests.${name}`, req);
    }
    if (isExtendedResource(name)) out.set(`requests.${name}`, req);
  }
  return out;
}

/** usageOf is what one object costs. */
export function usageOf(r: ResourceDescriptor, obj: KubeObject, now: Date): ResourceList {
  const usage: ResourceList = new Map([[objectCountName(r.group, r.plural), ONE]]);
  if (r.group !== '') return usage;
  if (LEGACY_COUNT_NAMES.has(r.plural)) usage.set(r.plural, ONE);
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  if (r.plural === 'pods') {
    if (!isQuotaPod(obj, now)) return usage;
    for (const [k, v] of podComputeUsage(podAggregate(spec, 'requests', true), podAggregate(spec, 'limits', true))) usage.set(k, v);
  } else if (r.plural === 'services') {
    usage.set('services', ONE);
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : [];
    if (spec.type === 'NodePort') usage.set('services.nodeports', count(ports.length));
    if (spec.type === 'LoadBalancer') {
      const nodePorts = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length : ports.length;
      usage.set('services.nodeports', count(nodePorts));
      usage.set('services.loadbalancers', ONE);
    }
  } else if (r.plural === 'persistentvolumeclaims') {
    usage.set('persistentvolumeclaims', ONE);
    const requested = resourceList(isPlainObject(spec.resources) ? spec.resources.requests : undefined).get('storage');
    const status = isPlainObject(obj.status) ? obj.status : {};
    const allocated = parseAmount(isPlainObject(status.allocatedResources) ? status.allocatedResources.storage : undefined);
    const storage = requested && allocated ? max(new Map([['s', requested]]), new Map([['s', allocated]])).get('s') : (requested ?? allocated);
    const className = typeof spec.storageClassName === 'string' ? spec.storageClassName : (obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '');
    if (className) usage.set(`${className}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
    if (storage) {
      usage.set('requests.storage', storage);
      if (className) usage.set(`${className}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
    }
  }
  return usage;
}

/** tracksResource tells whether a quota resource name concerns objects of this resource. */
export function tracksResource(r: ResourceDescriptor, name: string): boolean {
  if (name === objectCountName(r.group, r.plural)) return true;
  if (r.group !== '') return false;
  switch (r.plural) {
    case 'pods':
      return name === 'pods' || POD_COMPUTE.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-') || (name.startsWith('requests.') && isExtendedResource(name.slice('requests.'.length)));
    case 'services':
      return name === 'services' || name === 'services.nodeports' || name === 'services.loadbalancers';
    case 'persistentvolumeclaims':
      return name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX);
    default:
      return LEGACY_COUNT_NAMES.has(r.plural) && name === r.plural;
  }
}

/** resourceOfName finds the resource a quota name counts: `pods`, `count/deployments.apps` ... */
export function resourceOfName(name: string): { group: string; plural: string } | undefined {
  if (name.startsWith('count/')) {
    const gr = name.slice('count/'.length);
    const dot = gr.indexOf('.');
    return dot < 0 ? { group: '', plural: gr } : { group: gr.slice(dot + 1), plural: gr.slice(0, dot) };
  }
  if (name === 'requests.storage' || name === 'persistentvolumeclaims' || name.includes(STORAGE_CLASS_SUFFIX)) return { group: '', plural: 'persistentvolumeclaims' };
  if (name === 'pods' || POD_COMPUTE.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.') || name.startsWith('limits.')) return { group: '', plural: 'pods' };
  if (name.startsWith('services')) return { group: '', plural: 'services' };
  if (LEGACY_COUNT_NAMES.has(name)) return { group: '', plural: name };
  return undefined;
}

interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: string[];
}

function scopesOf(quota: KubeObject): ScopeRequirement[] {
  const spec = isPlainObject(quota.spec) ? quota.spec : {};
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec.scopes) ? spec.scopes : []) if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists', values: [] });
  const sel = isPlainObject(spec.scopeSelector) ? spec.scopeSelector : {};
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions.filter(isPlainObject) : []) {
    out.push({ scopeName: String(e.scopeName ?? ''), operator: String(e.operator ?? ''), values: Array.isArray(e.values) ? e.values.map(String) : [] });
  }
  return out;
}

/** matchesScopes tells whether an object is selected by all of a quota's scopes; only pods have scopes. */
export function matchesScopes(quota: KubeObject, r: ResourceDescriptor, obj: KubeObject): boolean {
  const scopes = scopesOf(quota);
  if (scopes.length === 0) return true;
  if (!(r.group === '' && r.plural === 'pods')) return true;
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  return scopes.every((s) => podMatchesScope(s, spec));
}

function podMatchesScope(s: ScopeRequirement, spec: Obj): boolean {
  const terminating = typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0;
  switch (s.scopeName) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return qosClass(spec) === 'BestEffort';
    case 'NotBestEffort':
      return qosClass(spec) !== 'BestEffort';
    case 'PriorityClass': {
      const pc = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      switch (s.operator) {
        case 'In':
          return s.values.includes(pc);
        case 'NotIn':
          return !s.values.includes(pc);
        case 'Exists':
          return pc !== '';
        case 'DoesNotExist':
          return pc === '';
        default:
          return false;
      }
    }
    case 'CrossNamespacePodAffinity':
      return hasCrossNamespaceAffinity(spec);
    default:
      return false;
  }
}

function hasCrossNamespaceAffinity(spec: Obj): boolean {
  const affinity = isPlainObject(spec.affinity) ? spec.affinity : {};
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = isPlainObject(affinity[kind]) ? affinity[kind] : {};
    const terms = [
      ...(Array.isArray(a.requiredDuringSchedulingIgnoredDuringExecution) ? a.requiredDuringSchedulingIgnoredDuringExecution : []),
      ...(Array.isArray(a.preferredDuringSchedulingIgnoredDuringExecution) ? a.preferredDuringSchedulingIgnoredDuringExecution.map((w) => (isPlainObject(w) ? w.podAffinityTerm : undefined)) : []),
    ];
    for (const t of terms) if (isPlainObject(t) && ((Array.isArray(t.namespaces) && t.namespaces.length) || t.namespaceSelector !== undefined)) return true;
  }
  return false;
}

/** podConstraints is upstream's "must specify" check: quotas on cpu/memory need explicit values per container. */
export function podConstraints(required: readonly string[], pod: KubeObject): string | undefined {
  const validationSet = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
  const requiredSet = required.filter((r) => validationSet.includes(r));
  if (requiredSet.length === 0) return undefined;
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const missing = new Map<string, Set<string>>();
  for (const field of ['containers', 'initContainers']) {
    for (const c of Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isPlainObject) : []) {
      const res = isPlainObject(c.resources) ? c.resources : {};
      const usage = podComputeUsage(resourceList(res.requests), resourceList(res.limits));
      for (const r of requiredSet) {
        if (!usage.has(r)) {
          let s = missing.get(r);
          if (!s) missing.set(r, (s = new Set()));
          s.add(String(c.name ?? ''));
        }
      }
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

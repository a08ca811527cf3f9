/**
 * LimitRanger (k8s.io/kubernetes plugin/pkg/admission/limitranger): LimitRange objects in a
 * namespace default the requests and limits of new pods' containers (mutating) and enforce
 * min, max and maxLimitRequestRatio per Container, per Pod and per PersistentVolumeClaim
 * (validating). Pod updates are not checked: containers cannot change.
 */
import { isPlainObject, type KubeObject } from '../meta/object';
import { ceilScaled, formatAmount, podAggregate, resourceList, type Amount, type ResourceList } from './resources';
import { admissionForbidden, aggregate } from './forbidden';
import type { Attributes, Plugin } from './interface';

const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';
/** MAX_MILLI_VALUE is resource.MaxMilliValue: above it, comparisons use whole units. */
const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

type Obj = Record<string, unknown>;

/** limitRanger reads a namespace's LimitRanges through `limitRanges`. */
export function limitRanger(limitRanges: (namespace: string) => KubeObject[]): Plugin {
  const supports = (a: Attributes) => {
    if (a.resource.group !== '') return false;
    if (a.subresource === 'resize' && a.resource.plural === 'pods' && a.operation === 'UPDATE') return true;
    if (a.subresource !== '') return false;
    if (a.resource.plural === 'pods' && a.operation === 'UPDATE') return false;
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
    return a.resource.plural === 'pods' || a.resource.plural === 'persistentvolumeclaims';
  };
  const run = (a: Attributes, fn: (lr: KubeObject, obj: KubeObject) => string | undefined) => {
    if (!supports(a) || !a.object) return;
    if (a.oldObject?.metadata.deletionTimestamp) return;
    for (const lr of limitRanges(a.namespace)) {
      const err = fn(lr, a.object);
      if (err) throw admissionForbidden(a, err);
    }
  };
  return {
    name: 'LimitRanger',
    admit(a) {
      run(a, (lr, obj) => {
        if (a.resource.plural === 'pods') mutatePod(lr, obj);
        return undefined;
      });
    },
    validate(a) {
      run(a, (lr, obj) => (a.resource.plural === 'pods' ? validatePod(lr, obj) : validateClaim(lr, obj)));
    },
  };
}

function limitsOf(lr: KubeObject): Obj[] {
  const spec = isPlainObject(lr.spec) ? lr.spec : {};
  return Array.isArray(spec.limits) ? spec.limits.filter(isPlainObject) : [];
}

/** mutatePod fills missing container requests and limits from the Container defaults. */
function mutatePod(lr: KubeObject, pod: KubeObject): void {
  const defaultRequests: Obj = {};
  const defaultLimits: Obj = {};
  for (const limit of limitsOf(lr)) {
    if (limit.type !== 'Container') continue;
    if (isPlainObject(limit.defaultRequest)) Object.assign(defaultRequests, limit.defaultRequest);
    if (isPlainObject(limit.default)) Object.assign(defaultLimits, limit.default);
  }
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const annotations: string[] = [];
  const merge = (c: Obj, prefix: string) => {
    const resources = isPlainObject(c.resources) ? c.resources : {};
    const limits: Obj = isPlainObject(resources.limits) ? resources.limits : {};
    const requests: Obj = isPlainObject(resources.requests) ? resources.requests : {};
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    for (const [k, v] of Object.entries(defaultLimits)) {
      if (limits[k] === undefined) {
        limits[k] = v;
        setLimits.push(k);
      }
    }
    for (const [k, v] of Object.entries(defaultRequests)) {
      if (requests[k] === undefined) {
        requests[k] = v;
        setRequests.push(k);
      }
    }
    if (Object.keys(limits).length) resources.limits = limits;
    if (Object.keys(requests).length) resources.requests = requests;
    if (Object.keys(resources).length) c.resources = resources;
    if (setRequests.length) annotations.push(`${setRequests.sort().join(', ')} request for ${prefix} ${String(c.name ?? '')}`);
    if (setLimits.length) annotations.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${String(c.name ?? '')}`);
  };
  for (const c of Array.isArray(spec.containers) ? spec.containers.filter(isPlainObject) : []) merge(c, 'container');
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers.filter(isPlainObject) : []) merge(c, 'init container');
  if (annotations.length) {
    pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${annotations.join('; ')}` };
  }
}

/** enforcedValues compares at milli precision when nothing overflows, as upstream. */
function enforcedValues(req: Amount | undefined, lim: Amount | undefined, enforced: Amount): [bigint, bigint, bigint] {
  const zero = { numerator: 0n, scale: 0 };
  const r = req?.q ?? zero;
  const l = lim?.q ?? zero;
  const values = [ceilScaled(r, 0), ceilScaled(l, 0), ceilScaled(enforced.q, 0)] as [bigint, bigint, bigint];
  if (values.every((v) => v <= MAX_MILLI_VALUE)) return [ceilScaled(r, 3), ceilScaled(l, 3), ceilScaled(enforced.q, 3)];
  return values;
}

function minConstraint(type: string, name: string, enforced: Amount, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!req) return `minimum ${name} usage per ${type} is ${formatAmount(enforced)}.  No request is specified`;
  if (r < e) return `minimum ${name} usage per ${type} is ${formatAmount(enforced)}, but request is ${formatAmount(req)}`;
  if (lim && l < e) return `minimum ${name} usage per ${type} is ${formatAmount(enforced)}, but limit is ${formatAmount(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Amount, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l, e] = enforcedValues(req, lim, enforced);
  if (!lim) return `maximum ${name} usage per ${type} is ${formatAmount(enforced)}.  No limit is specified`;
  if (l > e) return `maximum ${name} usage per ${type} is ${formatAmount(enforced)}, but limit is ${formatAmount(lim)}`;
  if (req && r > e) return `maximum ${name} usage per ${type} is ${formatAmount(enforced)}, but request is ${formatAmount(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Amount, requests: ResourceList): string | undefined {
  const req = requests.get(name);
  const [r, , e] = enforcedValues(req, undefined, enforced);
  if (!req) return `maximum ${name} usage per ${type} is ${formatAmount(enforced)}.  No request is specified`;
  if (r > e) return `maximum ${name} usage per ${type} is ${formatAmount(enforced)}, but request is ${formatAmount(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Amount, requests: ResourceList, limits: ResourceList): string | undefined {
  const req = requests.get(name);
  const lim = limits.get(name);
  const [r, l] = enforcedValues(req, lim, enforced);
  if (!req || r === 0n) return `${name} max limit to request ratio per ${type} is ${formatAmount(enforced)}, but no request is specified or request is 0`;
  if (!lim || l === 0n) return `${name} max limit to request ratio per ${type} is ${formatAmount(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(l) / Number(r);
  let ratio = observed;
  let maxRatio = Number(ceilScaled(enforced.q, 0));
  if (ceilScaled(enforced.q, 0) <= MAX_MILLI_VALUE) {
    ratio = observed * 1000;
    maxRatio = Number(ceilScaled(enforced.q, 3));
  }
  if (ratio > maxRatio) return `${name} max limit to request ratio per ${type} is ${formatAmount(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkAll(limit: Obj, type: string, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  for (const [k, v] of resourceList(limit.min)) push(errs, minConstraint(type, k, v, requests, limits));
  for (const [k, v] of resourceList(limit.max)) push(errs, maxConstraint(type, k, v, requests, limits));
  for (const [k, v] of resourceList(limit.maxLimitRequestRatio)) push(errs, ratioConstraint(type, k, v, requests, limits));
}

function push(errs: string[], e: string | undefined): void {
  if (e) errs.push(e);
}

function containerLists(c: Obj): [ResourceList, ResourceList] {
  const res = isPlainObject(c.resources) ? c.resources : {};
  return [resourceList(res.requests), resourceList(res.limits)];
}

/** validatePod checks Container limits per container and Pod limits on the pod's totals. */
function validatePod(lr: KubeObject, pod: KubeObject): string | undefined {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const errs: string[] = [];
  for (const limit of limitsOf(lr)) {
    const type = String(limit.type ?? '');
    if (type === 'Container') {
      for (const field of ['containers', 'initContainers'] as const) {
        for (const c of Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isPlainObject) : []) {
          const [requests, limits] = containerLists(c);
          checkAll(limit, type, requests, limits, errs);
        }
      }
    }
    if (type === 'Pod') checkAll(limit, type, podAggregate(spec, 'requests'), podAggregate(spec, 'limits'), errs);
  }
  return errs.length ? aggregate(errs) : undefined;
}

/** validateClaim checks PersistentVolumeClaim limits against the claim's storage request. */
function validateClaim(lr: KubeObject, pvc: KubeObject): string | undefined {
  const spec = isPlainObject(pvc.spec) ? pvc.spec : {};
  const requests = resourceList(isPlainObject(spec.resources) ? spec.resources.requests : undefined);
  const errs: string[] = [];
  for (const limit of limitsOf(lr)) {
    if (limit.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of resourceList(limit.min)) push(errs, minConstraint('PersistentVolumeClaim', k, v, requests, new Map()));
    for (const [k, v] of resourceList(limit.max)) push(errs, maxRequestConstraint('PersistentVolumeClaim', k, v, requests));
  }
  return errs.length ? aggregate(errs) : undefined;
}


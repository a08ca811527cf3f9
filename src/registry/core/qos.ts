/**
 * The pod QoS class, as upstream computes it (pkg/apis/core/helper/qos): only cpu and memory
 * count; Guaranteed needs both limited in every container with requests equal to limits.
 */
import { isPlainObject } from '../../meta/object';
import { compareQuantities, isZeroQuantity, parseQuantity, type Quantity } from '../../meta/quantity';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function resourceList(v: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (!isPlainObject(v)) return out;
  for (const r of QOS_RESOURCES) {
    const raw = v[r];
    if (typeof raw !== 'string' && typeof raw !== 'number') continue;
    const q = parseQuantity(raw);
    if (q && !isZeroQuantity(q)) out.set(r, q);
  }
  return out;
}

/** qosClass returns BestEffort, Burstable or Guaranteed for a pod spec. */
export function qosClass(spec: Record<string, unknown>): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const containers = [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])];
  const requests = new Map<string, Quantity[]>();
  const limits = new Map<string, Quantity[]>();
  let guaranteed = true;
  for (const c of containers) {
    const resources = isPlainObject(c) && isPlainObject(c.resources) ? c.resources : {};
    const req = resourceList(resources.requests);
    const lim = resourceList(resources.limits);
    for (const [k, q] of req) requests.set(k, [...(requests.get(k) ?? []), q]);
    for (const [k, q] of lim) limits.set(k, [...(limits.get(k) ?? []), q]);
    if (!QOS_RESOURCES.every((r) => lim.has(r))) guaranteed = false;
    for (const [k, q] of req) {
      const l = lim.get(k);
      if (!l || compareQuantities(l, q) !== 0) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

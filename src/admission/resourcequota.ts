/**
 * ResourceQuota admission (k8s.io/kubernetes plugin/pkg/admission/resourcequota): a create (or
 * an update that grows usage) is charged against every matching quota of its namespace and
 * refused with 403 when any would exceed its hard limit. Charges are written to status.used
 * before the object is stored, under the namespace's lock, so concurrent creates never overshoot.
 */
import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import { admissionForbidden } from './forbidden';
import type { Attributes, Plugin } from './interface';
import type { QuotaAccess, QuotaStatus } from './quota/access';
import { matchesScopes, podConstraints, tracksResource, usageOf } from './quota/usage';
import { add, compare, prettyPrint, subtract, type ResourceList } from './resources';

/** MAX_ATTEMPTS bounds re-evaluations after losing a status write to a concurrent writer. */
const MAX_ATTEMPTS = 5;

/** resourceQuota charges writes to the quotas `access` reads; `exists` tells a create that will fail as AlreadyExists. */
export function resourceQuota(access: QuotaAccess, exists: (a: Attributes) => boolean): Plugin {
  const handles = (a: Attributes) => {
    if (!a.resource.namespaced || !a.namespace || a.subresource !== '' || !a.object) return false;
    if (a.operation === 'CREATE') return true;
    // Updates change usage only for services (type, ports) and claims (storage).
    return a.operation === 'UPDATE' && a.resource.group === '' && (a.resource.plural === 'services' || a.resource.plural === 'persistentvolumeclaims');
  };

  return {
    name: 'ResourceQuota',
    async validate(a) {
      if (!handles(a)) return;
      if (access.quotas(a.namespace).length === 0) return;
      if (a.operation === 'CREATE' && exists(a)) return;
      await access.withLock(a.namespace, async () => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const charges = await evaluate(access, a);
          if (charges.length === 0 || a.dryRun) return;
          try {
            for (const c of charges) await access.writeStatus(c.quota, c.status);
            return;
          } catch (e) {
            if (!(e instanceof StatusError && e.code === 409)) throw e;
          }
        }
        throw admissionForbidden(a, 'status unknown for quota: unable to update quota status after repeated conflicts');
      });
    },
  };
}

interface Charge {
  quota: KubeObject;
  status: QuotaStatus;
}

/** evaluate checks the request against each quota and returns the new statuses to write. */
async function evaluate(access: QuotaAccess, a: Attributes): Promise<Charge[]> {
  const now = access.now();
  let delta = usageOf(a.resource, a.object!, now);
  if (a.operation === 'UPDATE' && a.oldObject?.metadata.resourceVersion) {
    delta = nonNegative(subtract(delta, usageOf(a.resource, a.oldObject, now)));
  }
  if ([...delta.values()].every((v) => v.q.numerator === 0n)) return [];
  const charges: Charge[] = [];
  for (let quota of access.quotas(a.namespace)) {
    if (!matchesScopes(quota, a.resource, a.object!)) continue;
    // A quota the controller has not counted yet is counted now rather than refused as unknown.
    if (!access.isSynced(quota)) quota = await access.syncQuota(quota);
    const { hard, used } = access.status(quota);
    const restricted = [...hard.keys()].filter((n) => tracksResource(a.resource, n));
    if (restricted.length === 0) continue;
    if (a.resource.group === '' && a.resource.plural === 'pods') {
      const err = podConstraints(restricted, a.object!);
      if (err) throw admissionForbidden(a, `failed quota: ${quota.metadata.name ?? ''}: ${err}`);
    }
    const requested = mask(delta, restricted);
    if (requested.size === 0 || [...requested.values()].every((v) => v.q.numerator === 0n)) continue;
    const newUsed = add(used, requested);
    const exceeded = [...requested.keys()].filter((k) => {
      const h = hard.get(k);
      return h !== undefined && compare(newUsed.get(k)!.q, h.q) > 0;
    });
    if (exceeded.length) {
      throw admissionForbidden(
        a,
        `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}`,
      );
    }
    charges.push({ quota, status: { hard, used: mask(newUsed, [...hard.keys()]) } });
  }
  return charges;
}

function mask(list: ResourceList, names: readonly string[]): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

function nonNegative(list: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of list) out.set(k, v.q.numerator < 0n ? { q: { numerator: 0n, scale: 0 }, format: v.format } : v);
  return out;
}

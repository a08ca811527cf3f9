/** Pod update rules: a pod's spec is immutable but for a few fields (upstream ValidatePodUpdate). */
import { FieldError, forbidden } from '../../apierrors';
import type { KubeObject } from '../../meta/object';
import { deepEqual } from '../equal';
import { type Obj, obj, objects } from './common';

/** POD_UPDATE_MESSAGE is upstream's wording, which clients show verbatim. */
const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** validatePodUpdate refuses spec changes other than the mutable ones. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject, subresource?: string): FieldError[] {
  const now = structuredClone(obj(pod.spec) ?? {});
  const before = structuredClone(obj(old.spec) ?? {});
  // What may change is copied from the new spec onto the old one; anything left different is not allowed.
  const copyImages = (field: string) => {
    const n = objects(now[field]);
    objects(before[field]).forEach((c, i) => {
      if (n[i] && n[i].image !== undefined) c.image = n[i].image;
    });
  };
  copyImages('containers');
  copyImages('initContainers');
  const errs: FieldError[] = [];
  if (now.activeDeadlineSeconds !== undefined) {
    const prev = before.activeDeadlineSeconds;
    if (typeof prev === 'number' && typeof now.activeDeadlineSeconds === 'number' && now.activeDeadlineSeconds > prev) {
      errs.push(new FieldError('Invalid', 'spec.activeDeadlineSeconds', now.activeDeadlineSeconds, 'must be less than or equal to previous value'));
    }
    before.activeDeadlineSeconds = now.activeDeadlineSeconds;
  }
  const oldTolerations = objects(before.tolerations);
  const newTolerations = objects(now.tolerations);
  if (oldTolerations.every((t) => newTolerations.some((n) => deepEqual(n, t)))) before.tolerations = now.tolerations;
  if (typeof before.terminationGracePeriodSeconds === 'number' && before.terminationGracePeriodSeconds < 0 && now.terminationGracePeriodSeconds === 1) {
    before.terminationGracePeriodSeconds = 1;
  }
  if (subresource === 'binding') before.nodeName = now.nodeName;
  const gates = (s: Obj) => objects(s.schedulingGates).map((g) => g.name);
  if (gates(now).every((g) => gates(before).includes(g))) before.schedulingGates = now.schedulingGates;
  if (!deepEqual(now, before)) errs.push(forbidden('spec', POD_UPDATE_MESSAGE));
  return errs;
}

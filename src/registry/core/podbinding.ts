/**
 * pods/binding and pods/eviction, as the scheduler and `kubectl drain` use them
 * (upstream pkg/registry/core/pod/storage: BindingREST, EvictionREST).
 */
import { StatusError, newBadRequest, newConflict, newNotFound } from '../../apierrors';
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { RequestContext } from '../context';
import type { Store } from '../store';

/** SUCCESS_CREATED is the Status upstream answers a binding or eviction with. */
export const SUCCESS_CREATED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

const POD_SCHEDULED = 'PodScheduled';

/**
 * bindPod sets a pod's node, once: binding an assigned or deleting pod is a 409, as upstream's
 * assignPod refuses it. The PodScheduled condition becomes True.
 */
export async function bindPod(pods: Store, ctx: RequestContext, name: string, binding: Record<string, unknown>): Promise<void> {
  const target = isPlainObject(binding.target) ? binding.target : {};
  const node = typeof target.name === 'string' ? target.name : '';
  if (!node) throw new StatusError(422, 'Invalid', `Binding.meta.k8s.io "${name}" is invalid: target.name: Required value`, { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }] });
  if (target.kind !== undefined && target.kind !== '' && target.kind !== 'Node') {
    throw new StatusError(422, 'Invalid', `Binding "${name}" is invalid: target.kind: Invalid value: "${String(target.kind)}": must be empty or 'Node'`);
  }
  const annotations = isPlainObject(binding.metadata) && isPlainObject(binding.metadata.annotations) ? (binding.metadata.annotations as Record<string, string>) : {};
  const gr = { group: '', resource: 'pods/binding' };
  await pods.update(
    ctx,
    name,
    (current) => {
      if (!current) throw newNotFound({ group: '', resource: 'pods' }, name);
      const pod = current as KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
      if (pod.metadata.deletionTimestamp) throw newConflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = (pod.spec ??= {});
      if (spec.nodeName) throw newConflict(gr, name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
      spec.nodeName = node;
      if (Object.keys(annotations).length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
      const status = (pod.status ??= {});
      const conditions = Array.isArray(status.conditions) ? (status.conditions as Record<string, unknown>[]) : [];
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const existing = conditions.find((c) => c.type === POD_SCHEDULED);
      if (existing) existing.status = 'True';
      else conditions.push({ type: POD_SCHEDULED, status: 'True', lastTransitionTime: now });
      status.conditions = conditions;
      return pod;
    },
    { subresource: 'binding' },
  );
}

/** evictPod deletes a pod as an eviction asks (there are no PodDisruptionBudgets to respect). */
export async function evictPod(pods: Store, ctx: RequestContext, name: string, eviction: Record<string, unknown>): Promise<void> {
  const bodyName = isPlainObject(eviction.metadata) ? eviction.metadata.name : undefined;
  if (typeof bodyName === 'string' && bodyName && bodyName !== name) {
    throw newBadRequest(`name in URL does not match name in Eviction object`);
  }
  const opts = isPlainObject(eviction.deleteOptions) ? eviction.deleteOptions : {};
  const pre = isPlainObject(opts.preconditions) ? opts.preconditions : undefined;
  await pods.delete(ctx, name, {
    preconditions: pre ? { uid: typeof pre.uid === 'string' ? pre.uid : undefined, resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined } : undefined,
  });
}

/**
 * The scale subresource (autoscaling/v1 Scale) over any resource whose replicas live at known
 * paths: built-in workloads declare them in their strategy, custom resources in their CRD.
 */
import type { RouterContext } from '@koa/router';
import { StatusError, invalid, newInvalid } from '../apierrors';
import { isPlainObject, setValueAtPath, valueAtPath, type KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { ScaleSpec } from '../registry/strategy';
import type { Store } from '../registry/store';
import { labelSelectorFromObject } from '../selectors/labels';
import { decode } from '../storage/codec';

function pathOf(jsonPath: string): string[] {
  return jsonPath.replace(/^\./, '').split('.').filter(Boolean);
}

/** selectorString renders a selector as Scale.status.selector does (the label selector text). */
function selectorString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (!isPlainObject(v)) return '';
  if ('matchLabels' in v || 'matchExpressions' in v) {
    try {
      return labelSelectorFromObject(v as never).toString();
    } catch {
      return '';
    }
  }
  // replication controllers keep a plain map
  return Object.keys(v)
    .sort()
    .map((k) => `${k}=${String(v[k])}`)
    .join(',');
}

/** scaleOf renders the Scale of an object. */
export function scaleOf(obj: KubeObject, spec: ScaleSpec): Record<string, unknown> {
  const m = obj.metadata;
  const metadata: Record<string, unknown> = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  if (!m.namespace) delete metadata.namespace;
  const status: Record<string, unknown> = { replicas: Number(valueAtPath(obj, pathOf(spec.statusReplicasPath)) ?? 0) };
  if (spec.labelSelectorPath) {
    const sel = selectorString(valueAtPath(obj, pathOf(spec.labelSelectorPath)));
    if (sel) status.selector = sel;
  }
  return { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata, spec: { replicas: Number(valueAtPath(obj, pathOf(spec.specReplicasPath)) ?? 0) }, status };
}

/** ScaleUpdate computes the desired Scale from the current one. */
export type ScaleUpdate = (current: Record<string, unknown>) => Record<string, unknown>;

/**
 * updateScale writes a Scale back to its object: only the replicas change; a resourceVersion in
 * the Scale is a precondition on the object, as upstream's scale REST does.
 */
export async function updateScale(store: Store, ctx: RequestContext, name: string, spec: ScaleSpec, desired: ScaleUpdate, dryRun: boolean): Promise<Record<string, unknown>> {
  const outcome = await store.update(
    { ...ctx, dryRun },
    name,
    (current) => {
      if (!current) throw new StatusError(404, 'NotFound', `${store.resource.plural}.${store.resource.group} "${name}" not found`);
      const scale = desired(scaleOf(current, spec));
      // The Scale's resourceVersion becomes the parent's, so a stale one is the store's conflict
      // on the parent resource (upstream scaleUpdatedObjectInfo copies it over the same way).
      const rv = isPlainObject(scale.metadata) ? scale.metadata.resourceVersion : undefined;
      if (typeof rv === 'string' && rv) current.metadata.resourceVersion = rv;
      const replicas = isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw newInvalid({ group: 'autoscaling', kind: 'Scale' }, name, [invalid('spec.replicas', replicas ?? null, 'must be greater than or equal to 0')]);
      }
      setValueAtPath(current, pathOf(spec.specReplicasPath), replicas);
      return current;
    },
    { subresource: 'scale' },
  );
  return scaleOf(decode(outcome.kv.value), spec);
}

export type { RouterContext };

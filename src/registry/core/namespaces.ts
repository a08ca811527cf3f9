/**
 * Namespaces (core/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get namespaces`, as kube-apiserver's printNamespace computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { ageOf, nameOf, readString } from '../printing';

/** printer returns a namespace's cells: NAME, STATUS (status.phase) and AGE. */
export const printer: TablePrinter = (ns, now) => [nameOf(ns), readString(ns, 'status', 'phase'), ageOf(ns, now)];

/** NAMESPACE_FINALIZER holds a namespace until its contents are gone. */
const NAMESPACE_FINALIZER = 'kubernetes';

/**
 * prepareForCreate makes a new namespace Active with the kubernetes finalizer, as upstream's
 * strategy does; clients cannot choose either.
 */
function prepareForCreate(ns: KubeObject): void {
  ns.status = { phase: 'Active' };
  const spec = (ns.spec && typeof ns.spec === 'object' ? ns.spec : {}) as { finalizers?: string[] };
  if (!spec.finalizers?.includes(NAMESPACE_FINALIZER)) spec.finalizers = [...(spec.finalizers ?? []), NAMESPACE_FINALIZER];
  ns.spec = spec;
}

/** METADATA_NAME_LABEL carries a namespace's own name, so label selectors can pick namespaces by name. */
const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

/** defaults labels a namespace with its name and makes its phase Active, as upstream. */
function defaults(ns: KubeObject): void {
  if (ns.metadata.name) ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [METADATA_NAME_LABEL]: ns.metadata.name };
  if (ns.status && typeof ns.status === 'object') (ns.status as { phase?: string }).phase ??= 'Active';
}

/** strategy is what namespaces does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  printer,
  nameRule: 'label',
  tracksGeneration: false,
  defaults,
  prepareForCreate,
  // A namespace goes away only when the namespace controller has emptied it and removed its
  // spec finalizer; until then it is Terminating.
  finalizing: (ns) => Array.isArray((ns.spec as { finalizers?: unknown } | undefined)?.finalizers) && ((ns.spec as { finalizers: unknown[] }).finalizers.length > 0),
  markDeleting: (ns) => {
    ns.status = { ...((ns.status as object | undefined) ?? {}), phase: 'Terminating' };
  },
};

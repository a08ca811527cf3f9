/**
 * DaemonSets (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get daemonsets [-o wide]`, as kube-apiserver's printDaemonSet computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { selectorImmutable, validateReplicated } from '../validation/workload';
import { defaultPodTemplate } from '../core/podspec';
import { isPlainObject, type KubeObject } from '../../meta/object';
import {
  ageOf,
  formatLabelSelector,
  formatLabels,
  layoutContainerCells,
  nameOf,
  readArray,
  readField,
  readInt,
  readStringMap,
} from '../printing';

/**
 * printer returns a daemon set's cells: NAME, DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE
 * (the status counters), NODE SELECTOR (the pod template's, or "<none>"), AGE, and the wide
 * CONTAINERS, IMAGES and SELECTOR.
 */
export const printer: TablePrinter = (ds, now) => {
  const { names, images } = layoutContainerCells(readArray(ds, 'spec', 'template', 'spec', 'containers'));
  return [
    nameOf(ds),
    readInt(ds, 'status', 'desiredNumberScheduled'),
    readInt(ds, 'status', 'currentNumberScheduled'),
    readInt(ds, 'status', 'numberReady'),
    readInt(ds, 'status', 'updatedNumberScheduled'),
    readInt(ds, 'status', 'numberAvailable'),
    formatLabels(readStringMap(ds, 'spec', 'template', 'spec', 'nodeSelector')),
    ageOf(ds, now),
    names,
    images,
    formatLabelSelector(readField(ds, 'spec', 'selector')),
  ];
};


/** DEFAULT_REVISION_HISTORY_LIMIT is how many ControllerRevisions a DaemonSet keeps by default. */
const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** defaults applies upstream's apps/v1 SetDefaults_DaemonSet and its pod template defaults. */
function defaults(ds: KubeObject): void {
  if (!isPlainObject(ds.spec)) return;
  const spec = ds.spec;
  const us = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
  us.type ??= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = isPlainObject(us.rollingUpdate) ? us.rollingUpdate : {};
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
    us.rollingUpdate = ru;
  }
  spec.updateStrategy = us;
  spec.revisionHistoryLimit ??= DEFAULT_REVISION_HISTORY_LIMIT;
  defaultPodTemplate(spec.template);
}

/** strategy is what daemonsets does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, defaults, validate: validateReplicated, validateUpdate: selectorImmutable };

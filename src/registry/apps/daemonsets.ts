/**
 * DaemonSets (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get daemonsets [-o wide]`, as kube-apiserver's printDaemonSet computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
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

/** strategy is what daemonsets does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer };

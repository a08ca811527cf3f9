/**
 * StatefulSets (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get statefulsets [-o wide]`, as kube-apiserver's printStatefulSet computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { ageOf, layoutContainerCells, nameOf, readArray, readInt } from '../printing';

/** printer returns a stateful set's cells: NAME, READY ("ready/desired"), AGE, and the wide CONTAINERS and IMAGES. */
export const printer: TablePrinter = (sts, now) => {
  const { names, images } = layoutContainerCells(readArray(sts, 'spec', 'template', 'spec', 'containers'));
  return [
    nameOf(sts),
    `${readInt(sts, 'status', 'readyReplicas')}/${readInt(sts, 'spec', 'replicas')}`,
    ageOf(sts, now),
    names,
    images,
  ];
};

/** strategy is what statefulsets does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer };

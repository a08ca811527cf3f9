/**
 * Deployments (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get deployments [-o wide]`, as kube-apiserver's printDeployment computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { ageOf, labelSelectorString, layoutContainerCells, nameOf, readArray, readField, readInt } from '../printing';

/**
 * printer returns a deployment's cells: NAME, READY ("ready/desired"), UP-TO-DATE, AVAILABLE,
 * AGE, and the wide CONTAINERS, IMAGES and SELECTOR. Unlike the other workloads, an empty
 * selector prints "" here and an invalid one "<invalid>" (upstream prints the selector itself,
 * not metav1.FormatLabelSelector).
 */
export const printer: TablePrinter = (deployment, now) => {
  const { names, images } = layoutContainerCells(readArray(deployment, 'spec', 'template', 'spec', 'containers'));
  const ready = readInt(deployment, 'status', 'readyReplicas');
  const desired = readInt(deployment, 'spec', 'replicas');
  return [
    nameOf(deployment),
    `${ready}/${desired}`,
    readInt(deployment, 'status', 'updatedReplicas'),
    readInt(deployment, 'status', 'availableReplicas'),
    ageOf(deployment, now),
    names,
    images,
    labelSelectorString(readField(deployment, 'spec', 'selector')) ?? '<invalid>',
  ];
};

/** strategy is what deployments does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer };

/**
 * ReplicaSets (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get replicasets [-o wide]`, as kube-apiserver's printReplicaSet computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { WORKLOAD_SCALE } from '../validation/workload';
import { selectorImmutable, validateReplicated } from '../validation/workload';
import { defaultPodTemplate } from '../core/podspec';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { ageOf, formatLabelSelector, layoutContainerCells, nameOf, readArray, readField, readInt } from '../printing';

/**
 * printer returns a replica set's cells: NAME, DESIRED (spec.replicas), CURRENT and READY (from
 * status), AGE, and the wide CONTAINERS, IMAGES and SELECTOR.
 */
export const printer: TablePrinter = (rs, now) => {
  const { names, images } = layoutContainerCells(readArray(rs, 'spec', 'template', 'spec', 'containers'));
  return [
    nameOf(rs),
    readInt(rs, 'spec', 'replicas'),
    readInt(rs, 'status', 'replicas'),
    readInt(rs, 'status', 'readyReplicas'),
    ageOf(rs, now),
    names,
    images,
    formatLabelSelector(readField(rs, 'spec', 'selector')),
  ];
};


/** defaults applies upstream's apps/v1 SetDefaults_ReplicaSet and its pod template defaults. */
function defaults(rs: KubeObject): void {
  if (!isPlainObject(rs.spec)) return;
  rs.spec.replicas ??= 1;
  defaultPodTemplate(rs.spec.template);
}

/** strategy is what replicasets does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, defaults, scale: WORKLOAD_SCALE, validate: validateReplicated, validateUpdate: selectorImmutable };

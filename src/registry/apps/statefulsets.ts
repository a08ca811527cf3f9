/**
 * StatefulSets (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get statefulsets [-o wide]`, as kube-apiserver's printStatefulSet computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { WORKLOAD_SCALE } from '../validation/workload';
import { selectorImmutable, validateReplicated } from '../validation/workload';
import { defaultPodTemplate } from '../core/podspec';
import { isPlainObject, type KubeObject } from '../../meta/object';
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


/** DEFAULT_MAX_UNAVAILABLE is how many pods a rolling update takes down at once by default. */
const DEFAULT_MAX_UNAVAILABLE = 1;

/** DEFAULT_REVISION_HISTORY_LIMIT is how many ControllerRevisions a StatefulSet keeps by default. */
const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** defaults applies upstream's apps/v1 SetDefaults_StatefulSet and its pod template defaults. */
function defaults(sts: KubeObject): void {
  if (!isPlainObject(sts.spec)) return;
  const spec = sts.spec;
  spec.podManagementPolicy ??= 'OrderedReady';
  const us = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
  // Only a defaulted type brings an empty rollingUpdate; an explicit RollingUpdate without one
  // stays without.
  if (us.type === undefined || us.type === '') {
    us.type = 'RollingUpdate';
    if (!isPlainObject(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isPlainObject(us.rollingUpdate)) {
    us.rollingUpdate.partition ??= 0;
    // The MaxUnavailableStatefulSet gate is beta and on by default from 1.35.
    us.rollingUpdate.maxUnavailable ??= DEFAULT_MAX_UNAVAILABLE;
  }
  spec.updateStrategy = us;
  const retention = isPlainObject(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {};
  retention.whenDeleted ??= 'Retain';
  retention.whenScaled ??= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy = retention;
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= DEFAULT_REVISION_HISTORY_LIMIT;
  defaultPodTemplate(spec.template);
}

/** strategy is what statefulsets does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, defaults, scale: WORKLOAD_SCALE, validate: validateReplicated, validateUpdate: selectorImmutable };

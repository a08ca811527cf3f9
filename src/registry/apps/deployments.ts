/**
 * Deployments (apps/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get deployments [-o wide]`, as kube-apiserver's printDeployment computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { WORKLOAD_SCALE } from '../validation/workload';
import { selectorImmutable, validateDeployment } from '../validation/workload';
import { defaultPodTemplate } from '../core/podspec';
import { isPlainObject, type KubeObject } from '../../meta/object';
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


/** DEFAULT_REVISION_HISTORY_LIMIT is how many old ReplicaSets a Deployment keeps by default. */
const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** DEFAULT_PROGRESS_DEADLINE_S is how long a rollout may stall before it is reported failed. */
const DEFAULT_PROGRESS_DEADLINE_S = 600;

/** defaults applies upstream's apps/v1 SetDefaults_Deployment and its pod template defaults. */
function defaults(d: KubeObject): void {
  if (!isPlainObject(d.spec)) return;
  const spec = d.spec;
  spec.replicas ??= 1;
  const strategy = isPlainObject(spec.strategy) ? spec.strategy : {};
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
    strategy.rollingUpdate = ru;
  }
  spec.strategy = strategy;
  spec.revisionHistoryLimit ??= DEFAULT_REVISION_HISTORY_LIMIT;
  spec.progressDeadlineSeconds ??= DEFAULT_PROGRESS_DEADLINE_S;
  defaultPodTemplate(spec.template);
}

/** strategy is what deployments does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  printer,
  defaults,
  // Upstream's PrepareForUpdate: annotations are copied to the replica sets, so they move generation too.
  generationCovers: 'specAndAnnotations',
  scale: WORKLOAD_SCALE,
  validate: validateDeployment,
  validateUpdate: selectorImmutable,
};

/**
 * Pods (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get pods [-o wide]`, as kube-apiserver's printPod computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import { isPlainObject, type KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { validatePodSpec } from '../validation/podspec';
import { validatePodUpdate } from '../validation/podupdate';
import { FieldPath } from '../../apierrors';
import { qosClass } from './qos';
import { defaultPodOnly, defaultPodSpec } from './podspec';
import {
  NONE,
  ageOf,
  humanDuration,
  nameOf,
  parseTimestamp,
  readArray,
  readBool,
  readField,
  readInt,
  readObject,
  readString,
} from '../printing';

/** NODE_LOST_REASON is the status.reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_LOST_REASON = 'NodeLost';
/** SCHEDULING_GATED is the PodScheduled condition reason of a pod held back by scheduling gates. */
const SCHEDULING_GATED = 'SchedulingGated';
/** POD_INITIALIZING is the waiting reason of an init container whose turn has not come yet. */
const POD_INITIALIZING = 'PodInitializing';

/** PodStatusCells are the READY, STATUS and RESTARTS cells, which are worked out together. */
interface PodStatusCells {
  ready: string;
  status: string;
  restarts: string;
}

/** isRestartableInitContainer tells a sidecar (an init container with restartPolicy Always). */
function isRestartableInitContainer(container: unknown): boolean {
  return readString(container, 'restartPolicy') === 'Always';
}

/** lastTerminatedAt is when a container status's previous run finished, in ms, if it says. */
function lastTerminatedAt(containerStatus: unknown): number | undefined {
  return parseTimestamp(readField(containerStatus, 'lastState', 'terminated', 'finishedAt'))?.getTime();
}

/** later returns the later of two optional times (undefined is Go's zero time, the earliest). */
function later(a: number | undefined, b: number | undefined): number | undefined {
  if (b === undefined) return a;
  return a === undefined || a < b ? b : a;
}

/** firstConditionStatus returns the status of the first condition of that type, if there is one. */
function firstConditionStatus(conditions: unknown[], type: string): string | undefined {
  const condition = conditions.find((c) => readString(c, 'type') === type);
  return condition === undefined ? undefined : readString(condition, 'status');
}

/** hasReadyCondition says whether the pod's Ready condition is True. */
function hasReadyCondition(conditions: unknown[]): boolean {
  return conditions.some((c) => readString(c, 'type') === 'Ready' && readString(c, 'status') === 'True');
}

/** exitDescription names how a container without a termination reason ended: by signal or exit code. */
function exitDescription(terminated: unknown): string {
  const signal = readInt(terminated, 'signal');
  return signal !== 0 ? `Signal:${signal}` : `ExitCode:${readInt(terminated, 'exitCode')}`;
}

/**
 * podStatusCells aggregates the containers' states the way upstream does:
 * - STATUS starts as status.reason or the phase, "SchedulingGated" while gates hold the pod;
 * - init containers are walked in order: the first one neither finished successfully nor a
 *   started sidecar sets "Init:<reason>", "Init:Signal:N", "Init:ExitCode:N" or "Init:i/n";
 * - once initialized, the regular containers (walked last to first, so the first one wins) set
 *   their waiting or terminated reason; "Completed" with a container still running reads
 *   "Running" (pod Ready) or "NotReady";
 * - a pod being deleted reads "Terminating", or "Unknown" when its node was lost;
 * - READY counts ready running containers and started ready sidecars, out of the containers
 *   plus sidecars; RESTARTS adds the restarts (init containers' only while initializing) and
 *   says how long ago the last one was.
 */
function podStatusCells(pod: KubeObject, now: Date): PodStatusCells {
  const conditions = readArray(pod, 'status', 'conditions');
  const initContainers = readArray(pod, 'spec', 'initContainers');
  const phase = readString(pod, 'status', 'phase');
  const statusReason = readString(pod, 'status', 'reason');

  let reason = statusReason !== '' ? statusReason : phase;
  if (conditions.some((c) => readString(c, 'type') === 'PodScheduled' && readString(c, 'reason') === SCHEDULING_GATED)) {
    reason = SCHEDULING_GATED;
  }

  let totalContainers = readArray(pod, 'spec', 'containers').length;
  const sidecarNames = new Set<string>();
  for (const container of initContainers) {
    if (!isRestartableInitContainer(container)) continue;
    sidecarNames.add(readString(container, 'name'));
    totalContainers++;
  }

  let readyContainers = 0;
  let restarts = 0;
  let lastRestart: number | undefined;
  let sidecarRestarts = 0;
  let lastSidecarRestart: number | undefined;
  let initializing = false;

  const initStatuses = readArray(pod, 'status', 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const containerStatus = initStatuses[i];
    const isSidecar = sidecarNames.has(readString(containerStatus, 'name'));
    const restartCount = readInt(containerStatus, 'restartCount');
    restarts += restartCount;
    lastRestart = later(lastRestart, lastTerminatedAt(containerStatus));
    if (isSidecar) {
      sidecarRestarts += restartCount;
      lastSidecarRestart = later(lastSidecarRestart, lastTerminatedAt(containerStatus));
    }

    const terminated = readObject(containerStatus, 'state', 'terminated');
    const waitingReason = readString(containerStatus, 'state', 'waiting', 'reason');
    if (terminated && readInt(terminated, 'exitCode') === 0) continue;
    if (isSidecar && readBool(containerStatus, 'started')) {
      if (readBool(containerStatus, 'ready')) readyContainers++;
      continue;
    }
    if (terminated) {
      const terminatedReason = readString(terminated, 'reason');
      reason = `Init:${terminatedReason !== '' ? terminatedReason : exitDescription(terminated)}`;
    } else if (waitingReason !== '' && waitingReason !== POD_INITIALIZING) {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || firstConditionStatus(conditions, 'Initialized') === 'True') {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = readArray(pod, 'status', 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const containerStatus = statuses[i];
      restarts += readInt(containerStatus, 'restartCount');
      lastRestart = later(lastRestart, lastTerminatedAt(containerStatus));
      const waitingReason = readString(containerStatus, 'state', 'waiting', 'reason');
      const terminated = readObject(containerStatus, 'state', 'terminated');
      if (waitingReason !== '') {
        reason = waitingReason;
      } else if (terminated) {
        const terminatedReason = readString(terminated, 'reason');
        reason = terminatedReason !== '' ? terminatedReason : exitDescription(terminated);
      } else if (readBool(containerStatus, 'ready') && readObject(containerStatus, 'state', 'running')) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasReadyCondition(conditions) ? 'Running' : 'NotReady';
  }

  const isDeleting = readField(pod, 'metadata', 'deletionTimestamp') != null;
  if (isDeleting && statusReason === NODE_LOST_REASON) {
    reason = 'Unknown';
  } else if (isDeleting && phase !== 'Failed' && phase !== 'Succeeded') {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsCell };
}

/** podIP is the pod's primary IP: status.podIP wins over status.podIPs, as in v1→internal conversion. */
function podIP(pod: KubeObject): string {
  const ip = readString(pod, 'status', 'podIP');
  if (ip !== '') return ip;
  return readString(readArray(pod, 'status', 'podIPs')[0], 'ip');
}

/** readinessGates prints "<true>/<gates>": how many readiness gates' conditions are True. */
function readinessGates(pod: KubeObject): string {
  const gates = readArray(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return NONE;
  const conditions = readArray(pod, 'status', 'conditions');
  const satisfied = gates.filter((g) => firstConditionStatus(conditions, readString(g, 'conditionType')) === 'True').length;
  return `${satisfied}/${gates.length}`;
}

/**
 * printer returns a pod's cells: NAME, READY, STATUS, RESTARTS, AGE, and the wide IP, NODE,
 * NOMINATED NODE, READINESS GATES ("<none>" where unset).
 */
export const printer: TablePrinter = (pod, now) => {
  const { ready, status, restarts } = podStatusCells(pod, now);
  return [
    nameOf(pod),
    ready,
    status,
    restarts,
    ageOf(pod, now),
    podIP(pod) || NONE,
    readString(pod, 'spec', 'nodeName') || NONE,
    readString(pod, 'status', 'nominatedNodeName') || NONE,
    readinessGates(pod),
  ];
};


/** defaults applies upstream's Pod defaults: the PodSpec's, then those only pods get. */
function defaults(pod: KubeObject): void {
  if (!isPlainObject(pod.spec)) return;
  defaultPodSpec(pod.spec);
  defaultPodOnly(pod.spec);
}

/** prepareForCreate starts every pod Pending with its QoS class, as upstream's strategy does. */
function prepareForCreate(pod: KubeObject): void {
  pod.status = { phase: 'Pending', qosClass: qosClass(isPlainObject(pod.spec) ? pod.spec : {}) };
}

/**
 * checkGracefulDelete is upstream's pod CheckGracefulDelete: the requested period, else the
 * pod's terminationGracePeriodSeconds; at once (0) for a pod no node runs (unscheduled) or one
 * that has finished.
 */
function checkGracefulDelete(pod: KubeObject, requested: number | undefined): number {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  let period = requested ?? (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 0);
  if (!spec.nodeName) period = 0;
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (phase === 'Failed' || phase === 'Succeeded') period = 0;
  return period;
}

/** strategy is what pods does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  printer,
  returnDeletedObject: true,
  checkGracefulDelete,
  defaults,
  prepareForCreate,
  validate: (pod) => validatePodSpec(pod.spec, FieldPath.root('spec')),
  validateUpdate: validatePodUpdate,
  fieldSubresources: { ephemeralcontainers: ['spec', 'ephemeralContainers'] },
};

/**
 * Nodes (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get nodes [-o wide]`, as kube-apiserver's printNode computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { NONE, ageOf, nameOf, readArray, readBool, readString, readStringMap, sortedUnique } from '../printing';

/** NODE_ROLE_LABEL_PREFIX marks a role by label key: node-role.kubernetes.io/<role>. */
const NODE_ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
/** NODE_ROLE_LABEL names a role by label value: kubernetes.io/role=<role>. */
const NODE_ROLE_LABEL = 'kubernetes.io/role';
/** UNKNOWN is what the wide columns print for node info the kubelet has not reported. */
const UNKNOWN = '<unknown>';

/**
 * nodeStatus prints the STATUS cell: "Ready" or "NotReady" from the Ready condition (the last
 * one listed, if several), "Unknown" without one, then ",SchedulingDisabled" when cordoned.
 */
function nodeStatus(node: KubeObject): string {
  const status: string[] = [];
  let ready: string | undefined;
  for (const condition of readArray(node, 'status', 'conditions')) {
    if (readString(condition, 'type') === 'Ready') ready = readString(condition, 'status');
  }
  if (ready !== undefined) status.push(ready === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (readBool(node, 'spec', 'unschedulable')) status.push('SchedulingDisabled');
  return status.join(',');
}

/**
 * nodeRoles prints the ROLES cell: the roles named by node-role.kubernetes.io/<role> label keys
 * and by a kubernetes.io/role label's value, sorted, or "<none>".
 */
function nodeRoles(node: KubeObject): string {
  const roles: string[] = [];
  for (const [key, value] of Object.entries(readStringMap(node, 'metadata', 'labels'))) {
    if (key.startsWith(NODE_ROLE_LABEL_PREFIX)) {
      const role = key.slice(NODE_ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.push(role);
    } else if (key === NODE_ROLE_LABEL && value !== '') {
      roles.push(value);
    }
  }
  return roles.length > 0 ? sortedUnique(roles).join(',') : NONE;
}

/** nodeAddress returns the node's first address of the given type, or "<none>". */
function nodeAddress(node: KubeObject, type: 'InternalIP' | 'ExternalIP'): string {
  const address = readArray(node, 'status', 'addresses').find((a) => readString(a, 'type') === type);
  return address === undefined ? NONE : readString(address, 'address');
}

/**
 * printer returns a node's cells: NAME, STATUS, ROLES, AGE, VERSION (the kubelet's), and the
 * wide INTERNAL-IP, EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME.
 */
export const printer: TablePrinter = (node, now) => {
  const info = (field: string) => readString(node, 'status', 'nodeInfo', field);
  return [
    nameOf(node),
    nodeStatus(node),
    nodeRoles(node),
    ageOf(node, now),
    info('kubeletVersion'),
    nodeAddress(node, 'InternalIP'),
    nodeAddress(node, 'ExternalIP'),
    info('osImage') || UNKNOWN,
    info('kernelVersion') || UNKNOWN,
    info('containerRuntimeVersion') || UNKNOWN,
  ];
};


/** defaults copies capacity into allocatable when a node reports only capacity, as upstream. */
function defaults(node: KubeObject): void {
  const status = isPlainObject(node.status) ? node.status : undefined;
  if (status && status.allocatable === undefined && isPlainObject(status.capacity)) status.allocatable = { ...status.capacity };
}

/** strategy is what nodes does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, tracksGeneration: false, defaults };

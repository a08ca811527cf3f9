/**
 * Services (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get services [-o wide]`, as kube-apiserver's printService computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import {
  NONE,
  ageOf,
  formatLabels,
  formatLoadBalancerIngress,
  nameOf,
  readArray,
  readInt,
  readString,
  readStringMap,
} from '../printing';

/**
 * externalIP prints the EXTERNAL-IP cell, which depends on the service type:
 * - ClusterIP and NodePort: spec.externalIPs, or "<none>";
 * - LoadBalancer: the load balancer's ingress IPs (or hostnames), then spec.externalIPs, or
 *   "<pending>" while there are neither;
 * - ExternalName: spec.externalName;
 * - anything else: "<unknown>".
 */
function externalIP(svc: KubeObject): string {
  const externalIPs = readArray(svc, 'spec', 'externalIPs').filter((ip): ip is string => typeof ip === 'string');
  switch (readString(svc, 'spec', 'type')) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : NONE;
    case 'LoadBalancer': {
      const ingress = formatLoadBalancerIngress(readArray(svc, 'status', 'loadBalancer', 'ingress'));
      if (externalIPs.length > 0) return [...(ingress === '' ? [] : ingress.split(',')), ...externalIPs].join(',');
      return ingress !== '' ? ingress : '<pending>';
    }
    case 'ExternalName':
      return readString(svc, 'spec', 'externalName');
    default:
      return '<unknown>';
  }
}

/** ports prints the PORT(S) cell: "port/protocol", or "port:nodePort/protocol", comma-separated. */
function ports(svc: KubeObject): string {
  const pieces = readArray(svc, 'spec', 'ports').map((p) => {
    const port = readInt(p, 'port');
    const nodePort = readInt(p, 'nodePort');
    const protocol = readString(p, 'protocol');
    return nodePort > 0 ? `${port}:${nodePort}/${protocol}` : `${port}/${protocol}`;
  });
  return pieces.length > 0 ? pieces.join(',') : NONE;
}

/**
 * printer returns a service's cells: NAME, TYPE, CLUSTER-IP (the first of spec.clusterIPs, or
 * "<none>"), EXTERNAL-IP, PORT(S), AGE and the wide SELECTOR. Like upstream's, it prints the
 * stored object as is: type and port protocols are defaulted, and clusterIPs filled from
 * clusterIP, before a service is stored (upstream's service strategy does both).
 */
export const printer: TablePrinter = (svc, now) => {
  const clusterIPs = readArray(svc, 'spec', 'clusterIPs');
  const clusterIP = clusterIPs.length === 0 ? NONE : typeof clusterIPs[0] === 'string' ? clusterIPs[0] : '';
  return [
    nameOf(svc),
    readString(svc, 'spec', 'type'),
    clusterIP,
    externalIP(svc),
    ports(svc),
    ageOf(svc, now),
    formatLabels(readStringMap(svc, 'spec', 'selector')),
  ];
};

/** strategy is what services does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, nameRule: 'label', tracksGeneration: false };

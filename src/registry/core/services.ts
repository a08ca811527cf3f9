/**
 * Services (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get services [-o wide]`, as kube-apiserver's printService computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { validateService } from '../validation/service';
import { isPlainObject, type KubeObject } from '../../meta/object';
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


/** DEFAULT_CLIENT_IP_AFFINITY_S is upstream's DefaultClientIPServiceAffinitySeconds (3 hours). */
const DEFAULT_CLIENT_IP_AFFINITY_S = 10800;

/** defaults applies upstream's SetDefaults_Service. */
function defaults(svc: KubeObject): void {
  if (!isPlainObject(svc.spec)) return;
  const spec = svc.spec;
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isPlainObject(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : {};
    const clientIP = isPlainObject(cfg.clientIP) ? cfg.clientIP : {};
    clientIP.timeoutSeconds ??= DEFAULT_CLIENT_IP_AFFINITY_S;
    cfg.clientIP = clientIP;
    spec.sessionAffinityConfig = cfg;
  }
  spec.type ??= 'ClusterIP';
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isPlainObject(p)) continue;
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (external && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(String(spec.type))) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

/** prepareForCreate gives a new service the empty load-balancer status upstream's serializes. */
function prepareForCreate(svc: KubeObject): void {
  svc.status = { loadBalancer: {} };
}

/**
 * strategy is what services does differently from the default strategy. Names are DNS-1035
 * labels (upstream's ValidateServiceName: they become DNS names and environment variable
 * prefixes, so they start with a letter), and, as upstream's AllowCreateOnUpdate says, a PUT of
 * a missing service creates it.
 */
export const strategy: StrategyOverrides = { printer, nameRule: 'dns1035-label', allowCreateOnUpdate: true, tracksGeneration: false, defaults, prepareForCreate, validate: validateService };

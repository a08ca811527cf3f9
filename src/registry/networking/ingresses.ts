/**
 * Ingresses (networking.k8s.io/v1): the resource's special behaviour. For now, its Table
 * printer: the cells of `kubectl get ingresses`, as kube-apiserver's printIngress computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import {
  NONE,
  ageOf,
  formatLoadBalancerIngress,
  listWithMore,
  nameOf,
  readArray,
  readOptionalString,
  readString,
} from '../printing';

/** MAX_HOSTS_SHOWN is how many hosts the HOSTS cell lists before "+ N more...". */
const MAX_HOSTS_SHOWN = 3;

/**
 * formatHosts prints the HOSTS cell: the rules' hosts, the first three shown and the rest counted
 * (the count is of rules, host or not); "*" when no rule names a host.
 */
function formatHosts(ingress: KubeObject): string {
  const rules = readArray(ingress, 'spec', 'rules');
  const shown: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (shown.length === MAX_HOSTS_SHOWN) more = true;
    const host = readString(rule, 'host');
    if (!more && host !== '') shown.push(host);
  }
  if (shown.length === 0) return '*';
  return listWithMore(shown, more, rules.length - MAX_HOSTS_SHOWN);
}

/**
 * printer returns an ingress's cells: NAME, CLASS (spec.ingressClassName, or "<none>"), HOSTS,
 * ADDRESS (the load balancer's IPs or hostnames), PORTS ("80", or "80, 443" with any TLS) and AGE.
 */
export const printer: TablePrinter = (ingress, now) => [
  nameOf(ingress),
  readOptionalString(ingress, 'spec', 'ingressClassName') ?? NONE,
  formatHosts(ingress),
  formatLoadBalancerIngress(readArray(ingress, 'status', 'loadBalancer', 'ingress')),
  readArray(ingress, 'spec', 'tls').length > 0 ? '80, 443' : '80',
  ageOf(ingress, now),
];

/**
 * REQUIRED_DETAILS are the words upstream's validateHTTPIngressPath gives a v1 path without
 * pathType (v1beta1 defaults it, so only v1 requests can miss it).
 */
const REQUIRED_DETAILS = { 'spec.rules[*].http.paths[*].pathType': 'pathType must be specified' };

/** strategy is what ingresses does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, requiredDetails: REQUIRED_DETAILS };

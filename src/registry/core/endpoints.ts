/**
 * Endpoints (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get endpoints`, as kube-apiserver's printEndpoints computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { NONE, ageOf, joinHostPort, listWithMore, nameOf, readArray, readInt, readString } from '../printing';

/** MAX_ENDPOINTS_SHOWN is how many addresses the ENDPOINTS cell lists before "+ N more...". */
const MAX_ENDPOINTS_SHOWN = 3;

/**
 * formatEndpoints prints the ENDPOINTS cell: the ready addresses of every subset, as "ip:port"
 * for each of the subset's ports (bare "ip" for a subset without ports, as headless services
 * have), the first three shown and the rest counted; "<none>" without subsets.
 */
function formatEndpoints(endpoints: KubeObject): string {
  const subsets = readArray(endpoints, 'subsets');
  if (subsets.length === 0) return NONE;
  const shown: string[] = [];
  let more = false;
  let count = 0;
  const add = (address: string) => {
    if (shown.length === MAX_ENDPOINTS_SHOWN) more = true;
    else shown.push(address);
  };
  for (const subset of subsets) {
    const addresses = readArray(subset, 'addresses').map((a) => readString(a, 'ip'));
    const ports = readArray(subset, 'ports');
    if (ports.length === 0) {
      count += addresses.length;
      addresses.forEach(add);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const ip of addresses) add(joinHostPort(ip, readInt(port, 'port')));
    }
  }
  return listWithMore(shown, more, count - MAX_ENDPOINTS_SHOWN);
}

/** printer returns an Endpoints object's cells: NAME, ENDPOINTS and AGE. */
export const printer: TablePrinter = (endpoints, now) => [nameOf(endpoints), formatEndpoints(endpoints), ageOf(endpoints, now)];


/** defaults gives endpoint ports the TCP protocol, as upstream. */
function defaults(ep: KubeObject): void {
  for (const subset of Array.isArray(ep.subsets) ? ep.subsets : []) {
    if (!isPlainObject(subset)) continue;
    for (const port of Array.isArray(subset.ports) ? subset.ports : []) if (isPlainObject(port)) port.protocol ??= 'TCP';
  }
}

/** strategy is what endpoints does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, allowCreateOnUpdate: true, defaults };

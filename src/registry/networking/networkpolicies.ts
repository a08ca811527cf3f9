/** NetworkPolicies (networking.k8s.io/v1): policy types follow the rules present; ports are TCP. */
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';

function defaultPorts(rules: unknown): void {
  for (const rule of Array.isArray(rules) ? rules : []) {
    if (!isPlainObject(rule)) continue;
    for (const port of Array.isArray(rule.ports) ? rule.ports : []) if (isPlainObject(port)) port.protocol ??= 'TCP';
  }
}

/** defaults applies upstream's SetDefaults_NetworkPolicy. */
function defaults(np: KubeObject): void {
  if (!isPlainObject(np.spec)) return;
  const spec = np.spec;
  defaultPorts(spec.ingress);
  defaultPorts(spec.egress);
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    spec.policyTypes = types;
  }
}

/** strategy is what networkpolicies does differently from the default strategy. */
export const strategy: StrategyOverrides = { tracksGeneration: true, defaults };

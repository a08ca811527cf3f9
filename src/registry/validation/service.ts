/** Service validation: upstream ValidateService's rules on types, ports and names. */
import { FieldError, FieldPath, GoValue, forbidden, goJSON, invalid, notSupported, required } from '../../apierrors';
import { isDNS1123Subdomain } from '../../selectors/validation';
import { type Obj, obj, objects, validateDNSLabel, validatePortName, validatePortNum, validateProtocol } from './common';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const AFFINITIES = ['ClientIP', 'None'] as const;

export function validateService(svc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(svc.spec) ?? {};
  const path = FieldPath.root('spec');
  const type = spec.type;
  if (typeof type !== 'string' || !(SERVICE_TYPES as readonly string[]).includes(type)) errs.push(notSupported(path.child('type').toString(), type, SERVICE_TYPES));
  if (spec.sessionAffinity !== undefined && !(AFFINITIES as readonly string[]).includes(String(spec.sessionAffinity))) {
    errs.push(notSupported(path.child('sessionAffinity').toString(), spec.sessionAffinity, AFFINITIES));
  }
  const ports = objects(spec.ports);
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    const name = spec.externalName;
    if (typeof name !== 'string' || !name) errs.push(required(path.child('externalName').toString()));
    else for (const m of isDNS1123Subdomain(name.replace(/\.$/, ''))) errs.push(invalid(path.child('externalName').toString(), name, m));
  } else if (ports.length === 0 && !headless) {
    errs.push(required(path.child('ports').toString()));
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const pp = path.child('ports').index(i);
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && !name) errs.push(required(pp.child('name').toString()));
    if (name) {
      // Service port names are DNS labels (container port names are IANA service names).
      errs.push(...validateDNSLabel(name, pp.child('name')));
      if (names.has(name)) errs.push(new FieldError('Duplicate', pp.child('name').toString(), name));
      names.add(name);
    }
    if (p.port === undefined) errs.push(required(pp.child('port').toString()));
    else errs.push(...validatePortNum(p.port, pp.child('port')));
    errs.push(...validateProtocol(p.protocol, pp.child('protocol')));
    if (typeof p.targetPort === 'number') errs.push(...validatePortNum(p.targetPort, pp.child('targetPort')));
    else if (typeof p.targetPort === 'string') errs.push(...validatePortName(p.targetPort, pp.child('targetPort')));
    if (p.nodePort !== undefined && type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(forbidden(pp.child('nodePort').toString(), `may not be used when \`type\` is '${String(type)}'`));
    }
    const key = `${String(p.port)}/${String(p.protocol)}`;
    if (seen.has(key)) errs.push(new FieldError('Duplicate', pp.toString(), internalServicePortKey(p)));
    seen.add(key);
  });
  return errs;
}

/**
 * internalServicePortKey renders the key upstream reports a duplicate port with: an internal
 * core.ServicePort holding only protocol and port. The internal type has no json tags, so
 * encoding/json prints every Go field, in declaration order, zero values included.
 */
function internalServicePortKey(p: Obj): GoValue {
  const protocol = typeof p.protocol === 'string' ? p.protocol : '';
  const port = typeof p.port === 'number' ? p.port : 0;
  return new GoValue(`{"Name":"","Protocol":${goJSON(protocol)},"AppProtocol":null,"Port":${port},"TargetPort":0,"NodePort":0}`);
}

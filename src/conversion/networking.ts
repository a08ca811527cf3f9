/**
 * networking.k8s.io: the hand-written parts of converting Ingress between v1beta1 and v1 (the hub),
 * called by generated/conversions/networking.k8s.io.ts for the fields whose schemas differ. The
 * generated functions copy everything else; IngressClass needs no hook (its two versions have the
 * same schema, parameters' scope and namespace included).
 *
 * The semantics are upstream's (k8s.io/kubernetes pkg/apis/networking/v1beta1/conversion.go):
 * - v1beta1 `backend.serviceName` + `servicePort` (a number or a name) is v1
 *   `backend.service.name` + `service.port.number` or `service.port.name`; a resource backend is
 *   the same in both versions (copied by the generated code).
 * - v1beta1 `spec.backend` is v1 `spec.defaultBackend`.
 * - v1beta1's status uses core's LoadBalancerStatus, v1 its own IngressLoadBalancerStatus: the
 *   same fields but `ipMode`, which v1 has no place for (upstream's v1beta1 has none since 1.26);
 *   it is dropped, as an unknown field would be.
 * - pathType is copied; v1beta1's default (ImplementationSpecific) is applied before conversion,
 *   by setDefaults_v1beta1_Ingress, as upstream's decoder defaults before converting.
 *
 * Upstream keeps nothing in annotations for these kinds, so neither does this file. Round trips
 * are lossless for valid objects: v1 → v1beta1 → v1 exactly, v1beta1 → v1 → v1beta1 but for ipMode.
 */

import {
  autoConvert_v1_IngressBackend_to_v1beta1_IngressBackend,
  autoConvert_v1beta1_IngressBackend_to_v1_IngressBackend,
} from '../../generated/conversions/networking.k8s.io';
import { ConversionError, convertObject, isObject, type ConversionScope, type JsonObject } from './runtime';

/** PATH_TYPE_DEFAULT is v1beta1's pathType when none is given (upstream SetDefaults_HTTPIngressPath). */
export const PATH_TYPE_DEFAULT = 'ImplementationSpecific';

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** stringField reads an optional string field; absent and null read as "" (Go's zero value). */
function stringField(obj: JsonObject, field: string, where: string): string {
  const v = obj[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ConversionError(`${where}.${field}: expected a string, got ${typeName(v)}`);
  return v;
}

/** convert_v1beta1_IngressSpec_to_v1_IngressSpec moves spec.backend to spec.defaultBackend. */
export function convert_v1beta1_IngressSpec_to_v1_IngressSpec(input: JsonObject, output: JsonObject, scope: ConversionScope): void {
  if (input.backend !== undefined) output.defaultBackend = convertObject(input.backend, autoConvert_v1beta1_IngressBackend_to_v1_IngressBackend, scope);
}

/** convert_v1_IngressSpec_to_v1beta1_IngressSpec moves spec.defaultBackend to spec.backend. */
export function convert_v1_IngressSpec_to_v1beta1_IngressSpec(input: JsonObject, output: JsonObject, scope: ConversionScope): void {
  if (input.defaultBackend !== undefined) output.backend = convertObject(input.defaultBackend, autoConvert_v1_IngressBackend_to_v1beta1_IngressBackend, scope);
}

/**
 * convert_v1beta1_IngressBackend_to_v1_IngressBackend makes serviceName and servicePort a
 * `service`. As upstream, the backend names a service when any of them is set: a non-empty
 * serviceName, a non-zero numeric servicePort or any string servicePort (0 and absent are Go's
 * unset IntOrString, which client-go sends for a resource backend). A string port is the port's
 * name, a number its number; an empty name leaves `port` empty.
 */
export function convert_v1beta1_IngressBackend_to_v1_IngressBackend(input: JsonObject, output: JsonObject, _scope: ConversionScope): void {
  const name = stringField(input, 'serviceName', 'IngressBackend');
  const port = input.servicePort ?? undefined;
  if (port !== undefined && typeof port !== 'number' && typeof port !== 'string') {
    throw new ConversionError(`IngressBackend.servicePort: expected an integer or a string, got ${typeName(port)}`);
  }
  if (name === '' && (port === undefined || port === 0)) return;
  const servicePort: JsonObject = {};
  if (typeof port === 'string' && port !== '') servicePort.name = port;
  else if (typeof port === 'number' && port !== 0) servicePort.number = port;
  output.service = { name, port: servicePort };
}

/**
 * convert_v1_IngressBackend_to_v1beta1_IngressBackend makes `service` serviceName and
 * servicePort: the port's name when it has one, else its number. Empty values are left out, as
 * Go's omitempty does for serviceName; upstream would write the unset servicePort as 0, which
 * reads back the same (see the v1beta1 → v1 direction).
 */
export function convert_v1_IngressBackend_to_v1beta1_IngressBackend(input: JsonObject, output: JsonObject, _scope: ConversionScope): void {
  const service = input.service;
  if (service === undefined || service === null) return;
  if (!isObject(service)) throw new ConversionError(`IngressBackend.service: expected an object, got ${typeName(service)}`);
  const name = stringField(service, 'name', 'IngressBackend.service');
  if (name !== '') output.serviceName = name;
  const port = service.port;
  if (port === undefined || port === null) return;
  if (!isObject(port)) throw new ConversionError(`IngressBackend.service.port: expected an object, got ${typeName(port)}`);
  const portName = stringField(port, 'name', 'IngressBackend.service.port');
  const portNumber = port.number ?? 0;
  if (typeof portNumber !== 'number') throw new ConversionError(`IngressBackend.service.port.number: expected an integer, got ${typeName(portNumber)}`);
  if (portName !== '') output.servicePort = portName;
  else if (portNumber !== 0) output.servicePort = portNumber;
}

/**
 * convert_v1_LoadBalancerIngress_to_v1_IngressLoadBalancerIngress leaves out ipMode, which an
 * Ingress's v1 status has no field for (hostname, ip and ports are copied by the generated code).
 */
export function convert_v1_LoadBalancerIngress_to_v1_IngressLoadBalancerIngress(_input: JsonObject, _output: JsonObject, _scope: ConversionScope): void {
  // Nothing to carry: ipMode is dropped (see the file comment).
}

/** convert_v1_IngressLoadBalancerIngress_to_v1_LoadBalancerIngress has no ipMode to set: v1 never holds one. */
export function convert_v1_IngressLoadBalancerIngress_to_v1_LoadBalancerIngress(_input: JsonObject, _output: JsonObject, _scope: ConversionScope): void {
  // Nothing to set: the v1 object carries no ipMode.
}

/**
 * setDefaults_v1beta1_Ingress applies upstream's v1beta1 defaults to an Ingress decoded in
 * v1beta1 (pkg/apis/networking/v1beta1/defaults.go, SetDefaults_HTTPIngressPath): every HTTP path
 * without a pathType gets ImplementationSpecific. It writes to `ingress`.
 */
export function setDefaults_v1beta1_Ingress(ingress: JsonObject): void {
  const spec = ingress.spec;
  if (!isObject(spec) || !Array.isArray(spec.rules)) return;
  for (const rule of spec.rules) {
    if (!isObject(rule) || !isObject(rule.http) || !Array.isArray(rule.http.paths)) continue;
    for (const p of rule.http.paths) if (isObject(p) && (p.pathType === undefined || p.pathType === null)) p.pathType = PATH_TYPE_DEFAULT;
  }
}

/**
 * Validation helpers shared by kinds (upstream pkg/apis/core/validation and
 * k8s.io/apimachinery/pkg/util/validation), returning field errors with upstream's messages.
 */
import { FieldError, FieldPath, duplicate, invalid, notSupported, required } from '../../apierrors';
import { isPlainObject } from '../../meta/object';
import { QUANTITY_FORMAT_MESSAGE, parseQuantity, quantityError, type Quantity } from '../../meta/quantity';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '../../selectors/validation';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj | undefined {
  return isPlainObject(v) ? v : undefined;
}

export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map((x) => (isPlainObject(x) ? x : {})) : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** portRangeError is upstream's IsValidPortNum message. */
export const PORT_RANGE_MESSAGE = 'must be between 1 and 65535, inclusive';

export function validatePortNum(port: unknown, path: FieldPath, allowZero = false): FieldError[] {
  if (typeof port !== 'number') return [];
  if (allowZero && port === 0) return [];
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return [invalid(path.toString(), port, allowZero ? 'must be between 0 and 65535, inclusive' : PORT_RANGE_MESSAGE)];
  }
  return [];
}

/** validatePortName is upstream's IsValidPortName (IANA_SVC_NAME). */
export function validatePortName(name: string, path: FieldPath): FieldError[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs.map((m) => invalid(path.toString(), name, m));
}

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

export function validateProtocol(p: unknown, path: FieldPath): FieldError[] {
  if (p === undefined) return [required(path.toString())];
  if (typeof p === 'string' && (PROTOCOLS as readonly string[]).includes(p)) return [];
  return [notSupported(path.toString(), p, PROTOCOLS)];
}

export function validateEnum(value: unknown, allowed: readonly string[], path: FieldPath, requiredValue = true): FieldError[] {
  if (value === undefined || value === '') return requiredValue ? [required(path.toString())] : [];
  if (typeof value === 'string' && allowed.includes(value)) return [];
  return [notSupported(path.toString(), value, allowed)];
}

export function validateDNSLabel(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value !== 'string' || value === '') return [required(path.toString())];
  return isDNS1123Label(value).map((m) => invalid(path.toString(), value, m));
}

export function validateDNSSubdomain(value: unknown, path: FieldPath): FieldError[] {
  if (typeof value !== 'string' || value === '') return [required(path.toString())];
  return isDNS1123Subdomain(value).map((m) => invalid(path.toString(), value, m));
}

/** uniqueNames reports Duplicate for repeated `name` fields of a list. */
export function uniqueNames(items: Obj[], path: FieldPath, key = 'name', seen = new Set<string>()): FieldError[] {
  const errs: FieldError[] = [];
  items.forEach((item, i) => {
    const name = item[key];
    if (typeof name !== 'string' || !name) return;
    if (seen.has(name)) errs.push(duplicate(path.index(i).child(key).toString(), name));
    seen.add(name);
  });
  return errs;
}

/** STANDARD_RESOURCES are names that need no domain prefix. */
const STANDARD_RESOURCE_PREFIXES = ['requests.', 'limits.', 'hugepages-'];
const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

/** validateResourceName is upstream's validateResourceName for container resources. */
export function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path.toString(), name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !STANDARD_RESOURCE_PREFIXES.some((p) => name.startsWith(p))) {
    return [invalid(path.toString(), name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** quantityList parses a ResourceList, reporting malformed quantities. */
export function quantityList(list: unknown, path: FieldPath, errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const o = obj(list);
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) {
    const p = path.key(k);
    errs.push(...validateResourceName(k, p));
    const q = typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
    if (!q) {
      errs.push(invalid(p.toString(), v, (typeof v === 'string' && quantityError(v.trim())) || QUANTITY_FORMAT_MESSAGE));
      continue;
    }
    if (q.numerator < 0n) errs.push(invalid(p.toString(), v, 'must be greater than or equal to 0'));
    out.set(k, q);
  }
  return out;
}

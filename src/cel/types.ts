/**
 * The static types of CEL expressions as the type checker sees them, and cel-go's rules for
 * them: assignability with type parameters (checker/types.go), substitution, and formatting
 * (checker/format.go), so compile errors read as kube-apiserver's do.
 */

/** CelType is a static CEL type. */
export type CelType = SimpleType | ListType | MapType | StructType | OpaqueType | TypeOfType | TypeParam;

/** SimpleKind names the types without parameters. */
export type SimpleKind = 'int' | 'uint' | 'double' | 'bool' | 'string' | 'bytes' | 'null_type' | 'dyn' | 'error' | 'timestamp' | 'duration';

export interface SimpleType {
  readonly kind: SimpleKind;
}

export interface ListType {
  readonly kind: 'list';
  readonly elem: CelType;
}

export interface MapType {
  readonly kind: 'map';
  readonly key: CelType;
  readonly value: CelType;
}

/**
 * StructType is an object declared by a structural schema (upstream's DeclType object): a
 * message-like type whose fields are known. `name` identifies it (`selfType.spec`).
 */
export interface StructType {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: ReadonlyMap<string, CelType>;
}

/** OpaqueType is an abstract type: `optional_type(T)`, `kubernetes.Quantity`, `net.IP` ... */
export interface OpaqueType {
  readonly kind: 'opaque';
  readonly name: string;
  readonly params: readonly CelType[];
}

/** TypeOfType is the type of a type value (`type(int)`). */
export interface TypeOfType {
  readonly kind: 'type';
  readonly param?: CelType;
}

/** TypeParam is a type variable of a generic overload (`A`) or of the checker (`_var0`). */
export interface TypeParam {
  readonly kind: 'param';
  readonly name: string;
}

const simple = (kind: SimpleKind): SimpleType => Object.freeze({ kind });

export const INT = simple('int');
export const UINT = simple('uint');
export const DOUBLE = simple('double');
export const BOOL = simple('bool');
export const STRING = simple('string');
export const BYTES = simple('bytes');
export const NULL = simple('null_type');
export const DYN = simple('dyn');
export const ERROR = simple('error');
export const TIMESTAMP = simple('timestamp');
export const DURATION = simple('duration');

export const listOf = (elem: CelType): ListType => ({ kind: 'list', elem });
export const mapOf = (key: CelType, value: CelType): MapType => ({ kind: 'map', key, value });
export const opaque = (name: string, ...params: CelType[]): OpaqueType => ({ kind: 'opaque', name, params });
export const optionalOf = (t: CelType): OpaqueType => opaque('optional_type', t);
export const typeOf = (param?: CelType): TypeOfType => (param ? { kind: 'type', param } : { kind: 'type' });
export const param = (name: string): TypeParam => ({ kind: 'param', name });

/** Opaque types of the Kubernetes libraries, named as upstream names them. */
export const QUANTITY = opaque('kubernetes.Quantity');
export const URL_TYPE = opaque('kubernetes.URL');
export const IP_TYPE = opaque('net.IP');
export const CIDR_TYPE = opaque('net.CIDR');
export const SEMVER = opaque('kubernetes.Semver');
export const FORMAT = opaque('kubernetes.NamedFormat');

/** params lists a type's parameters in cel-go's order. */
export function paramsOf(t: CelType): readonly CelType[] {
  switch (t.kind) {
    case 'list':
      return [t.elem];
    case 'map':
      return [t.key, t.value];
    case 'opaque':
      return t.params;
    case 'type':
      return t.param ? [t.param] : [];
    default:
      return [];
  }
}

/** typeName is cel-go's TypeName: the name without parameters. */
export function typeName(t: CelType): string {
  switch (t.kind) {
    case 'struct':
    case 'opaque':
    case 'param':
      return t.name;
    case 'timestamp':
      return 'google.protobuf.Timestamp';
    case 'duration':
      return 'google.protobuf.Duration';
    default:
      return t.kind;
  }
}

/** formatType renders a type as cel-go's FormatCELType does (`list(int)`, `map(string, dyn)`). */
export function formatType(t: CelType): string {
  switch (t.kind) {
    case 'error':
      return '!error!';
    case 'null_type':
      return 'null';
    case 'timestamp':
    case 'duration':
    case 'param':
    case 'struct':
      return t.kind === 'param' || t.kind === 'struct' ? t.name : t.kind;
    case 'list':
      return `list(${formatType(t.elem)})`;
    case 'map':
      return `map(${formatType(t.key)}, ${formatType(t.value)})`;
    case 'type':
      return t.param ? `type(${formatType(t.param)})` : 'type';
    case 'opaque':
      return t.params.length ? `${t.name}(${t.params.map(formatType).join(', ')})` : t.name;
    default:
      return t.kind;
  }
}

/** isExactType is cel-go's IsExactType: same kind, name and parameters. */
export function isExactType(a: CelType, b: CelType): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  if (typeName(a) !== typeName(b)) return false;
  const pa = paramsOf(a);
  const pb = paramsOf(b);
  if (pa.length !== pb.length) return false;
  return pa.every((p, i) => isExactType(p, pb[i]));
}

const isDyn = (t: CelType): boolean => t.kind === 'dyn';
const isDynOrError = (t: CelType): boolean => t.kind === 'dyn' || t.kind === 'error';

/** isOptionalType tells `optional_type(T)`. */
export function isOptionalType(t: CelType): t is OpaqueType {
  return t.kind === 'opaque' && t.name === 'optional_type';
}

/**
 * Mapping holds type-parameter substitutions, keyed by the formatted parameter, as cel-go's
 * checker mapping does. It is copied before a tentative unification and kept when it succeeds.
 */
export class Mapping {
  private readonly map = new Map<string, CelType>();

  add(from: CelType, to: CelType): void {
    this.map.set(formatType(from), to);
  }

  find(from: CelType): CelType | undefined {
    return this.map.get(formatType(from));
  }

  copy(): Mapping {
    const c = new Mapping();
    for (const [k, v] of this.map) c.map.set(k, v);
    return c;
  }
}

function isEqualOrLessSpecific(t1: CelType, t2: CelType): boolean {
  if (isDyn(t1) || t1.kind === 'param') return true;
  if (isDyn(t2) || t2.kind === 'param') return false;
  if (t1.kind !== t2.kind) return false;
  switch (t1.kind) {
    case 'opaque': {
      const o2 = t2 as OpaqueType;
      if (t1.name !== o2.name || t1.params.length !== o2.params.length) return false;
      return t1.params.every((p, i) => isEqualOrLessSpecific(p, o2.params[i]));
    }
    case 'list':
      return isEqualOrLessSpecific(t1.elem, (t2 as ListType).elem);
    case 'map':
      return isEqualOrLessSpecific(t1.key, (t2 as MapType).key) && isEqualOrLessSpecific(t1.value, (t2 as MapType).value);
    case 'type':
      return true;
    default:
      return isExactType(t1, t2);
  }
}

/** mostGeneral returns the more general of two types known to unify. */
export function mostGeneral(t1: CelType, t2: CelType): CelType {
  return isEqualOrLessSpecific(t1, t2) ? t1 : t2;
}

function notReferencedIn(m: Mapping, t: CelType, within: CelType): boolean {
  if (isExactType(t, within)) return false;
  switch (within.kind) {
    case 'param': {
      const sub = m.find(within);
      return sub === undefined ? true : notReferencedIn(m, t, sub);
    }
    case 'opaque':
    case 'list':
    case 'map':
    case 'type':
      return paramsOf(within).every((p) => notReferencedIn(m, t, p));
    default:
      return true;
  }
}

function isValidTypeSubstitution(m: Mapping, t1: CelType, t2: CelType): [valid: boolean, hasSub: boolean] {
  if (t1.kind === t2.kind && isExactType(t1, t2)) return [true, true];
  const t2Sub = m.find(t2);
  if (t2Sub !== undefined) {
    if (t1.kind === t2Sub.kind && isExactType(t1, t2Sub)) return [true, true];
    if (internalIsAssignable(m, t1, t2Sub)) {
      const t2New = mostGeneral(t1, t2Sub);
      if (notReferencedIn(m, t2, t2New)) m.add(t2, t2New);
      return [true, true];
    }
    return [false, true];
  }
  if (notReferencedIn(m, t2, t1)) {
    m.add(t2, t1);
    return [true, false];
  }
  return [false, false];
}

function isLegacyNullable(t: CelType): boolean {
  return t.kind === 'opaque' || t.kind === 'struct' || t.kind === 'timestamp' || t.kind === 'duration';
}

function internalIsAssignable(m: Mapping, t1: CelType, t2: CelType): boolean {
  if (t2.kind === 'param') {
    const [valid, hasSub] = isValidTypeSubstitution(m, t1, t2);
    if (valid) return true;
    if (hasSub) return false;
  }
  if (t1.kind === 'param') return isValidTypeSubstitution(m, t2, t1)[0];
  if (isDynOrError(t1) || isDynOrError(t2)) return true;
  if (t1.kind === 'null_type') return isLegacyNullable(t2) || t2.kind === 'null_type';
  if (t2.kind === 'null_type') return isLegacyNullable(t1);
  switch (t1.kind) {
    case 'type':
      return t2.kind === 'type';
    case 'opaque':
    case 'list':
    case 'map':
      return t1.kind === t2.kind && typeName(t1) === typeName(t2) && internalIsAssignableList(m, paramsOf(t1), paramsOf(t2));
    default:
      return t1.kind === t2.kind && typeName(t1) === typeName(t2);
  }
}

function internalIsAssignableList(m: Mapping, l1: readonly CelType[], l2: readonly CelType[]): boolean {
  if (l1.length !== l2.length) return false;
  return l1.every((t, i) => internalIsAssignable(m, t, l2[i]));
}

/** isAssignable returns the updated mapping when t1 is assignable to t2, else undefined. */
export function isAssignable(m: Mapping, t1: CelType, t2: CelType): Mapping | undefined {
  const c = m.copy();
  return internalIsAssignable(c, t1, t2) ? c : undefined;
}

/** isAssignableList returns the updated mapping when each l1[i] is assignable to l2[i]. */
export function isAssignableList(m: Mapping, l1: readonly CelType[], l2: readonly CelType[]): Mapping | undefined {
  const c = m.copy();
  return internalIsAssignableList(c, l1, l2) ? c : undefined;
}

/** substitute replaces bound type parameters; unbound ones become dyn when `toDyn`. */
export function substitute(m: Mapping, t: CelType, toDyn: boolean): CelType {
  const sub = m.find(t);
  if (sub !== undefined && !(sub.kind === 'param' && sub.name === (t as TypeParam).name)) return substitute(m, sub, toDyn);
  switch (t.kind) {
    case 'param':
      return toDyn ? DYN : t;
    case 'opaque':
      return opaque(t.name, ...t.params.map((p) => substitute(m, p, toDyn)));
    case 'list':
      return listOf(substitute(m, t.elem, toDyn));
    case 'map':
      return mapOf(substitute(m, t.key, toDyn), substitute(m, t.value, toDyn));
    case 'type':
      return t.param ? typeOf(substitute(m, t.param, toDyn)) : t;
    default:
      return t;
  }
}

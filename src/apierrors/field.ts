import { goFloat, goJSON, goQuote } from './govalue';

/**
 * FieldError is one problem with one field of an object, as k8s.io/apimachinery's field.Error:
 * the type decides the cause reason and the first words of the message.
 */
export type FieldErrorType =
  | 'NotFound'
  | 'Required'
  | 'Duplicate'
  | 'Invalid'
  | 'NotSupported'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'Internal'
  | 'TypeInvalid';

const reasons: Record<FieldErrorType, string> = {
  NotFound: 'FieldValueNotFound',
  Required: 'FieldValueRequired',
  Duplicate: 'FieldValueDuplicate',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Internal: 'InternalError',
  TypeInvalid: 'FieldValueTypeInvalid',
};

const titles: Record<FieldErrorType, string> = {
  NotFound: 'Not found',
  Required: 'Required value',
  Duplicate: 'Duplicate value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Internal: 'Internal error',
  TypeInvalid: 'Invalid value',
};

/**
 * Types whose message never shows the offending value (upstream's ErrorBody prints only the
 * type for these). TooMany shows it when one is given, as upstream's TooMany does.
 */
const valueless = new Set<FieldErrorType>(['Required', 'Forbidden', 'TooLong', 'Internal']);

/** NO_VALUE marks an error that has no value to show, as upstream's omitValue. */
export const NO_VALUE: unique symbol = Symbol('no value');

/** FieldError is one validation failure, rendered the way kube-apiserver renders it. */
export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly value: unknown = NO_VALUE,
    readonly detail = '',
  ) {}

  /** reason is the StatusCause reason (FieldValueRequired ...). */
  get reason(): string {
    return reasons[this.type];
  }

  /** body is the message without the field path, used as StatusCause.message. */
  body(): string {
    let s = titles[this.type];
    if (!valueless.has(this.type) && this.value !== NO_VALUE) s += `: ${renderValue(this.value)}`;
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }

  /** message is the full `<field>: <body>` line. */
  message(): string {
    return this.field ? `${this.field}: ${this.body()}` : this.body();
  }
}

/**
 * GoValue is a value already rendered, printed as is. It is for the few values whose upstream
 * rendering cannot be derived from their JSON form: internal Go structs without json tags
 * (encoding/json then prints the Go field names) or upstream callers that pass a preformatted
 * string as the value.
 */
export class GoValue {
  constructor(readonly text: string) {}
}

/**
 * renderValue prints a field error's value as upstream's ErrorBody (apimachinery 1.35,
 * pkg/util/validation/field/errors.go): a string quoted as `%q`, an integer, float or bool as
 * `%v`, and anything else (maps, slices, structs, nil) through encoding/json, so
 * `{"app":"web"}`, `["10.0.0.1"]`, `{}` and `null`.
 */
export function renderValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return goJSON(v);
}

export const required = (field: string, detail = '') => new FieldError('Required', field, NO_VALUE, detail);
export const invalid = (field: string, value: unknown, detail: string) => new FieldError('Invalid', field, value, detail);
export const forbidden = (field: string, detail: string) => new FieldError('Forbidden', field, NO_VALUE, detail);
export const duplicate = (field: string, value: unknown) => new FieldError('Duplicate', field, value);
export const typeInvalid = (field: string, value: unknown, detail: string) => new FieldError('TypeInvalid', field, value, detail);
export const tooLong = (field: string, max: number) =>
  new FieldError('TooLong', field, NO_VALUE, `may not be more than ${max} bytes`);

/** notSupported lists the accepted values the way upstream does. */
export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return new FieldError('NotSupported', field, value, detail);
}

/** FieldPath builds `spec.containers[0].name` style paths. */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

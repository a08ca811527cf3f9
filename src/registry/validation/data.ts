/**
 * ConfigMap and Secret rules: key names, size, immutability (upstream ValidateConfigMap,
 * ValidateSecret and their Update variants).
 */
import { FieldError, FieldPath, forbidden, invalid, required } from '../../apierrors';
import { type Obj, obj } from './common';

/** MAX_DATA_BYTES is the 1 MiB cap on a ConfigMap's or Secret's data. */
const MAX_DATA_BYTES = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** validateConfigMapKey is upstream's IsConfigMapKey. */
export function validateKey(key: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (key.length > 253) errs.push(invalid(path.toString(), key, 'must be no more than 253 characters'));
  if (!CONFIG_KEY.test(key)) errs.push(invalid(path.toString(), key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
  if (key === '.' || key === '..') errs.push(invalid(path.toString(), key, `must not be '${key}'`));
  else if (key.startsWith('..')) errs.push(invalid(path.toString(), key, "must not start with '..'"));
  return errs;
}

function byteSize(values: Obj | undefined, decode: boolean): number {
  let total = 0;
  for (const v of Object.values(values ?? {})) if (typeof v === 'string') total += decode ? Buffer.from(v, 'base64').length : Buffer.byteLength(v);
  return total;
}

export function validateConfigMap(cm: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  for (const k of Object.keys(data ?? {})) errs.push(...validateKey(k, FieldPath.root('data').key(k)));
  for (const k of Object.keys(binary ?? {})) {
    errs.push(...validateKey(k, FieldPath.root('binaryData').key(k)));
    if (data && k in data) errs.push(invalid(FieldPath.root('data').key(k).toString(), k, 'duplicate of key present in binaryData'));
  }
  if (byteSize(data, false) + byteSize(binary, true) > MAX_DATA_BYTES) {
    errs.push(new FieldError('TooLong', '', undefined, `must have at most ${MAX_DATA_BYTES} bytes`));
  }
  return errs;
}

/** immutableData refuses changes to data once `immutable` is true, and unsetting it. */
export function immutableData(o: Obj, old: Obj, fields: readonly string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (JSON.stringify(o[f] ?? {}) !== JSON.stringify(old[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

/** SECRET_TYPE_KEYS are the data keys each built-in secret type requires. */
const SECRET_TYPE_KEYS: Readonly<Record<string, readonly string[]>> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/basic-auth': [],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(secret: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(secret.data) ?? {};
  for (const k of Object.keys(data)) errs.push(...validateKey(k, FieldPath.root('data').key(k)));
  if (byteSize(data, true) > MAX_DATA_BYTES) errs.push(new FieldError('TooLong', 'data', undefined, `must have at most ${MAX_DATA_BYTES} bytes`));
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  for (const key of SECRET_TYPE_KEYS[type] ?? []) if (!(key in data)) errs.push(required(FieldPath.root('data').key(key).toString()));
  // Either key may be empty, but one must be there; upstream names both when neither is.
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required(FieldPath.root('data').key('username').toString()), required(FieldPath.root('data').key('password').toString()));
  }
  if (type === 'kubernetes.io/service-account-token') {
    const ann = (obj(obj(secret.metadata)?.annotations) ?? {}) as Record<string, string>;
    if (!ann['kubernetes.io/service-account.name']) errs.push(required(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name').toString()));
  }
  return errs;
}

/** typeImmutable refuses changing a secret's type. */
export function secretTypeImmutable(o: Obj, old: Obj): FieldError[] {
  return (o.type ?? 'Opaque') === (old.type ?? 'Opaque') ? [] : [invalid('type', o.type, 'field is immutable')];
}

/** mergeStringData moves stringData into data (base64), as the v1 to internal conversion does. */
export function mergeStringData(secret: Obj): void {
  const sd = obj(secret.stringData);
  if (!sd) return;
  const data = obj(secret.data) ?? {};
  for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

import { randomInt, randomUUID } from 'node:crypto';
import { FieldError, FieldPath, forbidden, invalid, required } from '../apierrors';
import { isPlainObject, type KubeObject, type ObjectMeta } from '../meta/object';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, utf8Length } from '../selectors/validation';
import type { NameRule } from './strategy';

/** GENERATED_SUFFIX_ALPHABET avoids vowels and look-alikes so generated names never spell words. */
const GENERATED_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const GENERATED_SUFFIX_LENGTH = 5;
/** MAX_GENERATED_BASE keeps generated names within 63 characters, the strictest name rule. */
const MAX_GENERATED_BASE = 63 - GENERATED_SUFFIX_LENGTH;
/** TOTAL_ANNOTATION_SIZE_LIMIT is upstream's cap on all annotation keys and values together. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** generateName appends five random characters to a generateName prefix. */
export function generateName(base: string): string {
  const prefix = base.length > MAX_GENERATED_BASE ? base.slice(0, MAX_GENERATED_BASE) : base;
  let suffix = '';
  for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) suffix += GENERATED_SUFFIX_ALPHABET[randomInt(GENERATED_SUFFIX_ALPHABET.length)];
  return prefix + suffix;
}

/** rfc3339 renders a time as Kubernetes does: whole seconds, UTC. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** fillSystemFields sets what the server owns on a new object (upstream FillObjectMetaSystemFields). */
export function fillSystemFields(meta: ObjectMeta, now: Date): void {
  meta.creationTimestamp = rfc3339(now);
  meta.uid = randomUUID();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
}

/** nameErrors applies a kind's name rule; `prefix` relaxes it for generateName. */
export function nameErrors(rule: NameRule, name: string, prefix: boolean): string[] {
  if (rule === 'path-segment') return pathSegmentErrors(name, prefix);
  const value = prefix ? maskTrailingDash(name) : name;
  if (rule === 'dns1035-label') return isDNS1035Label(value);
  return rule === 'label' ? isDNS1123Label(value) : isDNS1123Subdomain(value);
}

// A generateName prefix may end with '-' (the random suffix follows), as upstream's
// maskTrailingDash allows.
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? name.slice(0, -2) + 'a' : name;
}

function pathSegmentErrors(name: string, prefix: boolean): string[] {
  const errs: string[] = [];
  if (!prefix && (name === '.' || name === '..')) errs.push(`may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/**
 * validateObjectMeta is upstream's ValidateObjectMeta: name or generateName, namespace presence
 * by scope, labels, annotations, owner references and finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, rule: NameRule): FieldError[] {
  const errs: FieldError[] = [];
  const path = FieldPath.root('metadata');
  if (meta.generateName) {
    for (const msg of nameErrors(rule, meta.generateName, true)) errs.push(invalid(path.child('generateName').toString(), meta.generateName, msg));
  }
  if (!meta.name) {
    errs.push(required(path.child('name').toString(), 'name or generateName is required'));
  } else {
    for (const msg of nameErrors(rule, meta.name, false)) errs.push(invalid(path.child('name').toString(), meta.name, msg));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(required(path.child('namespace').toString()));
    else for (const msg of isDNS1123Label(meta.namespace)) errs.push(invalid(path.child('namespace').toString(), meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push(forbidden(path.child('namespace').toString(), 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(invalid(path.child('generation').toString(), meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

/** validateLabels checks label keys and values. */
export function validateLabels(labels: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isPlainObject(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path.toString(), k, msg));
    // Upstream's ValidateLabels reports values on the labels path itself, without the key.
    if (typeof v === 'string') for (const msg of isValidLabelValue(v)) errs.push(invalid(path.toString(), v, msg));
  }
  return errs;
}

function validateAnnotations(annotations: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isPlainObject(annotations)) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path.toString(), k, msg));
    total += utf8Length(k) + (typeof v === 'string' ? utf8Length(v) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push(new FieldError('TooLong', path.toString(), undefined, `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`));
  }
  return errs;
}

function validateOwnerReferences(refs: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controllers = 0;
  refs.forEach((ref: unknown, i) => {
    if (!isPlainObject(ref)) return;
    const p = path.index(i);
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (!ref[f]) errs.push(f === 'uid' || f === 'name' ? required(p.child(f).toString()) : invalid(p.child(f).toString(), ref[f] ?? '', `${f} must not be empty`));
    }
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) errs.push(invalid(path.toString(), refs.length, 'Only one reference can have Controller set to true'));
  return errs;
}

function validateFinalizers(finalizers: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  const seen = new Set<string>();
  finalizers.forEach((f: unknown, i) => {
    if (typeof f !== 'string') return;
    for (const msg of isQualifiedName(f)) errs.push(invalid(path.index(i).toString(), f, msg));
    if (seen.has(f)) errs.push(new FieldError('Duplicate', path.index(i).toString(), f));
    seen.add(f);
  });
  return errs;
}

/** validateObjectMetaUpdate is upstream's ValidateObjectMetaUpdate: identity fields are immutable. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  const immutable = (field: string, now: unknown, before: unknown) => {
    if ((now ?? '') !== (before ?? '')) errs.push(invalid(`metadata.${field}`, now ?? '', 'field is immutable'));
  };
  immutable('name', meta.name, old.name);
  immutable('namespace', meta.namespace, old.namespace);
  immutable('uid', meta.uid, old.uid);
  immutable('creationTimestamp', meta.creationTimestamp, old.creationTimestamp);
  if (old.deletionTimestamp) immutable('deletionTimestamp', meta.deletionTimestamp, old.deletionTimestamp);
  if (old.deletionGracePeriodSeconds !== undefined) {
    immutable('deletionGracePeriodSeconds', meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds);
  }
  return errs;
}

/** isKubeObject checks the minimum shape generic code relies on. */
export function isKubeObject(v: unknown): v is KubeObject {
  return isPlainObject(v) && isPlainObject(v.metadata);
}

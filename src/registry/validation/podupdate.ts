/**
 * Pod update rules: a pod's spec is immutable but for a few fields (upstream ValidatePodUpdate,
 * pkg/apis/core/validation), checked in upstream's order with its messages.
 */
import { FieldError, forbidden, goJSON, invalid, required } from '../../apierrors';
import type { KubeObject } from '../../meta/object';
import { deepEqual } from '../equal';
import { type Obj, obj, objects } from './common';

/** UPDATABLE_POD_SPEC_FIELDS is upstream's updatablePodSpecFields, which clients show verbatim. */
const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** MAX_INT32 bounds activeDeadlineSeconds (upstream's math.MaxInt32). */
const MAX_INT32 = 2147483647;

/** validateContainerUpdates is upstream's ValidateContainerUpdates; stop ends the pod's checks. */
function validateContainerUpdates(now: Obj[], before: Obj[], path: string): { errs: FieldError[]; stop: boolean } {
  if (now.length !== before.length) return { errs: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  now.forEach((c, i) => {
    const image = typeof c.image === 'string' ? c.image : '';
    if (image.length === 0) errs.push(required(`${path}[${i}].image`));
    if (image.trim().length !== image.length) errs.push(invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** tolerationKey is a toleration as Go compares it: absent strings are empty. */
function tolerationKey(t: Obj, seconds: unknown): string {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return JSON.stringify([s(t.key), s(t.operator), s(t.value), s(t.effect), seconds ?? null]);
}

/**
 * validateOnlyAddedTolerations is upstream's: every old toleration must still be there, only
 * its tolerationSeconds may differ.
 */
function validateOnlyAddedTolerations(now: Obj[], before: Obj[]): FieldError[] {
  for (const old of before) {
    const found = now.some((n) => tolerationKey(old, n.tolerationSeconds) === tolerationKey(n, n.tolerationSeconds));
    if (!found) return [forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return [];
}

/** validateOnlyDeletedSchedulingGates is upstream's: gates may be removed, never added. */
function validateOnlyDeletedSchedulingGates(now: Obj[], before: Obj[]): FieldError[] {
  const old = new Set(before.map((g) => g.name));
  const errs: FieldError[] = [];
  now.forEach((g, i) => {
    if (!old.has(g.name)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${String(g.name)}'`));
  });
  return errs;
}

/**
 * specDiff stands in for the cmp.Diff(oldPod.Spec, mungedPodSpec) upstream appends to its
 * message: the spec fields that differ, old value `-` and new value `+`. Upstream diffs its
 * internal Go structs; this shows the v1 JSON names and values the client sent, which is as
 * useful to a reader and is not meant to be parsed.
 */
function specDiff(before: Obj, now: Obj, type = 'core.PodSpec'): string {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const lines = [`  ${type}{`];
  let same = 0;
  for (const k of keys) {
    if (deepEqual(before[k], now[k])) {
      same++;
      continue;
    }
    lines.push(`- \t${k}: ${goJSON(before[k])},`, `+ \t${k}: ${goJSON(now[k])},`);
  }
  if (same > 0) lines.push(`  \t... // ${same} identical fields`);
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}

/**
 * validateEphemeralContainersUpdate is the transition rule of pods/ephemeralcontainers (upstream's
 * ValidatePodEphemeralContainersUpdate): ephemeral containers may be added, never removed or changed.
 */
function validateEphemeralContainersUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const now = new Map(objects(obj(pod.spec)?.ephemeralContainers).map((c) => [c.name, c]));
  for (const before of objects(obj(old.spec)?.ephemeralContainers)) {
    const name = String(before.name);
    const after = now.get(before.name);
    if (!after) errs.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!deepEqual(before, after)) {
      errs.push(forbidden(`spec.ephemeralContainers[${name}]`, `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${specDiff(before, after, 'core.EphemeralContainer')}`));
    }
  }
  return errs;
}

/** validatePodUpdate refuses spec changes other than the mutable ones. */
export function validatePodUpdate(pod: KubeObject, old: KubeObject, subresource?: string): FieldError[] {
  if (subresource === 'ephemeralcontainers') return validateEphemeralContainersUpdate(pod, old);
  const now = obj(pod.spec) ?? {};
  const before = obj(old.spec) ?? {};
  const errs: FieldError[] = [];
  for (const field of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(objects(now[field]), objects(before[field]), `spec.${field}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  // Two updates of activeDeadlineSeconds are allowed: from unset to a value, and to a lesser one.
  const deadline = now.activeDeadlineSeconds;
  if (typeof deadline === 'number') {
    if (deadline < 0 || deadline > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (typeof before.activeDeadlineSeconds === 'number' && before.activeDeadlineSeconds < deadline) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (before.activeDeadlineSeconds !== undefined) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(objects(now.tolerations), objects(before.tolerations)));
  errs.push(...validateOnlyDeletedSchedulingGates(objects(now.schedulingGates), objects(before.schedulingGates)));
  if (deepEqual(now, before)) return errs;

  // What may change is copied from the old spec onto the new one; anything left different is not allowed.
  const munged = structuredClone(now);
  for (const field of ['containers', 'initContainers']) {
    const olds = objects(before[field]);
    objects(munged[field]).forEach((c, i) => {
      if (olds[i].image === undefined) delete c.image;
      else c.image = olds[i].image;
    });
  }
  const restore = (field: string) => {
    if (before[field] === undefined) delete munged[field];
    else munged[field] = structuredClone(before[field]);
  };
  restore('activeDeadlineSeconds');
  restore('schedulingGates');
  restore('tolerations');
  if (typeof before.terminationGracePeriodSeconds === 'number' && before.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = before.terminationGracePeriodSeconds;
  }
  // A binding (the server's own write) sets nodeName.
  if (subresource === 'binding') restore('nodeName');
  if (!deepEqual(munged, before)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff(before, munged)}`));
  }
  return errs;
}

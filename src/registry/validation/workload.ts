/**
 * Validation of workloads with a selector and a pod template (apps/v1 kinds and replication
 * controllers), upstream's pkg/apis/apps/validation and ValidateReplicationController.
 */
import { FieldError, FieldPath, forbidden, invalid, required } from '../../apierrors';
import { validateLabels } from '../meta';
import { labelSelectorFromObject } from '../../selectors/labels';
import { StatusError } from '../../apierrors';
import { obj, type Obj } from './common';
import { validatePodSpec } from './podspec';

function nonNegative(v: unknown, path: FieldPath): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalid(path.toString(), v, 'must be greater than or equal to 0')] : [];
}

/** validateSelectorTemplate checks a LabelSelector and that the template's labels match it. */
export function validateSelectorTemplate(spec: Obj, path: FieldPath, restartPolicies: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const template = obj(spec.template);
  // The labels as sent: absent ones print as null in the mismatch error, as Go's nil map.
  const labelsValue = obj(obj(template?.metadata)?.labels);
  const labels = (labelsValue ?? {}) as Record<string, string>;
  const selector = obj(spec.selector);
  if (!selector) {
    errs.push(required(path.child('selector').toString()));
  } else {
    try {
      const sel = labelSelectorFromObject(selector as never);
      if (sel.isEmpty()) errs.push(invalid(path.child('selector').toString(), selector, 'empty selector is invalid for deployment'));
      else if (template && !sel.matches(labels)) {
        errs.push(invalid(path.child('template').child('metadata').child('labels').toString(), labelsValue, '`selector` does not match template `labels`'));
      }
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      errs.push(invalid(path.child('selector').toString(), selector, e.message));
    }
  }
  if (!template) {
    errs.push(required(path.child('template').toString()));
    return errs;
  }
  errs.push(...validateLabels(labels, path.child('template').child('metadata').child('labels')));
  errs.push(...validatePodSpec(template.spec, path.child('template').child('spec'), { restartPolicies }));
  // Upstream's ValidatePodTemplateSpec: ephemeral containers are added to running pods only.
  const podSpec = obj(template.spec);
  if (podSpec && Array.isArray(podSpec.ephemeralContainers) && podSpec.ephemeralContainers.length > 0) {
    errs.push(forbidden(path.child('template').child('spec').child('ephemeralContainers').toString(), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

function intOrPercentErrors(v: unknown, path: FieldPath): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return v < 0 ? [invalid(path.toString(), v, 'must be greater than or equal to 0')] : [];
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) return [invalid(path.toString(), v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    if (Number(m[1]) > 100) return [invalid(path.toString(), v, 'must not be greater than 100%')];
  }
  return [];
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '0%';
}

/** validateDeploymentSpec is upstream's ValidateDeploymentSpec, the common part. */
export function validateDeployment(d: Obj): FieldError[] {
  const spec = obj(d.spec) ?? {};
  const path = FieldPath.root('spec');
  const errs = [...nonNegative(spec.replicas, path.child('replicas')), ...validateSelectorTemplate(spec, path, ['Always'])];
  const strategy = obj(spec.strategy);
  if (strategy) {
    if (strategy.type !== undefined && strategy.type !== 'RollingUpdate' && strategy.type !== 'Recreate') {
      errs.push(new FieldError('NotSupported', path.child('strategy').child('type').toString(), strategy.type, 'supported values: "Recreate", "RollingUpdate"'));
    }
    const ru = obj(strategy.rollingUpdate);
    const rp = path.child('strategy').child('rollingUpdate');
    if (strategy.type === 'Recreate' && ru) errs.push(new FieldError('Forbidden', rp.toString(), undefined, 'may not be specified when strategy `type` is \'Recreate\''));
    if (ru) {
      errs.push(...intOrPercentErrors(ru.maxUnavailable, rp.child('maxUnavailable')), ...intOrPercentErrors(ru.maxSurge, rp.child('maxSurge')));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) errs.push(invalid(rp.child('maxUnavailable').toString(), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...nonNegative(spec.revisionHistoryLimit, path.child('revisionHistoryLimit')));
  errs.push(...nonNegative(spec.minReadySeconds, path.child('minReadySeconds')));
  if (typeof spec.progressDeadlineSeconds === 'number' && typeof spec.minReadySeconds === 'number' && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
    errs.push(invalid(path.child('progressDeadlineSeconds').toString(), spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** validateReplicated covers replica sets, stateful sets and daemon sets. */
export function validateReplicated(o: Obj): FieldError[] {
  const spec = obj(o.spec) ?? {};
  const path = FieldPath.root('spec');
  return [...nonNegative(spec.replicas, path.child('replicas')), ...validateSelectorTemplate(spec, path, ['Always']), ...nonNegative(spec.minReadySeconds, path.child('minReadySeconds'))];
}

/** selectorImmutable refuses a changed selector on update (apps/v1 selectors are immutable). */
export function selectorImmutable(obj1: Obj, old: Obj): FieldError[] {
  const a = JSON.stringify(obj(obj1.spec)?.selector ?? null);
  const b = JSON.stringify(obj(old.spec)?.selector ?? null);
  if (a === b) return [];
  return [invalid('spec.selector', obj(obj1.spec)?.selector ?? null, 'field is immutable')];
}

/** WORKLOAD_SCALE is where apps/v1 workloads keep what their scale subresource shows. */
export const WORKLOAD_SCALE = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } as const;

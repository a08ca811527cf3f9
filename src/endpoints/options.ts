/**
 * The options of write requests (CreateOptions, UpdateOptions, PatchOptions, DeleteOptions),
 * read from the query or the body and validated as upstream's meta/v1 validation does: every
 * problem of one options object goes into one 422 Invalid on `<Kind>.meta.k8s.io ""`.
 */
import { FieldError, GoValue, invalid, newBadRequest, newInvalid, notSupported } from '../apierrors';
import { validateFieldManager, validatePatchFieldManager } from '../apply';
import { isPlainObject } from '../meta/object';
import type { DeleteParams } from '../registry/store';
import { type FieldValidation } from './fieldvalidation';
import type { PatchType } from './patch';
import type { Query } from './request';

/** DRY_RUN_ALL is the only dryRun value there is. */
const DRY_RUN_ALL = 'All';
/** FIELD_VALIDATION_VALUES are what fieldValidation accepts ("" is the default, Warn). */
const FIELD_VALIDATION_VALUES = ['', 'Ignore', 'Strict', 'Warn'] as const;
/** PROPAGATION_POLICIES are DeleteOptions' propagationPolicy values; "nil" is how upstream lists leaving it out. */
const PROPAGATION_POLICIES = ['Foreground', 'Background', 'Orphan'] as const;

/** WriteOptions are the validated options of a create, update or patch. */
export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  fieldManager?: string;
  force?: boolean;
}

/** DeleteRequestOptions are the validated DeleteOptions of a delete or deletecollection. */
export type DeleteRequestOptions = DeleteParams & { dryRun: boolean };

/** validateDryRun is ValidateDryRun: every value must be All (the whole list is shown, as JSON). */
function validateDryRun(values: readonly unknown[]): FieldError[] {
  if (values.every((v) => v === DRY_RUN_ALL)) return [];
  return [notSupported('dryRun', new GoValue(JSON.stringify(values)), [DRY_RUN_ALL])];
}

function validateFieldValidation(value: string): FieldError[] {
  return (FIELD_VALIDATION_VALUES as readonly string[]).includes(value) ? [] : [notSupported('fieldValidation', value, FIELD_VALIDATION_VALUES)];
}

function optionsInvalid(kind: string, errs: FieldError[]): void {
  if (errs.length) throw newInvalid({ group: 'meta.k8s.io', kind }, '', errs);
}

function writeOptions(q: Query, errs: FieldError[], kind: string): WriteOptions {
  const dryRun = q.all('dryRun');
  const fieldValidation = q.string('fieldValidation') ?? '';
  errs.push(...validateDryRun(dryRun), ...validateFieldValidation(fieldValidation));
  optionsInvalid(kind, errs);
  return {
    dryRun: dryRun.length > 0,
    fieldValidation: fieldValidation === '' ? 'Warn' : (fieldValidation as FieldValidation),
    fieldManager: q.string('fieldManager'),
    force: q.bool('force'),
  };
}

/** createOptions reads and validates CreateOptions (upstream ValidateCreateOptions). */
export function createOptions(q: Query): WriteOptions {
  return writeOptions(q, validateFieldManager(q.string('fieldManager') ?? ''), 'CreateOptions');
}

/** updateOptions reads and validates UpdateOptions (upstream ValidateUpdateOptions). */
export function updateOptions(q: Query): WriteOptions {
  return writeOptions(q, validateFieldManager(q.string('fieldManager') ?? ''), 'UpdateOptions');
}

/** patchOptions reads and validates PatchOptions (upstream ValidatePatchOptions): apply needs a manager, only apply may force. */
export function patchOptions(q: Query, type: PatchType): WriteOptions {
  const isApply = type === 'application/apply-patch+yaml';
  return writeOptions(q, validatePatchFieldManager({ isApply, fieldManager: q.string('fieldManager'), force: q.bool('force') }), 'PatchOptions');
}

/**
 * deleteOptions reads DeleteOptions as upstream's delete handler does: from the body when
 * there is one (a decoded object), otherwise from the query; then ValidateDeleteOptions.
 */
export function deleteOptions(q: Query, body: Record<string, unknown> | undefined): DeleteRequestOptions {
  const raw = body ?? fromQuery(q);
  const p: DeleteRequestOptions = { dryRun: false };
  const errs: FieldError[] = [];
  if (raw.dryRun !== undefined) {
    if (!Array.isArray(raw.dryRun)) throw newBadRequest(`json: cannot unmarshal ${typeof raw.dryRun} into Go struct field DeleteOptions.dryRun of type []string`);
    errs.push(...validateDryRun(raw.dryRun));
    p.dryRun = raw.dryRun.length > 0;
  }
  if (isPlainObject(raw.preconditions)) {
    const pre = raw.preconditions;
    p.preconditions = {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    };
  }
  if (typeof raw.gracePeriodSeconds === 'number') p.gracePeriodSeconds = raw.gracePeriodSeconds;
  if (typeof raw.orphanDependents === 'boolean') p.orphanDependents = raw.orphanDependents;
  if (typeof raw.propagationPolicy === 'string') {
    const policy = raw.propagationPolicy;
    if (p.orphanDependents !== undefined) errs.push(invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
    if (!(PROPAGATION_POLICIES as readonly string[]).includes(policy)) errs.push(notSupported('propagationPolicy', policy, [...PROPAGATION_POLICIES, 'nil']));
    p.propagationPolicy = policy;
  }
  optionsInvalid('DeleteOptions', errs);
  return p;
}

/** fromQuery is DeleteOptions from query parameters (used only when the request has no body). */
function fromQuery(q: Query): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const dryRun = q.all('dryRun');
  if (dryRun.length) raw.dryRun = dryRun;
  const grace = q.int('gracePeriodSeconds');
  if (grace !== undefined) raw.gracePeriodSeconds = grace;
  const orphan = q.bool('orphanDependents');
  if (orphan !== undefined) raw.orphanDependents = orphan;
  const policy = q.string('propagationPolicy');
  if (policy !== undefined) raw.propagationPolicy = policy;
  // Preconditions have no query form (upstream's conversion opts them out).
  return raw;
}

/**
 * Server-side apply and managedFields: the public surface of src/apply.
 *
 * - applyPatch: PATCH with application/apply-patch+yaml (merge, prune, conflicts, ownership).
 * - updateManagedFields: ownership bookkeeping for create, update and the other patch types.
 * - FieldSet and the path helpers: field sets and their FieldsV1 form.
 */

export {
  applyPatch,
  updateManagedFields,
  schemaFor,
  type FieldManagerOptions,
  type ApplyOptions,
  type ApplyResult,
  type UpdateOptions,
  type UpdateResult,
} from './fieldmanager';
export { defaultManager, managerOrUserAgent, FIELD_MANAGER_MAX_LENGTH } from './useragent';
export { revertNoopManagedFieldsTimestamps } from './timestamps';
export { MAX_UPDATE_MANAGERS } from './capmanagers';
export { ConflictError, ConflictsError, isConflictError, conflictMessage, printManager, CAUSE_FIELD_MANAGER_CONFLICT, type Conflict } from './conflict';
export { FieldSet, renderFieldsV1, type SetChild } from './set';
export {
  fieldElement,
  keyElement,
  valueElement,
  indexElement,
  pathString,
  pathElementString,
  serializePathElement,
  parsePathElement,
  comparePathElements,
  FieldsV1Error,
  type Path,
  type PathElement,
  type KeyField,
} from './fieldpath';
export {
  decodeManagedFields,
  encodeManagedFields,
  buildManagerIdentifier,
  isResetManagedFields,
  formatTime,
  ManagedFieldsError,
  type ManagedFieldsEntry,
  type Managed,
  type ManagedFields,
  type VersionedSet,
} from './managedfields';
export { toFieldSet } from './tofieldset';
export { compareTyped, type Comparison } from './compare';
export { mergeTyped } from './merge';
export { removeItems, ensureNamedFieldsAreMembers } from './remove';
export { reconcileFieldSetWithSchema } from './reconcile';
export { validateTyped, formatValidationErrors, type ValidationError } from './validate';
export { Schema, DEDUCED, type Ref } from './schema';
export { Updater, type VersionConverter, type UpdaterOptions } from './updater';
export { LAST_APPLIED_ANNOTATION } from './lastapplied';
export { validateFieldManager, validatePatchFieldManager, validateManagedFields, MAX_SUBRESOURCE_NAME_LENGTH } from './validation';

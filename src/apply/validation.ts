/**
 * Request-level checks upstream makes on field managers and managedFields
 * (apimachinery's meta/v1/validation): the handlers and the metadata validation call these.
 */

import { FieldPath, forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../apierrors';
import { FIELD_MANAGER_MAX_LENGTH } from './useragent';
import { hasOwn, isGoPrint, isMap } from './value';

/** MAX_SUBRESOURCE_NAME_LENGTH is validation.MaxSubresourceNameLength. */
export const MAX_SUBRESOURCE_NAME_LENGTH = 256;

/** formatRune renders Go's %#U of an unprintable rune: `U+0007`. */
function formatRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
}

/** validateFieldManager is ValidateFieldManager: at most 128 bytes, printable characters only. */
export function validateFieldManager(fieldManager: string, path: FieldPath = FieldPath.root('fieldManager')): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong(path.toString(), FIELD_MANAGER_MAX_LENGTH));
  let offset = 0;
  for (const ch of fieldManager) {
    if (!isGoPrint(ch)) {
      errs.push(invalid(path.toString(), fieldManager, `invalid character ${formatRune(ch)} (at position ${offset})`));
    }
    offset += Buffer.byteLength(ch);
  }
  return errs;
}

/**
 * validateApplyPatchOptions is ValidatePatchOptions' field-manager part: apply requires a
 * fieldManager; force is only for apply.
 */
export function validatePatchFieldManager(opts: { isApply: boolean; fieldManager?: string; force?: boolean }): FieldError[] {
  const errs: FieldError[] = [];
  if (opts.isApply) {
    if (!opts.fieldManager) errs.push(required('fieldManager', 'is required for apply patch'));
  } else if (opts.force !== undefined) {
    errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  }
  errs.push(...validateFieldManager(opts.fieldManager ?? ''));
  return errs;
}

function str(e: Record<string, unknown>, k: string): string {
  const v = hasOwn(e, k) ? e[k] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * validateManagedFields is ValidateManagedFields, for metadata validation: every entry has an
 * operation Apply or Update, fieldsType FieldsV1 (or none), a valid manager and a subresource
 * of at most 256 bytes.
 */
export function validateManagedFields(list: unknown, path: FieldPath = FieldPath.root('metadata').child('managedFields')): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(list)) return errs;
  list.forEach((raw: unknown, i: number) => {
    const p = path.index(i);
    const e = isMap(raw) ? raw : {};
    const operation = str(e, 'operation');
    if (operation === '') errs.push(required(p.child('operation').toString(), 'must not be empty'));
    else if (operation !== 'Apply' && operation !== 'Update') errs.push(notSupported(p.child('operation').toString(), operation, ['Apply', 'Update']));
    const fieldsType = str(e, 'fieldsType');
    if (fieldsType.length > 0 && fieldsType !== 'FieldsV1') errs.push(invalid(p.child('fieldsType').toString(), fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(str(e, 'manager'), p.child('manager')));
    if (Buffer.byteLength(str(e, 'subresource')) > MAX_SUBRESOURCE_NAME_LENGTH) {
      errs.push(tooLong(p.child('subresource').toString(), MAX_SUBRESOURCE_NAME_LENGTH));
    }
  });
  return errs;
}

/**
 * Quantities are checked while a built-in object is decoded, as kube-apiserver does: its
 * resource.Quantity fields parse themselves in UnmarshalJSON, so a malformed one fails the
 * decode (400 BadRequest) before defaulting or validation ever see the object.
 */
import { quantityError } from '../meta/quantity';
import { resolve, type TypeRef, type TypeTable } from './typeinfo';

/** QUANTITY_TYPE is the OpenAPI definition every resource.Quantity field refers to. */
export const QUANTITY_TYPE = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * quantityDecodeError walks value along its type and returns the error the first malformed
 * quantity gives (in document order, as encoding/json keeps the first error), or undefined.
 */
export function quantityDecodeError(table: TypeTable, ref: TypeRef, value: unknown): string | undefined {
  if (ref === QUANTITY_TYPE) return quantityValueError(value);
  if (value === null || typeof value !== 'object') return undefined;
  const node = resolve(table, ref);
  switch (node.kind) {
    case 'struct': {
      const o = value as Record<string, unknown>;
      for (const [k, v] of Object.entries(o)) {
        const field = node.fields[k];
        if (field === undefined) continue;
        const err = quantityDecodeError(table, field, v);
        if (err) return err;
      }
      return undefined;
    }
    case 'map':
      for (const v of Object.values(value as Record<string, unknown>)) {
        const err = quantityDecodeError(table, node.values, v);
        if (err) return err;
      }
      return undefined;
    case 'list':
      if (!Array.isArray(value)) return undefined;
      for (const v of value) {
        const err = quantityDecodeError(table, node.items, v);
        if (err) return err;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * quantityValueError is Quantity.UnmarshalJSON: null is the zero quantity; a string's quotes are
 * taken off and the rest trimmed and parsed; any other JSON (a number, but also an object or a
 * boolean) is parsed as its raw text, which only a number survives.
 */
function quantityValueError(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return quantityError(value.trim());
  if (typeof value === 'number') return quantityError(String(value));
  return quantityError(JSON.stringify(value));
}

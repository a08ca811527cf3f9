import { newForbidden, type StatusError } from '../apierrors';
import type { Attributes } from './interface';

/**
 * admissionForbidden is upstream's admission.NewForbidden: 403 naming the object (its
 * generateName before a name is drawn, "Unknown" without either) and the plugin's reason.
 */
export function admissionForbidden(a: Attributes, message: string): StatusError {
  const meta = a.object?.metadata ?? a.oldObject?.metadata;
  const name = meta?.name || meta?.generateName || (a.object || a.oldObject ? a.name : '') || 'Unknown';
  return newForbidden({ group: a.resource.group, resource: a.resource.plural }, name, message);
}

/** aggregate renders errors as utilerrors.NewAggregate: one message, or `[a, b]`. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

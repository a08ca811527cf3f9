import {
  type GroupResource,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
  newAlreadyExists,
  newConflict,
  newInternalError,
  newNotFound,
  newResourceExpired,
  newServiceUnavailable,
} from '../apierrors';
import { isStorageError } from '../storage/errors';

/**
 * The interpret*Error functions turn storage failures into API errors, one per verb, because the
 * same storage condition means different things to different verbs.
 */

function common(e: unknown, gr: GroupResource): StatusError | undefined {
  if (e instanceof StatusError) return e;
  if (!isStorageError(e)) return undefined;
  switch (e.code) {
    case 'Unavailable':
      return newServiceUnavailable(e.message);
    case 'Compacted':
      return newResourceExpired(`The resourceVersion for the provided list is too old.`);
    case 'TooLargeResourceVersion':
      return tooLargeResourceVersion(e.message);
    case 'Internal':
      return newInternalError(e);
    default:
      void gr;
      return undefined;
  }
}

/** tooLargeResourceVersion is upstream's 504 for a resourceVersion the server has not reached. */
export function tooLargeResourceVersion(message: string): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: ${message}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

export function interpretCreateError(e: unknown, gr: GroupResource, name: string): unknown {
  if (isStorageError(e, 'KeyExists')) return newAlreadyExists(gr, name);
  return common(e, gr) ?? e;
}

export function interpretGetError(e: unknown, gr: GroupResource, name: string): unknown {
  if (isStorageError(e, 'KeyNotFound')) return newNotFound(gr, name);
  return common(e, gr) ?? e;
}

export function interpretUpdateError(e: unknown, gr: GroupResource, name: string): unknown {
  if (isStorageError(e, 'KeyNotFound')) return newNotFound(gr, name);
  if (isStorageError(e, 'Conflict')) return newConflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
  if (isStorageError(e, 'InvalidObj')) return newConflict(gr, name, e.message);
  if (isStorageError(e, 'KeyExists')) return newAlreadyExists(gr, name);
  return common(e, gr) ?? e;
}

export function interpretDeleteError(e: unknown, gr: GroupResource, name: string): unknown {
  if (isStorageError(e, 'KeyNotFound')) return newNotFound(gr, name);
  if (isStorageError(e, 'Conflict')) return newConflict(gr, name, OPTIMISTIC_LOCK_MESSAGE);
  return common(e, gr) ?? e;
}

export function interpretListError(e: unknown, gr: GroupResource): unknown {
  return common(e, gr) ?? e;
}

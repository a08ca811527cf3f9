/**
 * StorageErrorCode is the small set of failures storage reports; one interpret*Error per verb in
 * the registry turns them into API errors (the same KeyExists is AlreadyExists on create).
 */
export type StorageErrorCode =
  | 'KeyNotFound'
  | 'KeyExists'
  | 'Conflict'
  | 'InvalidObj'
  | 'Compacted'
  | 'TooLargeResourceVersion'
  | 'Unavailable'
  | 'Internal';

/** StorageError is what every storage backend throws for an expected failure. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** revision is the current or compacted revision where it helps the caller (410 messages). */
    readonly revision = 0,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);

export const keyNotFound = (key: string) => new StorageError('KeyNotFound', key, `key not found: ${key}`);
export const keyExists = (key: string) => new StorageError('KeyExists', key, `key exists: ${key}`);
export const conflict = (key: string) => new StorageError('Conflict', key, `revision mismatch for ${key}`);
export const compacted = (key: string, requested: number, compactedAt: number) =>
  new StorageError('Compacted', key, `revision ${requested} has been compacted (compacted at ${compactedAt})`, compactedAt);
export const unavailable = (key: string, why: string) => new StorageError('Unavailable', key, why);
/**
 * invalidObj is a failed precondition on the stored object (a UID that is not the object's).
 * Its message is upstream's StorageError.Error() for ErrCodeInvalidObj, which reaches clients
 * inside the 409 Conflict.
 */
export const invalidObj = (key: string, why: string) =>
  new StorageError('InvalidObj', key, `StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: ${why}`);

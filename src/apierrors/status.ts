import { FieldError } from './field';

/** StatusCause mirrors metav1.StatusCause. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** StatusDetails mirrors metav1.StatusDetails. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Status mirrors metav1.Status, the body of every error response. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** GroupResource names a resource the way errors print it: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** GroupKind names a kind the way Invalid errors print it: `Pod`, `Deployment.apps`. */
export interface GroupKind {
  group: string;
  kind: string;
}

const qualified = (name: string, group: string): string => (group ? `${name}.${group}` : name);

/**
 * StatusError is the one error type the API layers throw on purpose; the outermost middleware
 * turns it into a metav1.Status response. Anything else thrown is a bug and becomes a 500.
 */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** headers sent with the error response (Retry-After ...). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  /** toStatus renders the metav1.Status body. */
  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
    // metav1.Status omits an empty reason (StatusReasonUnknown).
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    return s;
  }
}

/** isStatusError narrows unknown errors. */
export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}

function resourceDetails(gr: GroupResource, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

export function newNotFound(gr: GroupResource, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualified(gr.resource, gr.group)} "${name}" not found`, resourceDetails(gr, name));
}

export function newAlreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualified(gr.resource, gr.group)} "${name}" already exists`, resourceDetails(gr, name));
}

/** OPTIMISTIC_LOCK_MESSAGE is what clients (kubectl, client-go retry.RetryOnConflict) expect in a stale-update Conflict. */
export const OPTIMISTIC_LOCK_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function newConflict(gr: GroupResource, name: string, why: string): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr.resource, gr.group)} "${name}": ${why}`,
    resourceDetails(gr, name),
  );
}

export function newInvalid(gk: GroupKind, name: string, errors: readonly FieldError[]): StatusError {
  const lines = errors.map((e) => e.message());
  const aggregate = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const details: StatusDetails = { name };
  if (gk.group) details.group = gk.group;
  details.kind = gk.kind;
  details.causes = errors.map((e) => ({ reason: e.reason, message: e.body(), field: e.field }));
  return new StatusError(422, 'Invalid', `${qualified(gk.kind, gk.group)} "${name}" is invalid: ${aggregate}`, details);
}

export function newBadRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError(401, 'Unauthorized', message);
}

export function newForbidden(gr: GroupResource, name: string, why: string): StatusError {
  const what = qualified(gr.resource, gr.group);
  const message = name ? `${what} "${name}" is forbidden: ${why}` : `${what} is forbidden: ${why}`;
  return new StatusError(403, 'Forbidden', message, resourceDetails(gr, name || undefined));
}

export function newMethodNotSupported(gr: GroupResource, action: string): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    `${action} is not supported on resources of kind "${qualified(gr.resource, gr.group)}"`,
    resourceDetails(gr),
  );
}

/** newGone is 410 with reason Gone (a resource that is gone for good). */
export function newGone(message: string): StatusError {
  return new StatusError(410, 'Gone', message);
}

/** newResourceExpired is 410 Expired: a resourceVersion or continue token that left the window. */
export function newResourceExpired(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** newNotFoundPath answers a path that names no resource at all. */
export function newNotFoundPath(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function newRequestEntityTooLarge(message: string): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

export function newUnsupportedMediaType(contentType: string, accepted: readonly string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    { causes: [{ reason: 'UnexpectedServerResponse', message: contentType }] },
  );
}

export function newNotAcceptable(accepted: readonly string[]): StatusError {
  return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

export function newInternalError(err: unknown): StatusError {
  const text = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${text}`, { causes: [{ message: text }] });
}

export function newServiceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

export function newTimeout(message: string, retryAfterSeconds = 0): StatusError {
  const details: StatusDetails = {};
  if (retryAfterSeconds) details.retryAfterSeconds = retryAfterSeconds;
  return new StatusError(504, 'Timeout', message, details);
}

export function newTooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * The 403 answer to a request no authorizer allowed, worded exactly as kube-apiserver's
 * responsewriters.ForbiddenStatusError: clients and people read these messages.
 */
import { StatusError, type StatusDetails } from '../../apierrors';
import type { Attributes } from './types';

/** forbiddenMessage is upstream's forbiddenMessage(attributes). */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.name;
  if (!a.resourceRequest) return `User ${goQuote(user)} cannot ${a.verb} path ${goQuote(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  if (a.namespace) return `User ${goQuote(user)} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup)} in the namespace ${goQuote(a.namespace)}`;
  return `User ${goQuote(user)} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup)} at the cluster scope`;
}

/** forbiddenError is the StatusError: `pods "x" is forbidden: User ...: reason`. */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const msg = sanitize(forbiddenMessage(a));
  const err = reason ? `${msg}: ${reason}` : msg;
  return newForbiddenStatus({ group: a.apiGroup, resource: a.resource }, a.name, err);
}

/**
 * newForbiddenStatus is apimachinery's NewForbidden: an empty GroupResource gives
 * `forbidden: ...` and empty details, as for non-resource URLs.
 */
export function newForbiddenStatus(gr: { group: string; resource: string }, name: string, why: string): StatusError {
  const qualified = gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
  let message: string;
  if (!gr.group && !gr.resource) message = `forbidden: ${why}`;
  else if (!name) message = `${qualified} is forbidden: ${why}`;
  else message = `${qualified} ${goQuote(name)} is forbidden: ${why}`;
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (gr.group) details.group = gr.group;
  if (gr.resource) details.kind = gr.resource;
  return new StatusError(403, 'Forbidden', message, details);
}

/** sanitize keeps error text from looking like HTML, as upstream's sanitizer does. */
function sanitize(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** goQuote renders a string as Go's %q does for the plain strings names are. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * The manager of a write that names none, as the request handlers derive it upstream.
 */

import { isGoPrint } from './value';

/** FIELD_MANAGER_MAX_LENGTH is validation.FieldManagerMaxLength, in bytes. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/**
 * defaultManager is prefixFromUserAgent: the manager of a write that names none is the
 * User-Agent up to its first '/', without unprintable characters, cut to 128 bytes
 * (`kubectl/v1.35.0 (linux/amd64) kubernetes/abc` → `kubectl`). kubectl itself names its
 * managers (`kubectl-client-side-apply`, `kubectl-create`, `kubectl-edit` ...).
 */
export function defaultManager(userAgent: string): string {
  const prefix = userAgent.split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of prefix) {
    if (!isGoPrint(ch)) continue;
    const n = Buffer.byteLength(ch);
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** managerOrUserAgent is the manager of a write: the fieldManager parameter, else the User-Agent's. */
export function managerOrUserAgent(manager: string | undefined, userAgent: string | undefined): string {
  return manager ? manager : defaultManager(userAgent ?? '');
}

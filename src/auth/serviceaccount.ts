/**
 * Service account user names and groups (k8s.io/apiserver/pkg/authentication/serviceaccount):
 * the service account `ns/name` is the user `system:serviceaccount:ns:name`, in the groups
 * `system:serviceaccounts` and `system:serviceaccounts:ns`.
 */

export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

/** Extra keys a service account token adds to its user (upstream serviceaccount.*Key). */
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

/** makeUsername is the user name of a service account. */
export function makeUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/** makeGroupNames are the groups of a service account's user. */
export function makeGroupNames(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/** splitUsername reads `system:serviceaccount:ns:name`; undefined when it is not one. */
export function splitUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  // Both must be valid names (upstream checks namespace and service account name validity).
  const valid = (s: string) => /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s) && s.length <= 253;
  if (!valid(parts[0]) || !valid(parts[1])) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** matchesUsername tells whether a user name is the service account's (RBAC subject matching). */
export function matchesUsername(namespace: string, name: string, username: string): boolean {
  return username === makeUsername(namespace, name);
}

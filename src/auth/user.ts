/** UserInfo is who a request acts as, after authentication (and impersonation). */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: readonly string[];
  extra?: Readonly<Record<string, readonly string[]>>;
}

// The well-known names of k8s.io/apiserver/pkg/authentication/user.

/** SYSTEM_PRIVILEGED_GROUP (system:masters) may do anything, whatever the authorization policy says. */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
/** ALL_AUTHENTICATED is the group every authenticated user is in. */
export const ALL_AUTHENTICATED = 'system:authenticated';
/** ALL_UNAUTHENTICATED is the group of the anonymous user. */
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
/** ANONYMOUS is the user name of requests without credentials, when --anonymous-auth allows them. */
export const ANONYMOUS = 'system:anonymous';
/** MONITORING_GROUP is bound to system:monitoring. */
export const MONITORING_GROUP = 'system:monitoring';
/** NODES_GROUP is the group of kubelets. */
export const NODES_GROUP = 'system:nodes';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';

/**
 * The bootstrap RBAC policy kube-apiserver reconciles at every start
 * (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go,
 * namespace_policy.go, controller_policy.go; transcribed from its rendered testdata). Roles of
 * controllers kapi does not run are left out, except those of the controllers it has.
 */
import { MONITORING_GROUP, ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, KUBE_CONTROLLER_MANAGER, KUBE_PROXY, KUBE_SCHEDULER, SYSTEM_PRIVILEGED_GROUP } from '../user';
import { ALL_SERVICE_ACCOUNTS_GROUP } from '../serviceaccount';
import type { PolicyRule } from './rules';
import type { RoleRef, Subject } from './rbac';

/** BOOTSTRAP_LABEL marks every bootstrap object. */
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;
/** AUTOUPDATE_ANNOTATION set to "false" on an object stops the reconciler from touching it. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const READ = ['get', 'list', 'watch'];
const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** BootstrapRole is a ClusterRole or (with namespace) a Role of the bootstrap policy. */
export interface BootstrapRole {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  rules: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors: { matchLabels: Record<string, string> }[] };
}

/** BootstrapBinding is a ClusterRoleBinding or (with namespace) a RoleBinding of the bootstrap policy. */
export interface BootstrapBinding {
  name: string;
  namespace?: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

function r(verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  // Upstream's rule builder sorts every list.
  const rule: PolicyRule = { verbs: [...verbs].sort(), apiGroups: [...groups].sort(), resources: [...resources].sort() };
  if (resourceNames) rule.resourceNames = [...resourceNames].sort();
  return rule;
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs: [...verbs].sort(), nonResourceURLs: [...nonResourceURLs].sort() };
}

const eventsRule = () => r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

/** clusterRoles are policy.go's ClusterRoles() plus the controller roles of the controllers kapi runs. */
export function clusterRoles(): BootstrapRole[] {
  return [
    { name: 'cluster-admin', rules: [r(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
    {
      name: 'system:discovery',
      rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])],
    },
    { name: 'system:monitoring', rules: [urls(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])] },
    {
      name: 'system:basic-user',
      rules: [r(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
    },
    { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
    { name: 'admin', rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO_ADMIN]: 'true' } }] } },
    { name: 'edit', labels: { [AGGREGATE_TO_ADMIN]: 'true' }, rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO_EDIT]: 'true' } }] } },
    { name: 'view', labels: { [AGGREGATE_TO_EDIT]: 'true' }, rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO_VIEW]: 'true' } }] } },
    {
      name: 'system:aggregate-to-admin',
      labels: { [AGGREGATE_TO_ADMIN]: 'true' },
      rules: [r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), r(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])],
    },
    {
      name: 'system:aggregate-to-edit',
      labels: { [AGGREGATE_TO_EDIT]: 'true' },
      rules: [
        r(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        r(['impersonate'], [''], ['serviceaccounts']),
        r(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        r(['create'], [''], ['pods/eviction']),
        r(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
        r(['create'], [''], ['serviceaccounts/token']),
        r(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        r(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
        r(WRITE, ['batch'], ['jobs', 'cronjobs']),
        r(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
        r(WRITE, ['policy'], ['poddisruptionbudgets']),
        r(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
        r(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      ],
    },
    {
      name: 'system:aggregate-to-view',
      labels: { [AGGREGATE_TO_VIEW]: 'true' },
      rules: [
        r(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        r(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        r(READ, [''], ['namespaces']),
        r(READ, ['discovery.k8s.io'], ['endpointslices']),
        r(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        r(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        r(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
        r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
    },
    { name: 'system:heapster', rules: [r(READ, [''], ['events', 'pods', 'nodes', 'namespaces']), r(READ, ['extensions'], ['deployments'])] },
    {
      name: 'system:node',
      rules: [
        r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
        r(READ, [''], ['services']),
        r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
        r(['update', 'patch'], [''], ['nodes/status']),
        r(['update', 'patch'], [''], ['nodes']),
        r(['create', 'update', 'patch'], [''], ['events']),
        r(READ, [''], ['pods']),
        r(['create', 'delete'], [''], ['pods']),
        r(['update', 'patch'], [''], ['pods/status']),
        r(['create'], [''], ['pods/eviction']),
        r(READ, [''], ['secrets', 'configmaps']),
        r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
        r(['get'], [''], ['endpoints']),
        r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
        r(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
        r(['get'], ['storage.k8s.io'], ['volumeattachments']),
        r(['create'], [''], ['serviceaccounts/token']),
        r(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
        r(READ, ['storage.k8s.io'], ['csidrivers']),
        r(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
        r(READ, ['node.k8s.io'], ['runtimeclasses']),
      ],
    },
    { name: 'system:node-problem-detector', rules: [r(['get'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), eventsRule()] },
    { name: 'system:node-proxier', rules: [r(['list', 'watch'], [''], ['services', 'endpoints']), r(READ, [''], ['nodes']), eventsRule(), r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])] },
    { name: 'system:kubelet-api-admin', rules: [r(READ, [''], ['nodes']), r(['proxy'], [''], ['nodes']), r(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log'])] },
    { name: 'system:node-bootstrapper', rules: [r(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
    { name: 'system:auth-delegator', rules: [r(['create'], ['authentication.k8s.io'], ['tokenreviews']), r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
    { name: 'system:kube-aggregator', rules: [r(READ, [''], ['services', 'endpoints'])] },
    {
      name: 'system:kube-controller-manager',
      rules: [
        eventsRule(),
        r(['create'], ['coordination.k8s.io'], ['leases']),
        r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
        r(['create'], [''], ['secrets', 'serviceaccounts']),
        r(['delete'], [''], ['secrets']),
        r(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
        r(['update'], [''], ['secrets', 'serviceaccounts']),
        r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        r(['list', 'watch'], ['*'], ['*']),
        r(['create'], [''], ['serviceaccounts/token']),
      ],
    },
    { name: 'system:kube-dns', rules: [r(['list', 'watch'], [''], ['endpoints', 'services'])] },
    { name: 'system:persistent-volume-provisioner', rules: [r(['get', 'list', 'watch', 'create', 'delete'], [''], ['persistentvolumes']), r(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']), r(READ, ['storage.k8s.io'], ['storageclasses']), r(['watch'], [''], ['events']), eventsRule()] },
    {
      name: 'system:kube-scheduler',
      rules: [
        eventsRule(),
        r(['create'], ['coordination.k8s.io'], ['leases']),
        r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
        r(READ, [''], ['nodes']),
        r(['get', 'list', 'watch', 'delete'], [''], ['pods']),
        r(['create'], [''], ['pods/binding', 'bindings']),
        r(['patch', 'update'], [''], ['pods/status']),
        r(READ, [''], ['replicationcontrollers', 'services']),
        r(READ, ['apps', 'extensions'], ['replicasets']),
        r(READ, ['apps'], ['statefulsets']),
        r(READ, ['policy'], ['poddisruptionbudgets']),
        r(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
        r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
        r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        r(READ, ['storage.k8s.io'], ['csinodes']),
        r(READ, [''], ['namespaces']),
        r(READ, ['storage.k8s.io'], ['csidrivers']),
        r(READ, ['storage.k8s.io'], ['csistoragecapacities']),
      ],
    },
    { name: 'system:volume-scheduler', rules: [r(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumes']), r(READ, ['storage.k8s.io'], ['storageclasses']), r(['get', 'list', 'watch', 'patch', 'update'], [''], ['persistentvolumeclaims'])] },
    { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
    { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [r(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
    { name: 'system:certificates.k8s.io:kube-apiserver-client-approver', rules: [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client'])] },
    { name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', rules: [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet'])] },
    { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving'])] },
    { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: [r(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/legacy-unknown'])] },
    // Controller roles (controller_policy.go) of the controllers kapi runs in process.
    { name: 'system:controller:clusterrole-aggregation-controller', rules: [r(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles'])] },
    {
      name: 'system:controller:namespace-controller',
      rules: [r(['get', 'list', 'watch', 'delete'], [''], ['namespaces']), r(['update'], [''], ['namespaces/finalize', 'namespaces/status']), r(['get', 'list', 'delete', 'deletecollection'], ['*'], ['*'])],
    },
    { name: 'system:controller:resourcequota-controller', rules: [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), eventsRule()] },
    { name: 'system:controller:service-account-controller', rules: [r(['create'], [''], ['serviceaccounts']), eventsRule()] },
  ];
}

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const user = (name: string): Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const sa = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });
const clusterRoleRef = (name: string): RoleRef => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });
const roleRef = (name: string): RoleRef => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });

/** CONTROLLERS_WITH_ROLES are the controller service accounts whose bindings kapi creates. */
const CONTROLLERS_WITH_ROLES = ['clusterrole-aggregation-controller', 'namespace-controller', 'resourcequota-controller', 'service-account-controller'];

/** clusterRoleBindings are policy.go's ClusterRoleBindings() and the controllers' bindings. */
export function clusterRoleBindings(): BootstrapBinding[] {
  const b = (name: string, ...subjects: Subject[]): BootstrapBinding => ({ name, roleRef: clusterRoleRef(name), subjects });
  return [
    b('cluster-admin', group(SYSTEM_PRIVILEGED_GROUP)),
    b('system:monitoring', group(MONITORING_GROUP)),
    b('system:discovery', group(ALL_AUTHENTICATED)),
    b('system:basic-user', group(ALL_AUTHENTICATED)),
    b('system:public-info-viewer', group(ALL_AUTHENTICATED), group(ALL_UNAUTHENTICATED)),
    b('system:node-proxier', user(KUBE_PROXY)),
    b('system:kube-controller-manager', user(KUBE_CONTROLLER_MANAGER)),
    b('system:kube-dns', sa('kube-system', 'kube-dns')),
    b('system:kube-scheduler', user(KUBE_SCHEDULER)),
    b('system:volume-scheduler', user(KUBE_SCHEDULER)),
    b('system:node'),
    b('system:service-account-issuer-discovery', group(ALL_SERVICE_ACCOUNTS_GROUP)),
    ...CONTROLLERS_WITH_ROLES.map((c) => b(`system:controller:${c}`, sa('kube-system', c))),
  ];
}

/** namespaceRoles are namespace_policy.go's Roles. */
export function namespaceRoles(): BootstrapRole[] {
  const lease = (name: string): BootstrapRole => ({
    name,
    namespace: 'kube-system',
    rules: [r(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leases']), r(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leasecandidates'])],
  });
  return [
    { name: 'system:controller:bootstrap-signer', namespace: 'kube-public', rules: [r(READ, [''], ['configmaps']), r(['update'], [''], ['configmaps'], ['cluster-info']), eventsRule()] },
    { name: 'extension-apiserver-authentication-reader', namespace: 'kube-system', rules: [r(READ, [''], ['configmaps'], ['extension-apiserver-authentication'])] },
    lease('system::leader-locking-kube-controller-manager'),
    lease('system::leader-locking-kube-scheduler'),
    { name: 'system:controller:bootstrap-signer', namespace: 'kube-system', rules: [r(READ, [''], ['secrets'])] },
    { name: 'system:controller:cloud-provider', namespace: 'kube-system', rules: [r(['create', 'get', 'list', 'watch'], [''], ['configmaps'])] },
    { name: 'system:controller:token-cleaner', namespace: 'kube-system', rules: [r(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule()] },
  ];
}

/** namespaceRoleBindings are namespace_policy.go's RoleBindings. */
export function namespaceRoleBindings(): BootstrapBinding[] {
  return [
    { name: 'system:controller:bootstrap-signer', namespace: 'kube-public', roleRef: roleRef('system:controller:bootstrap-signer'), subjects: [sa('kube-system', 'bootstrap-signer')] },
    { name: 'system::extension-apiserver-authentication-reader', namespace: 'kube-system', roleRef: roleRef('extension-apiserver-authentication-reader'), subjects: [user(KUBE_CONTROLLER_MANAGER), user(KUBE_SCHEDULER)] },
    {
      name: 'system::leader-locking-kube-controller-manager',
      namespace: 'kube-system',
      roleRef: roleRef('system::leader-locking-kube-controller-manager'),
      subjects: [user(KUBE_CONTROLLER_MANAGER), sa('kube-system', 'kube-controller-manager'), sa('kube-system', 'leader-election-controller')],
    },
    { name: 'system::leader-locking-kube-scheduler', namespace: 'kube-system', roleRef: roleRef('system::leader-locking-kube-scheduler'), subjects: [user(KUBE_SCHEDULER), sa('kube-system', 'kube-scheduler')] },
    { name: 'system:controller:bootstrap-signer', namespace: 'kube-system', roleRef: roleRef('system:controller:bootstrap-signer'), subjects: [sa('kube-system', 'bootstrap-signer')] },
    { name: 'system:controller:cloud-provider', namespace: 'kube-system', roleRef: roleRef('system:controller:cloud-provider'), subjects: [sa('kube-system', 'cloud-provider')] },
    { name: 'system:controller:token-cleaner', namespace: 'kube-system', roleRef: roleRef('system:controller:token-cleaner'), subjects: [sa('kube-system', 'token-cleaner')] },
  ];
}

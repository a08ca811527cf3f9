/**
 * The authorization matrix: users × verbs × resources against a fixed RBAC policy. Each expected
 * decision below was written from the rules of the policy (the comment says which rule decides),
 * not read off the implementation.
 */
import * as assert from 'node:assert/strict';
import { RbacAuthorizer, type Binding } from '../../../src/auth/authz/rbac';
import type { PolicyRule } from '../../../src/auth/authz/rules';
import type { Attributes } from '../../../src/auth/authz/types';
import { buildAuthorizer } from '../../../src/auth/authz/union';
import type { UserInfo } from '../../../src/auth/user';
import { StaticPolicy } from './rbac.test';

const RBAC = 'rbac.authorization.k8s.io';
const clusterRole = (name: string) => ({ apiGroup: RBAC, kind: 'ClusterRole', name });
const role = (name: string) => ({ apiGroup: RBAC, kind: 'Role', name });

const CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  'pod-reader': [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }],
  'secret-one': [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }],
  'status-writer': [{ verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] }],
  'any-status': [{ verbs: ['get'], apiGroups: ['*'], resources: ['*/status'] }],
  health: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/metrics/*'] }],
  'apps-all': [{ verbs: ['*'], apiGroups: ['apps'], resources: ['*'] }],
};

const ROLES: Record<string, PolicyRule[]> = {
  'team/cm-editor': [{ verbs: ['get', 'list', 'create', 'update', 'delete'], apiGroups: [''], resources: ['configmaps'] }],
  // A namespaced Role that names cluster-scoped resources: it can never grant them.
  'team/node-reader': [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['nodes', 'namespaces'] }],
};

const BINDINGS: Binding[] = [
  { name: 'alice-pods', namespace: '', roleRef: clusterRole('pod-reader'), subjects: [{ kind: 'User', name: 'alice' }] },
  { name: 'bob-cm', namespace: 'team', roleRef: role('cm-editor'), subjects: [{ kind: 'User', name: 'bob' }] },
  { name: 'bob-nodes', namespace: 'team', roleRef: role('node-reader'), subjects: [{ kind: 'User', name: 'bob' }] },
  { name: 'devs-secret', namespace: 'team', roleRef: clusterRole('secret-one'), subjects: [{ kind: 'Group', name: 'devs' }] },
  { name: 'robot-status', namespace: '', roleRef: clusterRole('status-writer'), subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'team' }] },
  { name: 'auditors', namespace: '', roleRef: clusterRole('any-status'), subjects: [{ kind: 'Group', name: 'auditors' }] },
  { name: 'health', namespace: '', roleRef: clusterRole('health'), subjects: [{ kind: 'Group', name: 'system:authenticated' }] },
  { name: 'carol-apps', namespace: 'team', roleRef: clusterRole('apps-all'), subjects: [{ kind: 'User', name: 'carol' }] },
  // A RoleBinding's ServiceAccount subject without a namespace means the binding's namespace.
  { name: 'local-sa', namespace: 'team', roleRef: clusterRole('pod-reader'), subjects: [{ kind: 'ServiceAccount', name: 'builder' }] },
];

const USERS: Record<string, UserInfo> = {
  alice: { name: 'alice', groups: ['system:authenticated'] },
  bob: { name: 'bob', groups: ['system:authenticated'] },
  dev: { name: 'dana', groups: ['devs', 'system:authenticated'] },
  robot: { name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] },
  otherRobot: { name: 'system:serviceaccount:other:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:other', 'system:authenticated'] },
  builder: { name: 'system:serviceaccount:team:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] },
  auditor: { name: 'eve', groups: ['auditors', 'system:authenticated'] },
  carol: { name: 'carol', groups: ['system:authenticated'] },
  anonymous: { name: 'system:anonymous', groups: ['system:unauthenticated'] },
};

type Row = [user: keyof typeof USERS, verb: string, target: string, namespace: string, allowed: boolean, why: string];

/** target is `[group/]resource[/subresource][:name]` or a path starting with `/`. */
const MATRIX: Row[] = [
  ['alice', 'get', 'pods:web', 'team', true, 'pod-reader, cluster-wide'],
  ['alice', 'list', 'pods', '', true, 'pod-reader via a ClusterRoleBinding applies at the cluster scope'],
  ['alice', 'watch', 'pods', 'other', true, 'pod-reader in every namespace'],
  ['alice', 'create', 'pods', 'team', false, 'pod-reader has no create'],
  ['alice', 'delete', 'pods:web', 'team', false, 'pod-reader has no delete'],
  ['alice', 'get', 'pods/log:web', 'team', false, 'pods does not cover pods/log'],
  ['alice', 'get', 'pods/status:web', 'team', false, 'pods does not cover pods/status'],
  ['alice', 'get', 'apps/pods', 'team', false, 'pod-reader is for the core group only'],
  ['alice', 'get', 'secrets:s1', 'team', false, 'alice is not in devs'],
  ['bob', 'create', 'configmaps', 'team', true, 'cm-editor in team'],
  ['bob', 'delete', 'configmaps:c', 'team', true, 'cm-editor in team'],
  ['bob', 'patch', 'configmaps:c', 'team', false, 'cm-editor has no patch'],
  ['bob', 'deletecollection', 'configmaps', 'team', false, 'delete is not deletecollection'],
  ['bob', 'get', 'configmaps:c', 'other', false, 'a RoleBinding grants only in its namespace'],
  ['bob', 'list', 'configmaps', '', false, 'a namespaced Role never grants at the cluster scope'],
  ['bob', 'get', 'nodes:n1', '', false, 'a namespaced Role naming nodes never reaches nodes (cluster-scoped)'],
  ['bob', 'list', 'namespaces', '', false, 'nor the namespace list'],
  ['bob', 'get', 'pods:web', 'team', false, 'bob has no pod rule'],
  ['dev', 'get', 'secrets:s1', 'team', true, 'secret-one names s1, bound to group devs in team'],
  ['dev', 'get', 'secrets:s2', 'team', false, 'resourceNames exclude s2'],
  ['dev', 'list', 'secrets', 'team', false, 'resourceNames exclude a nameless list'],
  ['dev', 'watch', 'secrets:s1', 'team', false, 'secret-one has only get'],
  ['dev', 'get', 'secrets:s1', 'other', false, 'bound in team only'],
  ['robot', 'update', 'pods/status:web', 'team', true, 'status-writer to ServiceAccount team/robot'],
  ['robot', 'patch', 'pods/status:web', 'other', true, 'a ClusterRoleBinding applies in every namespace'],
  ['robot', 'update', 'pods:web', 'team', false, 'pods/status does not cover pods'],
  ['robot', 'update', 'deployments/status:d', 'team', false, 'status-writer is for pods/status only'],
  ['otherRobot', 'update', 'pods/status:web', 'team', false, 'ServiceAccount other/robot is another subject'],
  ['builder', 'get', 'pods:web', 'team', true, 'subject namespace defaults to the RoleBinding namespace'],
  ['builder', 'get', 'pods:web', 'other', false, 'that binding is in team only'],
  ['auditor', 'get', 'pods/status:web', 'team', true, 'any-status: */status in any group'],
  ['auditor', 'get', 'apps/deployments/status:d', 'team', true, 'any-status: */status in any group'],
  ['auditor', 'get', 'nodes/status:n1', '', true, 'any-status via a ClusterRoleBinding, cluster-scoped too'],
  ['auditor', 'update', 'pods/status:web', 'team', false, 'any-status has only get'],
  ['auditor', 'get', 'pods:web', 'team', false, '*/status does not cover the resource itself'],
  ['auditor', 'get', 'apps/deployments/scale:d', 'team', false, '*/status is not */scale'],
  ['carol', 'delete', 'apps/deployments:d', 'team', true, 'apps-all: every verb on every apps resource, in team'],
  ['carol', 'update', 'apps/deployments/scale:d', 'team', true, 'the * resource covers subresources'],
  ['carol', 'get', 'apps/deployments:d', 'other', false, 'a ClusterRole bound by a RoleBinding grants only in that namespace'],
  ['carol', 'list', 'apps/deployments', '', false, 'and never at the cluster scope'],
  ['carol', 'get', 'pods:web', 'team', false, 'apps-all is for the apps group only'],
  ['alice', 'get', '/healthz', '', true, 'health for system:authenticated'],
  ['alice', 'get', '/metrics/slis', '', true, '/metrics/* prefix'],
  ['alice', 'get', '/metrics', '', false, '/metrics/* does not cover /metrics'],
  ['alice', 'post', '/healthz', '', false, 'health has only get'],
  ['alice', 'get', '/api', '', false, 'no rule names /api'],
  ['anonymous', 'get', '/healthz', '', false, 'system:anonymous is not in system:authenticated'],
  ['anonymous', 'get', 'pods', 'team', false, 'nothing is bound to the anonymous user'],
];

function attributesOf(user: UserInfo, verb: string, target: string, namespace: string): Attributes {
  if (target.startsWith('/')) {
    return { user, verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: target };
  }
  const [ref, name = ''] = target.split(':');
  const parts = ref.split('/');
  // `group/resource[/sub]` when the first part has a dot or is "apps", else `resource[/sub]` in the core group.
  const grouped = parts[0] === 'apps' || parts[0].includes('.');
  const apiGroup = grouped ? parts[0] : '';
  const [resource, subresource = ''] = grouped ? parts.slice(1) : parts;
  return { user, verb, resourceRequest: true, namespace, apiGroup, apiVersion: 'v1', resource, subresource, name, path: '' };
}

describe('auth/authz authorization matrix (roles × verbs × resources)', function () {
  const rbac = new RbacAuthorizer(new StaticPolicy(ROLES, CLUSTER_ROLES, BINDINGS));
  const { authorizer: union } = buildAuthorizer(['RBAC'], new StaticPolicy(ROLES, CLUSTER_ROLES, BINDINGS));

  for (const [user, verb, target, namespace, allowed, why] of MATRIX) {
    it(`${user} ${allowed ? 'may' : 'may not'} ${verb} ${target}${namespace ? ` in ${namespace}` : ' (cluster scope)'}: ${why}`, function () {
      const attrs = attributesOf(USERS[user], verb, target, namespace);
      assert.equal(rbac.authorize(attrs).decision, allowed ? 'Allow' : 'NoOpinion');
      assert.equal(union.authorize(attrs).decision, allowed ? 'Allow' : 'NoOpinion');
    });
  }

  it('covers every user and both resource and non-resource requests', function () {
    const users = new Set(MATRIX.map((r) => r[0]));
    assert.deepEqual([...users].sort(), Object.keys(USERS).sort());
    assert.ok(MATRIX.some((r) => r[2].startsWith('/')) && MATRIX.some((r) => !r[2].startsWith('/')));
  });
});

import * as assert from 'node:assert/strict';
import { confirmNoEscalation } from '../../../src/auth/authz/escalation';
import { forbiddenError } from '../../../src/auth/authz/forbidden';
import { RbacAuthorizer, RuleResolver, type Binding, type PolicySource } from '../../../src/auth/authz/rbac';
import { compactRules, compactString, covers, ruleAllows, type PolicyRule } from '../../../src/auth/authz/rules';
import { resourceAttributes, type Attributes } from '../../../src/auth/authz/types';
import { buildAuthorizer, parseAuthorizationModes } from '../../../src/auth/authz/union';
import type { UserInfo } from '../../../src/auth/user';

const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };

function res(verb: string, resource: string, more: Partial<Attributes> = {}): Attributes {
  return { ...resourceAttributes(bob, { verb, resource }), ...more };
}

function path(verb: string, p: string): Attributes {
  return { user: bob, verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: p };
}

/** StaticPolicy is a PolicySource over fixed objects. */
export class StaticPolicy implements PolicySource {
  constructor(
    readonly roles: Record<string, PolicyRule[]> = {},
    readonly clusterRoles: Record<string, PolicyRule[]> = {},
    readonly bindings: Binding[] = [],
  ) {}
  getRole(ns: string, name: string) {
    return this.roles[`${ns}/${name}`];
  }
  getClusterRole(name: string) {
    return this.clusterRoles[name];
  }
  listRoleBindings(ns: string) {
    return this.bindings.filter((b) => b.namespace === ns);
  }
  listClusterRoleBindings() {
    return this.bindings.filter((b) => b.namespace === '');
  }
}

describe('auth/authz RBAC rules', function () {
  describe('ruleAllows', function () {
    const cases: [string, PolicyRule, Attributes, boolean][] = [
      ['exact verb, group and resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods'), true],
      ['another verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', 'pods'), false],
      ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, res('get', 'pods'), false],
      ['verb wildcard', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, res('deletecollection', 'pods'), true],
      ['group wildcard', { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, res('get', 'deployments', { apiGroup: 'apps' }), true],
      ['resource wildcard covers subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', 'pods', { subresource: 'log' }), true],
      ['a resource does not cover its subresources', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods', { subresource: 'status' }), false],
      ['resource/subresource', { verbs: ['update'], apiGroups: [''], resources: ['pods/status'] }, res('update', 'pods', { subresource: 'status' }), true],
      ['resource/subresource does not cover the resource', { verbs: ['update'], apiGroups: [''], resources: ['pods/status'] }, res('update', 'pods'), false],
      ['*/subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), true],
      ['*/subresource is not another subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'deployments', { apiGroup: 'apps', subresource: 'status' }), false],
      ['resourceNames match the name', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }, res('get', 'secrets', { name: 's1' }), true],
      ['resourceNames refuse another name', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }, res('get', 'secrets', { name: 's2' }), false],
      ['resourceNames refuse a request without a name (list)', { verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s1'] }, res('list', 'secrets'), false],
      ['a resource rule never matches a path', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, path('get', '/healthz'), false],
      ['exact non-resource URL', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz'), true],
      ['non-resource URL is not a prefix', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz/etcd'), false],
      ['non-resource URL prefix*', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, path('get', '/healthz/etcd'), true],
      ['non-resource URL *', { verbs: ['get'], nonResourceURLs: ['*'] }, path('get', '/anything'), true],
      ['non-resource verb must match', { verbs: ['get'], nonResourceURLs: ['*'] }, path('post', '/anything'), false],
      ['a non-resource rule never matches a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', 'pods'), false],
    ];
    for (const [what, rule, attrs, want] of cases) {
      it(`${want ? 'allows' : 'refuses'}: ${what}`, () => assert.equal(ruleAllows(attrs, rule), want));
    }
  });

  describe('covers (escalation checks)', function () {
    it('covers a rule by a wildcard owner and reports nothing missing', function () {
      assert.deepEqual(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'] }]), { covered: true, missing: [] });
    });

    it('lists the missing atoms, one verb, group, resource and name each', function () {
      const r = covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]);
      assert.equal(r.covered, false);
      assert.deepEqual(r.missing, [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    });

    it('needs names on the owner to cover named rules, and no names to cover unnamed ones', function () {
      const named = { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] };
      assert.equal(covers([named], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]).covered, false);
      assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [named]).covered, true);
      assert.equal(covers([named], [{ ...named, resourceNames: ['b'] }]).covered, false);
    });

    it('lets */subresource cover one subresource of any resource', function () {
      assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods/status'] }]).covered, true);
      assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered, false);
    });

    it('covers non-resource URLs by prefix', function () {
      assert.equal(covers([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/a'] }]).covered, true);
      assert.equal(covers([{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]).covered, false);
    });

    it('compacts missing rules by resource and renders them as upstream', function () {
      const missing = covers([], [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }]).missing;
      assert.deepEqual(compactRules(missing).map(compactString).sort(), ['{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}', '{NonResourceURLs:["/x"], Verbs:["get"]}']);
    });

    it('words an escalation refusal as kube-apiserver does', function () {
      const resolver = new RuleResolver(new StaticPolicy({}, { reader: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }, [{ name: 'b', namespace: '', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [{ kind: 'User', name: 'bob' }] }]));
      assert.equal(confirmNoEscalation(resolver, bob, 'ns', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined);
      assert.equal(
        confirmNoEscalation(resolver, bob, 'ns', [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]),
        'user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
      );
    });
  });

  describe('Forbidden messages', function () {
    it('names the verb, resource, group and namespace', function () {
      const e = forbiddenError(res('list', 'pods', { namespace: 'y' }), '');
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "y"');
      assert.deepEqual(e.details, { kind: 'pods' });
    });

    it('names the object, the subresource and the cluster scope, and appends the reason', function () {
      const e = forbiddenError(res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale', name: 'web' }), 'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found');
      assert.equal(e.message, 'deployments.apps "web" is forbidden: User "bob" cannot update resource "deployments/scale" in API group "apps" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "x" not found');
      assert.deepEqual(e.details, { name: 'web', group: 'apps', kind: 'deployments' });
    });

    it('says path for non-resource URLs', function () {
      const e = forbiddenError(path('get', '/metrics'), '');
      assert.equal(e.message, 'forbidden: User "bob" cannot get path "/metrics"');
      assert.deepEqual(e.details, {});
    });
  });

  describe('authorizer union', function () {
    it('parses --authorization-mode as kube-apiserver does', function () {
      assert.deepEqual(parseAuthorizationModes('Node,RBAC'), ['Node', 'RBAC']);
      assert.throws(() => parseAuthorizationModes('RBAC,RBAC'), /specified more than once/);
      assert.throws(() => parseAuthorizationModes('Bogus'), /not a valid mode/);
      assert.throws(() => parseAuthorizationModes('Webhook'), /not supported by kapi/);
      assert.throws(() => parseAuthorizationModes(''), /at least one/);
    });

    it('allows system:masters whatever the policy, and everyone with AlwaysAllow', function () {
      const { authorizer } = buildAuthorizer(['RBAC'], new StaticPolicy());
      assert.equal(authorizer.authorize(res('delete', 'nodes')).decision, 'NoOpinion');
      assert.equal(authorizer.authorize({ ...res('delete', 'nodes'), user: { name: 'x', groups: ['system:masters'] } }).decision, 'Allow');
      assert.equal(buildAuthorizer(['RBAC', 'AlwaysAllow'], new StaticPolicy()).authorizer.authorize(res('delete', 'nodes')).decision, 'Allow');
      const deny = buildAuthorizer(['AlwaysDeny'], new StaticPolicy()).authorizer.authorize(res('get', 'pods'));
      assert.deepEqual(deny, { decision: 'NoOpinion', reason: 'Everything is forbidden.' });
    });

    it('reports a binding to a missing role as the reason, and what allowed a request', function () {
      const policy = new StaticPolicy({}, { reader: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }, [
        { name: 'dangling', namespace: '', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] },
        { name: 'ok', namespace: 'ns', roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [{ kind: 'User', name: 'bob' }] },
      ]);
      const rbac = new RbacAuthorizer(policy);
      assert.deepEqual(rbac.authorize(res('get', 'pods', { namespace: 'other' })), { decision: 'NoOpinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found' });
      assert.deepEqual(rbac.authorize(res('get', 'pods', { namespace: 'ns' })), { decision: 'Allow', reason: 'RBAC: allowed by RoleBinding "ok/ns" of ClusterRole "reader" to User "bob"' });
      const rules = rbac.rulesFor(bob, 'ns');
      assert.deepEqual(rules.resourceRules, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
      assert.equal(rules.error, 'clusterrole.rbac.authorization.k8s.io "gone" not found');
    });
  });
});

import * as assert from 'node:assert/strict';
import { StatusError } from '../../../src/apierrors';
import { impersonate } from '../../../src/auth/authn/impersonation';
import type { Attributes, Authorizer } from '../../../src/auth/authz/types';
import type { UserInfo } from '../../../src/auth/user';

const admin: UserInfo = { name: 'admin', groups: ['system:authenticated'] };

/** recording allows what `allow` says and remembers what it was asked. */
function recording(allow: (a: Attributes) => boolean): Authorizer & { asked: Attributes[] } {
  const asked: Attributes[] = [];
  return {
    asked,
    authorize: (a) => (asked.push(a), allow(a) ? { decision: 'Allow', reason: '' } : { decision: 'NoOpinion', reason: '' }),
    rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
  };
}

describe('auth/authn impersonation', function () {
  it('does nothing without Impersonate-* headers', function () {
    assert.equal(impersonate({ accept: ['x'] }, admin, recording(() => true)), undefined);
  });

  it('acts as the user and groups asked for, each checked with the impersonate verb, plus system:authenticated', function () {
    const z = recording(() => true);
    const user = impersonate({ 'impersonate-user': ['bob'], 'impersonate-group': ['devs', 'ops'], 'impersonate-uid': ['u1'], 'impersonate-extra-scopes': ['a', 'b'] }, admin, z);
    assert.deepEqual(user, { name: 'bob', uid: 'u1', groups: ['devs', 'ops', 'system:authenticated'], extra: { scopes: ['a', 'b'] } });
    assert.deepEqual(
      z.asked.map((a) => [a.verb, a.apiGroup, a.resource, a.subresource, a.name]),
      [
        ['impersonate', '', 'users', '', 'bob'],
        ['impersonate', '', 'groups', '', 'devs'],
        ['impersonate', '', 'groups', '', 'ops'],
        ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', 'a'],
        ['impersonate', 'authentication.k8s.io', 'userextras', 'scopes', 'b'],
        ['impersonate', 'authentication.k8s.io', 'uids', '', 'u1'],
      ],
    );
  });

  it('impersonates a service account through serviceaccounts in its namespace, with its groups', function () {
    const z = recording(() => true);
    const user = impersonate({ 'impersonate-user': ['system:serviceaccount:team:robot'] }, admin, z);
    assert.deepEqual(user, { name: 'system:serviceaccount:team:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] });
    assert.deepEqual([z.asked[0].resource, z.asked[0].namespace, z.asked[0].name], ['serviceaccounts', 'team', 'robot']);
  });

  it('refuses with the Forbidden message of the part not allowed', function () {
    const z = recording((a) => a.resource === 'users');
    assert.throws(
      () => impersonate({ 'impersonate-user': ['bob'], 'impersonate-group': ['system:masters'] }, admin, z),
      (e: unknown) => e instanceof StatusError && e.code === 403 && e.message === 'groups "system:masters" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
  });

  it('refuses groups without a user with 400', function () {
    assert.throws(
      () => impersonate({ 'impersonate-group': ['devs'] }, admin, recording(() => true)),
      (e: unknown) => e instanceof StatusError && e.code === 400 && /without impersonating a user/.test(e.message),
    );
  });

  it('puts an impersonated anonymous user in system:unauthenticated', function () {
    assert.deepEqual(impersonate({ 'impersonate-user': ['system:anonymous'] }, admin, recording(() => true))?.groups, ['system:unauthenticated']);
  });
});

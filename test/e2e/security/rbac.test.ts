/**
 * RBAC end to end with kubectl and real client certificates: the bootstrap policy, bindings
 * granting in their namespace only, Forbidden messages word for word, escalation prevention
 * (escalate and bind), `kubectl auth can-i` and the review APIs, impersonation, aggregation, and
 * the reconciliation of the bootstrap policy at start.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { createNamespace } from '../kubectl/support';
import { TestServer } from '../../support/server';
import { assertForbidden, certUser, cleanupIdentities, manifest, waitFor, type Identity } from './support';

const NS = 'team';
const RBAC = 'rbac.authorization.k8s.io/v1';

describe('security: RBAC authorization', function () {
  let server: TestServer;
  let bob: Identity;
  const admin = (args: string[], input?: string) => server.kubectl.run(args, { input });
  const bobRun = (args: string[], input?: string) => bob.kubectl.run(args, { input, allowFailure: true });

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespace(server, NS);
    await createNamespace(server, 'elsewhere');
    bob = await certUser(server, 'bob', ['developers']);
  });

  after(async function () {
    await server?.dispose();
    await cleanupIdentities();
  });

  describe('the bootstrap policy', function () {
    it('creates the bootstrap roles and bindings kube-apiserver creates', async function () {
      const roles = (await admin(['get', 'clusterroles', '-o', 'name'])).stdout;
      for (const r of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:aggregate-to-view', 'system:node', 'system:kube-scheduler']) {
        assert.match(roles, new RegExp(`^clusterrole.rbac.authorization.k8s.io/${r}$`, 'm'), r);
      }
      const masters = await server.kubectl.json<{ roleRef: { name: string }; subjects: { kind: string; name: string }[]; metadata: { labels: Record<string, string>; annotations: Record<string, string> } }>(['get', 'clusterrolebinding', 'cluster-admin']);
      assert.deepEqual(masters.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
      assert.equal(masters.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
      assert.equal(masters.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
      const leases = (await admin(['-n', 'kube-system', 'get', 'roles', '-o', 'name'])).stdout;
      assert.match(leases, /system::leader-locking-kube-scheduler/);
    });

    it('aggregates view into edit and edit into admin', async function () {
      const rules = async (name: string) => JSON.stringify((await server.kubectl.json<{ rules: unknown[] }>(['get', 'clusterrole', name])).rules);
      const view = await rules('view');
      assert.match(view, /"configmaps"/);
      assert.doesNotMatch(view, /"secrets"/, 'view never reads secrets');
      assert.match(await rules('edit'), /"secrets"/);
      assert.match(await rules('admin'), /"rolebindings"/);
    });

    it('adds the rules of a ClusterRole labelled aggregate-to-view to view, edit and admin', async function () {
      await admin(['apply', '-f', '-'], manifest({ apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }] }));
      for (const role of ['view', 'edit', 'admin']) {
        await waitFor(async () => (JSON.stringify((await server.kubectl.json<{ rules: unknown[] }>(['get', 'clusterrole', role])).rules).includes('widgets') ? true : undefined));
      }
      await admin(['delete', 'clusterrole', 'widgets-view']);
      await waitFor(async () => (JSON.stringify((await server.kubectl.json<{ rules: unknown[] }>(['get', 'clusterrole', 'view'])).rules).includes('widgets') ? undefined : true));
    });
  });

  describe('decisions and messages', function () {
    it('forbids what no role grants, with kube-apiserver messages', async function () {
      assertForbidden(await bobRun(['-n', NS, 'get', 'pods']), 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "team"');
      assertForbidden(await bobRun(['get', 'nodes']), 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
      assertForbidden(await bobRun(['-n', NS, 'get', 'deployment', 'web']), 'deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments" in API group "apps" in the namespace "team"');
      const res = await server.request('GET', '/api/v1/namespaces/team/pods/p/log', { cert: bob.cert });
      assert.equal(res.status, 403);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "p" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "team"',
        reason: 'Forbidden',
        details: { name: 'p', kind: 'pods' },
        code: 403,
      });
      const path = await server.request('GET', '/metrics', { cert: bob.cert });
      assert.equal(path.json<{ message: string }>().message, 'forbidden: User "bob" cannot get path "/metrics"');
    });

    it('grants edit in one namespace through a RoleBinding, and nothing elsewhere or cluster-wide', async function () {
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-edit', '--clusterrole=edit', '--user=bob']);
      assert.equal((await bobRun(['-n', NS, 'create', 'configmap', 'c1', '--from-literal=a=b'])).code, 0);
      assert.equal((await bobRun(['-n', NS, 'get', 'configmaps'])).code, 0);
      assertForbidden(await bobRun(['-n', 'elsewhere', 'get', 'configmaps']), 'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "elsewhere"');
      assertForbidden(await bobRun(['get', 'configmaps', '-A']), 'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" at the cluster scope');
    });

    it('never lets a namespaced binding grant anything cluster-wide, not even cluster-admin', async function () {
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-root', '--clusterrole=cluster-admin', '--user=bob']);
      assert.equal((await bobRun(['-n', NS, 'get', 'secrets'])).code, 0, 'all of team');
      assertForbidden(await bobRun(['get', 'nodes']), 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
      assertForbidden(await bobRun(['get', 'namespaces']), 'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope');
      assertForbidden(await bobRun(['create', 'clusterrole', 'mine', '--verb=get', '--resource=pods']), 'clusterroles.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope');
      assertForbidden(await bobRun(['-n', 'elsewhere', 'get', 'pods']), 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "elsewhere"');
      // A Role that names cluster-scoped resources grants nothing about them either.
      await admin(['-n', NS, 'create', 'role', 'node-reader', '--verb=get,list', '--resource=nodes,namespaces']);
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-nodes', '--role=node-reader', '--user=bob']);
      assertForbidden(await bobRun(['get', 'node', 'n1']), 'nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at the cluster scope');
      await admin(['-n', NS, 'delete', 'rolebinding', 'bob-root']);
    });

    it('honours resourceNames and subresources', async function () {
      await admin(['-n', NS, 'create', 'secret', 'generic', 's1', '--from-literal=a=b']);
      await admin(['-n', NS, 'create', 'secret', 'generic', 's2', '--from-literal=a=b']);
      await admin(['-n', NS, 'create', 'role', 'one-secret', '--verb=get', '--resource=secrets', '--resource-name=s1']);
      const carol = await certUser(server, 'carol');
      await admin(['-n', NS, 'create', 'rolebinding', 'carol-one', '--role=one-secret', '--user=carol']);
      assert.equal((await carol.kubectl.run(['-n', NS, 'get', 'secret', 's1'])).code, 0);
      assertForbidden(await carol.kubectl.run(['-n', NS, 'get', 'secret', 's2'], { allowFailure: true }), 'secrets "s2" is forbidden: User "carol" cannot get resource "secrets" in API group "" in the namespace "team"');
      assertForbidden(await carol.kubectl.run(['-n', NS, 'get', 'secrets'], { allowFailure: true }), 'secrets is forbidden: User "carol" cannot list resource "secrets" in API group "" in the namespace "team"');
      await admin(['-n', NS, 'create', 'role', 'status-only', '--verb=get', '--resource=pods/status']);
      await admin(['-n', NS, 'create', 'rolebinding', 'carol-status', '--role=status-only', '--user=carol']);
      await admin(['-n', NS, 'run', 'web', '--image=nginx']);
      assert.equal((await server.request('GET', '/api/v1/namespaces/team/pods/web/status', { cert: carol.cert })).status, 200);
      assert.equal((await server.request('GET', '/api/v1/namespaces/team/pods/web', { cert: carol.cert })).status, 403);
    });

    it('names a binding to a missing role in the reason', async function () {
      const dan = await certUser(server, 'dan');
      await admin(['-n', NS, 'create', 'rolebinding', 'dan-ghost', '--clusterrole=ghost', '--user=dan']);
      assertForbidden(await dan.kubectl.run(['-n', NS, 'get', 'pods'], { allowFailure: true }), 'pods is forbidden: User "dan" cannot list resource "pods" in API group "" in the namespace "team": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found');
    });
  });

  describe('privilege escalation prevention', function () {
    before(async function () {
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-admin', '--clusterrole=admin', '--user=bob']);
    });

    it('lets an admin create roles and bindings within what they hold', async function () {
      assert.equal((await bobRun(['-n', NS, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods'])).code, 0);
      assert.equal((await bobRun(['-n', NS, 'create', 'rolebinding', 'eve-view', '--clusterrole=view', '--user=eve'])).code, 0);
    });

    it('refuses a role granting more than the creator holds', async function () {
      // bob holds get on nodes in team (the node-reader Role above: useless for nodes, but held), not delete.
      const r = await bobRun(['-n', NS, 'create', 'role', 'node-admin', '--verb=get,delete', '--resource=nodes,pods']);
      assertForbidden(r, 'roles.rbac.authorization.k8s.io "node-admin" is forbidden: user "bob" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["delete"]}');
      const secretsEverywhere = await bobRun(['-n', NS, 'create', 'role', 'all-secrets', '--verb=get', '--resource=secrets,persistentvolumes']);
      assertForbidden(secretsEverywhere, 'roles.rbac.authorization.k8s.io "all-secrets" is forbidden: user "bob" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["persistentvolumes"], Verbs:["get"]}');
    });

    it('refuses to raise a role by update', async function () {
      const r = await bobRun(['-n', NS, 'apply', '-f', '-'], manifest({ apiVersion: RBAC, kind: 'Role', metadata: { name: 'pod-reader', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }));
      assert.match(r.stderr, /roles.rbac.authorization.k8s.io "pod-reader" is forbidden: user "bob" .* is attempting to grant RBAC permissions not currently held/);
    });

    it('refuses a binding to a role the creator does not hold', async function () {
      const r = await bobRun(['-n', NS, 'create', 'rolebinding', 'eve-root', '--clusterrole=cluster-admin', '--user=eve']);
      assertForbidden(r, 'rolebindings.rbac.authorization.k8s.io "eve-root" is forbidden: user "bob" (groups=["developers" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}');
      assertForbidden(await bobRun(['create', 'clusterrolebinding', 'eve-view', '--clusterrole=view', '--user=eve']), 'clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope');
    });

    it('allows binding a role one does not hold with the bind verb on it', async function () {
      await admin(['create', 'clusterrole', 'node-reader', '--verb=get,list', '--resource=nodes']);
      await admin(['create', 'clusterrole', 'bind-node-reader', '--verb=bind', '--resource=clusterroles', '--resource-name=node-reader']);
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-bind', '--clusterrole=bind-node-reader', '--user=bob']);
      assert.equal((await bobRun(['-n', NS, 'create', 'rolebinding', 'eve-nodes', '--clusterrole=node-reader', '--user=eve'])).code, 0);
      assert.notEqual((await bobRun(['-n', NS, 'create', 'rolebinding', 'eve-root2', '--clusterrole=cluster-admin', '--user=eve'])).code, 0, 'bind names node-reader only');
    });

    it('allows a role beyond one’s rules with the escalate verb on roles', async function () {
      await admin(['create', 'clusterrole', 'role-escalator', '--verb=escalate', '--resource=roles']);
      await admin(['-n', NS, 'create', 'rolebinding', 'bob-escalate', '--clusterrole=role-escalator', '--user=bob']);
      assert.equal((await bobRun(['-n', NS, 'create', 'role', 'node-admin', '--verb=get,delete', '--resource=nodes,pods'])).code, 0);
    });

    it('lets system:masters grant anything', async function () {
      await admin(['-n', NS, 'create', 'role', 'everything', '--verb=*', '--resource=*.*']);
    });
  });

  describe('kubectl auth can-i and the review APIs', function () {
    it('answers can-i with yes or no and the matching exit code', async function () {
      const yes = await bobRun(['-n', NS, 'auth', 'can-i', 'create', 'configmaps']);
      assert.deepEqual([yes.code, yes.stdout.trim()], [0, 'yes']);
      const no = await bobRun(['-n', 'elsewhere', 'auth', 'can-i', 'create', 'configmaps']);
      assert.deepEqual([no.code, no.stdout.trim()], [1, 'no']);
      const named = await bobRun(['auth', 'can-i', 'get', 'nodes/n1']);
      assert.equal(named.stdout.trim(), 'no');
      const admins = await admin(['auth', 'can-i', '*', '*']);
      assert.equal(admins.stdout.trim(), 'yes');
    });

    it('lists the caller’s rules in a namespace with can-i --list', async function () {
      const r = await bobRun(['-n', NS, 'auth', 'can-i', '--list']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
      assert.match(r.stdout, /selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
      assert.match(r.stdout, /configmaps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update/);
      assert.match(r.stdout, /\[\/api\/\*\]\s+\[\]\s+\[get\]/);
      const elsewhere = await bobRun(['-n', 'elsewhere', 'auth', 'can-i', '--list']);
      assert.doesNotMatch(elsewhere.stdout, /configmaps/);
    });

    it('answers SubjectAccessReview and LocalSubjectAccessReview about other users', async function () {
      const sar = await server.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'bob', groups: ['developers'], resourceAttributes: { namespace: NS, verb: 'create', resource: 'configmaps' } } },
      });
      assert.equal(sar.status, 201, sar.body);
      const status = sar.json<{ status: { allowed: boolean; reason: string } }>().status;
      assert.equal(status.allowed, true);
      assert.match(status.reason, /^RBAC: allowed by RoleBinding "bob-(edit|admin)\/team" of ClusterRole "(edit|admin)" to User "bob"$/);
      const denied = await server.request('POST', '/apis/authorization.k8s.io/v1/namespaces/elsewhere/localsubjectaccessreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'bob', resourceAttributes: { namespace: 'elsewhere', verb: 'get', resource: 'pods' } } },
      });
      assert.equal(denied.status, 201, denied.body);
      assert.deepEqual(denied.json<{ status: unknown }>().status, { allowed: false });
      const invalid = await server.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } } });
      assert.equal(invalid.status, 422);
      assert.match(invalid.json<{ message: string }>().message, /spec.user: Invalid value: "": at least one of user or group must be specified/);
      // (--validate=false: kubectl's own validation would first list CRDs, which bob may not.)
      assertForbidden(await bobRun(['create', '--validate=false', '-f', '-'], manifest({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'x', nonResourceAttributes: { path: '/', verb: 'get' } } })), 'subjectaccessreviews.authorization.k8s.io is forbidden: User "bob" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
    });
  });

  describe('impersonation', function () {
    it('lets system:masters act as another user and group with --as and --as-group', async function () {
      assertForbidden(await server.kubectl.run(['--as=bob', 'get', 'nodes'], { allowFailure: true }), 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope');
      assert.equal((await server.kubectl.run(['--as=bob', '-n', NS, 'get', 'configmaps'])).code, 0);
      const me = await server.kubectl.json<{ status: { userInfo: { username: string; groups: string[] } } }>(['--as=zed', '--as-group=g1', '--as-group=g2', 'auth', 'whoami']);
      assert.deepEqual(me.status.userInfo, { username: 'zed', groups: ['g1', 'g2', 'system:authenticated'] });
    });

    it('refuses impersonation without the impersonate verb, and allows it with', async function () {
      assertForbidden(await bobRun(['--as=alice', '-n', NS, 'get', 'pods']), 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
      await admin(['create', 'clusterrole', 'impersonate-alice', '--verb=impersonate', '--resource=users', '--resource-name=alice']);
      await admin(['create', 'clusterrolebinding', 'bob-impersonate', '--clusterrole=impersonate-alice', '--user=bob']);
      const me = await bob.kubectl.json<{ status: { userInfo: { username: string } } }>(['--as=alice', 'auth', 'whoami']);
      assert.equal(me.status.userInfo.username, 'alice');
      assertForbidden(await bobRun(['--as=alice', '--as-group=system:masters', 'get', 'nodes']), 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
    });
  });

  describe('reconciliation at start', function () {
    it('restores deleted bootstrap objects and lost rules, keeps additions, and leaves autoupdate=false alone', async function () {
      await admin(['delete', 'clusterrolebinding', 'system:basic-user']);
      await admin(['patch', 'clusterrole', 'system:discovery', '--type=json', '-p', '[{"op":"replace","path":"/rules","value":[{"verbs":["get"],"nonResourceURLs":["/extra"]}]}]']);
      await admin(['annotate', '--overwrite', 'clusterrole', 'system:public-info-viewer', 'rbac.authorization.kubernetes.io/autoupdate=false']);
      await admin(['patch', 'clusterrole', 'system:public-info-viewer', '--type=json', '-p', '[{"op":"replace","path":"/rules","value":[{"verbs":["get"],"nonResourceURLs":["/version"]}]}]']);
      await server.stop();
      server = await TestServer.start({ dataDir: server.dataDir });
      bob = await certUser(server, 'bob', ['developers']);
      const binding = await server.kubectl.json<{ subjects: { name: string }[] }>(['get', 'clusterrolebinding', 'system:basic-user']);
      assert.deepEqual(binding.subjects.map((s) => s.name), ['system:authenticated']);
      const discovery = await server.kubectl.json<{ rules: { nonResourceURLs: string[] }[] }>(['get', 'clusterrole', 'system:discovery']);
      const urls = discovery.rules.flatMap((r) => r.nonResourceURLs);
      assert.ok(urls.includes('/extra') && urls.includes('/api') && urls.includes('/version'), urls.join(' '));
      const info = await server.kubectl.json<{ rules: { nonResourceURLs: string[] }[] }>(['get', 'clusterrole', 'system:public-info-viewer']);
      assert.deepEqual(info.rules.flatMap((r) => r.nonResourceURLs), ['/version']);
      // And the rules that survived the restart still decide.
      assert.equal((await bobRun(['-n', NS, 'auth', 'can-i', 'create', 'configmaps'])).stdout.trim(), 'yes');
    });
  });

  describe('with --authorization-mode', function () {
    it('AlwaysAllow allows everyone everything', async function () {
      const open = await TestServer.start({ args: ['--authorization-mode=RBAC,AlwaysAllow'] });
      try {
        const eve = await certUser(open, 'eve');
        assert.equal((await eve.kubectl.run(['get', 'nodes'])).code, 0);
        assert.equal((await eve.kubectl.run(['create', 'clusterrolebinding', 'eve-root', '--clusterrole=cluster-admin', '--user=eve'])).code, 0, 'bind is allowed too');
      } finally {
        await open.dispose();
      }
    });

    it('refuses modes it does not know at start', async function () {
      await assert.rejects(TestServer.start({ args: ['--authorization-mode=RBAC,Bogus'] }), /authorization-mode "Bogus" is not a valid mode/);
    });
  });
});

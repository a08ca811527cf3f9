/**
 * Deletion as kube-apiserver (k8s.io/apiserver registry/rest/delete.go BeforeDelete, generic
 * registry Store.Delete/DeleteCollection) and the garbage collector of kube-controller-manager do it:
 *
 * - DeleteOptions preconditions (uid, resourceVersion) in the body: 409 Conflict with BeforeDelete's
 *   message, which names the internal kind (`ConfigMap`, `Deployment.apps`), and nothing deleted;
 *   propagationPolicy, gracePeriodSeconds and dryRun also as query parameters; an unknown
 *   propagationPolicy is 422 on DeleteOptions;
 * - graceful deletion of a scheduled pod (deletionTimestamp + deletionGracePeriodSeconds, generation
 *   bumped), shortened to immediate with gracePeriodSeconds=0;
 * - finalizers: DELETE sets deletionTimestamp and deletionGracePeriodSeconds 0 and keeps the object
 *   (bumping a non-zero generation); no new finalizer may be added; removing the last one deletes it
 *   (a DELETED watch event);
 * - deletecollection with label and field selectors returns the deleted items;
 * - ownerReferences: kubectl delete --cascade=background removes dependents (transitively), orphan
 *   keeps them and strips the owner reference before the owner goes, foreground keeps the owner with
 *   the foregroundDeletion finalizer until its blocking dependents are gone.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import {
  assertStatus,
  configMap,
  createNamespaceNamed,
  deleteWithOptions,
  deployment,
  expectCreated,
  getJson,
  isGone,
  listResourceVersion,
  openWatch,
  pod,
  podTemplate,
  waitFor,
  type Json,
} from './support';

const NS = 'deletion';
const OTHER_NS = 'deletion-other';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const REPLICASETS = `/apis/apps/v1/namespaces/${NS}/replicasets`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

/**
 * assertSucceeded checks a DELETE went through, where the status code itself is not what the test
 * is about (the test 'answers 200 ...' pins the code down once).
 */
function assertSucceeded(res: { status: number; body: string }): void {
  assert.ok(res.status === 200 || res.status === 202, `DELETE failed: ${res.status} ${res.body}`);
}

/** ownerRef makes an ownerReference to a stored object. */
function ownerRef(owner: Json, extra: Json = {}): Json {
  return { apiVersion: owner.apiVersion ?? 'v1', kind: owner.kind ?? 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid, ...extra };
}

describe('deletion: preconditions, grace, finalizers, deletecollection, cascading', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
    await createNamespaceNamed(server, OTHER_NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('DeleteOptions preconditions', function () {
    let target: Json;

    before(async function () {
      target = await expectCreated(server, CONFIGMAPS, configMap('pre-cm', { k: 'v' }));
    });

    it('refuses a delete whose uid precondition does not match with 409 and keeps the object', async function () {
      const res = await deleteWithOptions(server, `${CONFIGMAPS}/pre-cm`, { preconditions: { uid: 'not-the-uid' } });
      const status = assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message:
          `Operation cannot be fulfilled on ConfigMap "pre-cm": the UID in the precondition (not-the-uid) does not match the UID in record (${target.metadata.uid}). ` +
          'The object might have been deleted and then recreated',
      });
      assert.deepEqual(status.details, { name: 'pre-cm', kind: 'ConfigMap' });
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/pre-cm`)));
    });

    it('refuses a delete whose resourceVersion precondition does not match with 409 and keeps the object', async function () {
      const res = await deleteWithOptions(server, `${CONFIGMAPS}/pre-cm`, { preconditions: { resourceVersion: '1' } });
      assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message:
          `Operation cannot be fulfilled on ConfigMap "pre-cm": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${target.metadata.resourceVersion}). ` +
          'The object might have been modified',
      });
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/pre-cm`)));
    });

    it('names a grouped kind as Kind.group in the precondition conflict', async function () {
      await expectCreated(server, DEPLOYMENTS, deployment('pre-deploy'));
      const res = await deleteWithOptions(server, `${DEPLOYMENTS}/pre-deploy`, { preconditions: { uid: 'nope' } });
      const status = assertStatus(res, { code: 409, reason: 'Conflict', message: /^Operation cannot be fulfilled on Deployment\.apps "pre-deploy": the UID in the precondition \(nope\)/ });
      assert.deepEqual(status.details, { name: 'pre-deploy', group: 'apps', kind: 'Deployment' });
    });

    it('deletes when both preconditions match', async function () {
      const res = await deleteWithOptions(server, `${CONFIGMAPS}/pre-cm`, {
        preconditions: { uid: target.metadata.uid, resourceVersion: target.metadata.resourceVersion },
      });
      assert.equal(res.status, 200, res.body);
      const body = res.json<Json>();
      assert.equal(body.kind, 'Status');
      assert.equal(body.status, 'Success');
      assert.deepEqual(body.details, { name: 'pre-cm', kind: 'configmaps', uid: target.metadata.uid });
      assert.ok(await isGone(server, `${CONFIGMAPS}/pre-cm`));
    });

    it('refuses an unknown propagationPolicy query parameter with 422 on DeleteOptions', async function () {
      await expectCreated(server, CONFIGMAPS, configMap('pre-policy'));
      const res = await server.request('DELETE', `${CONFIGMAPS}/pre-policy?propagationPolicy=Sideways`);
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
      });
      assert.equal(status.details?.causes?.[0]?.field, 'propagationPolicy');
      assert.ok(!(await isGone(server, `${CONFIGMAPS}/pre-policy`)));
    });

    it('refuses orphanDependents together with propagationPolicy (422)', async function () {
      const res = await deleteWithOptions(server, `${CONFIGMAPS}/pre-policy`, { orphanDependents: true, propagationPolicy: 'Orphan' });
      assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set',
      });
    });

    it('answers DELETE of a missing object with 404 NotFound', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}/never-existed`);
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'configmaps "never-existed" not found' });
    });
  });

  describe('graceful deletion of a scheduled pod', function () {
    it('keeps a pod bound to a node with deletionTimestamp and its grace period, bumping generation', async function () {
      const created = await expectCreated(server, PODS, pod('grace-pod', 'nginx:1.27', { nodeName: 'node-a' }));
      const res = await server.request('DELETE', `${PODS}/grace-pod`);
      assert.equal(res.status, 200, res.body);
      const answered = res.json<Json>();
      assert.equal(answered.kind, 'Pod');
      assert.equal(answered.metadata.deletionGracePeriodSeconds, 30, 'the pod\'s terminationGracePeriodSeconds');
      assert.ok(answered.metadata.deletionTimestamp);
      assert.equal(answered.metadata.generation, created.metadata.generation + 1, 'the first graceful delete bumps generation');
      const stored = await getJson(server, `${PODS}/grace-pod`);
      assert.equal(stored.metadata.deletionTimestamp, answered.metadata.deletionTimestamp);
    });

    it('deletes a scheduled pod at once with the gracePeriodSeconds=0 query parameter', async function () {
      await expectCreated(server, PODS, pod('grace-now', 'nginx:1.27', { nodeName: 'node-a' }));
      const res = await server.request('DELETE', `${PODS}/grace-now?gracePeriodSeconds=0`);
      assert.equal(res.status, 200, res.body);
      assert.ok(await isGone(server, `${PODS}/grace-now`));
    });

    it('deletes an unscheduled pod at once (CheckGracefulDelete sets the period to 0)', async function () {
      await expectCreated(server, PODS, pod('grace-unscheduled'));
      const res = await server.request('DELETE', `${PODS}/grace-unscheduled`);
      assert.equal(res.status, 200, res.body);
      assert.ok(await isGone(server, `${PODS}/grace-unscheduled`));
    });
  });

  describe('finalizers', function () {
    const path = `${CONFIGMAPS}/fin-cm`;

    before(async function () {
      await expectCreated(server, CONFIGMAPS, configMap('fin-cm', { k: 'v' }, { finalizers: ['example.com/hold'] }));
    });

    it('keeps an object with finalizers on DELETE, answering 200 (202 is only for orphanDependents=false) with deletionTimestamp and grace period 0', async function () {
      const res = await server.request('DELETE', path);
      assert.equal(res.status, 200, res.body);
      const answered = res.json<Json>();
      assert.equal(answered.kind, 'ConfigMap');
      assert.ok(answered.metadata.deletionTimestamp, res.body);
      assert.equal(answered.metadata.deletionGracePeriodSeconds, 0);
      assert.deepEqual(answered.metadata.finalizers, ['example.com/hold']);
      const stored = await getJson(server, path);
      assert.equal(stored.metadata.deletionTimestamp, answered.metadata.deletionTimestamp);
    });

    it('accepts a second DELETE of an object being deleted and leaves it as it was', async function () {
      const before = await getJson(server, path);
      const res = await server.request('DELETE', path);
      assertSucceeded(res);
      const after = await getJson(server, path);
      assert.equal(after.metadata.deletionTimestamp, before.metadata.deletionTimestamp);
    });

    it('refuses a new finalizer on an object being deleted with 422 Forbidden', async function () {
      const res = await server.request('PATCH', path, {
        body: { metadata: { finalizers: ['example.com/hold', 'example.com/late'] } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'ConfigMap "fin-cm" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/late"}',
      });
      assert.deepEqual(status.details?.causes, [
        {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/late"}',
          field: 'metadata.finalizers',
        },
      ]);
    });

    it('still accepts other updates and cannot have its deletionTimestamp removed by them', async function () {
      const current = await getJson(server, path);
      const body = { ...current, metadata: { ...current.metadata, labels: { still: 'here' }, deletionTimestamp: undefined } };
      const res = await server.request('PUT', path, { body });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, path);
      assert.deepEqual(stored.metadata.labels, { still: 'here' });
      assert.equal(stored.metadata.deletionTimestamp, current.metadata.deletionTimestamp);
    });

    it('deletes the object when an update removes the last finalizer, sending a DELETED event', async function () {
      const rv = await listResourceVersion(server, CONFIGMAPS);
      const watch = openWatch(server, `${CONFIGMAPS}?fieldSelector=metadata.name%3Dfin-cm`, rv);
      try {
        const res = await server.request('PATCH', path, {
          body: { metadata: { finalizers: null } },
          headers: { 'content-type': 'application/merge-patch+json' },
        });
        assert.equal(res.status, 200, res.body);
        const event = await watch.events();
        assert.equal(event.type, 'DELETED');
        assert.equal(event.object.metadata.name, 'fin-cm');
      } finally {
        watch.close();
      }
      assert.ok(await isGone(server, path));
    });

    it('bumps a non-zero generation when a DELETE only marks the object (Store markAsDeleting)', async function () {
      const d = deployment('fin-deploy');
      d.metadata.finalizers = ['example.com/hold'];
      const created = await expectCreated(server, DEPLOYMENTS, d);
      assert.equal(created.metadata.generation, 1);
      const res = await server.request('DELETE', `${DEPLOYMENTS}/fin-deploy`);
      assertSucceeded(res);
      const stored = await getJson(server, `${DEPLOYMENTS}/fin-deploy`);
      assert.equal(stored.metadata.generation, 2);
      assert.equal(stored.metadata.deletionGracePeriodSeconds, 0);
      await server.request('PATCH', `${DEPLOYMENTS}/fin-deploy`, {
        body: { metadata: { finalizers: null } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.ok(await isGone(server, `${DEPLOYMENTS}/fin-deploy`));
    });
  });

  describe('deletecollection', function () {
    before(async function () {
      for (const [name, tier] of [['dc-a1', 'a'], ['dc-a2', 'a'], ['dc-b1', 'b'], ['dc-b2', 'b'], ['dc-c1', 'c']]) {
        await expectCreated(server, CONFIGMAPS, configMap(name, {}, { labels: { tier, group: 'dc' } }));
      }
      await expectCreated(server, `/api/v1/namespaces/${OTHER_NS}/configmaps`, configMap('dc-a-elsewhere', {}, { labels: { tier: 'a', group: 'dc' } }));
    });

    const names = async (path: string) => ((await getJson(server, path)).items as Json[]).map((i) => i.metadata.name).sort();

    it('deletes what a label selector matches and answers with the list of deleted objects', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}?labelSelector=tier%3Da`);
      assert.equal(res.status, 200, res.body);
      const body = res.json<Json>();
      assert.equal(body.kind, 'ConfigMapList');
      assert.equal(body.apiVersion, 'v1');
      assert.deepEqual((body.items as Json[]).map((i) => i.metadata.name).sort(), ['dc-a1', 'dc-a2']);
      assert.deepEqual(await names(`${CONFIGMAPS}?labelSelector=group%3Ddc`), ['dc-b1', 'dc-b2', 'dc-c1']);
    });

    it('leaves other namespaces alone', async function () {
      assert.deepEqual(await names(`/api/v1/namespaces/${OTHER_NS}/configmaps?labelSelector=tier%3Da`), ['dc-a-elsewhere']);
    });

    it('deletes what a field selector matches', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}?fieldSelector=metadata.name%3Ddc-b1`);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual((res.json<Json>().items as Json[]).map((i) => i.metadata.name), ['dc-b1']);
      assert.deepEqual(await names(`${CONFIGMAPS}?labelSelector=group%3Ddc`), ['dc-b2', 'dc-c1']);
    });

    it('combines label and field selectors', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}?labelSelector=group%3Ddc&fieldSelector=metadata.name!%3Ddc-c1`);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual((res.json<Json>().items as Json[]).map((i) => i.metadata.name), ['dc-b2']);
      assert.deepEqual(await names(`${CONFIGMAPS}?labelSelector=group%3Ddc`), ['dc-c1']);
    });

    it('deletes by label with kubectl delete -l', async function () {
      const out = await server.kubectl.run(['delete', 'configmaps', '-n', NS, '-l', 'tier=c']);
      assert.equal(out.stdout.trim(), `configmap "dc-c1" deleted from ${NS} namespace`);
      assert.deepEqual(await names(`${CONFIGMAPS}?labelSelector=group%3Ddc`), []);
    });

    it('refuses a field selector on a field the kind does not index with 400', async function () {
      const res = await server.request('DELETE', `${CONFIGMAPS}?fieldSelector=data.k%3Dv`);
      assertStatus(res, { code: 400, reason: 'BadRequest', message: '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"' });
    });
  });

  describe('kubectl delete --cascade with ownerReferences', function () {
    it('deletes dependents (and theirs) with --cascade=background', async function () {
      const owner = await expectCreated(server, DEPLOYMENTS, deployment('bg-deploy'));
      const rs = await expectCreated(server, REPLICASETS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'bg-deploy-rs', labels: { app: 'bg-deploy' }, ownerReferences: [ownerRef(owner, { controller: true, blockOwnerDeletion: true })] },
        spec: { replicas: 1, selector: { matchLabels: { app: 'bg-deploy' } }, template: podTemplate('bg-deploy') },
      });
      const p = pod('bg-deploy-pod');
      p.metadata.ownerReferences = [ownerRef(rs, { controller: true, blockOwnerDeletion: true })];
      await expectCreated(server, PODS, p);
      const out = await server.kubectl.run(['delete', 'deployment', 'bg-deploy', '-n', NS, '--cascade=background']);
      assert.equal(out.stdout.trim(), `deployment.apps "bg-deploy" deleted from ${NS} namespace`);
      assert.ok(await isGone(server, `${DEPLOYMENTS}/bg-deploy`), 'background: the owner goes first');
      await waitFor('the replicaset owned by the deployment to be collected', () => isGone(server, `${REPLICASETS}/bg-deploy-rs`));
      await waitFor('the pod owned by the replicaset to be collected', () => isGone(server, `${PODS}/bg-deploy-pod`));
    });

    it('uses background propagation for a DELETE without options', async function () {
      const owner = await expectCreated(server, CONFIGMAPS, configMap('default-owner'));
      await expectCreated(server, CONFIGMAPS, configMap('default-dep', {}, { ownerReferences: [ownerRef(owner)] }));
      const res = await server.request('DELETE', `${CONFIGMAPS}/default-owner`);
      assertSucceeded(res);
      await waitFor('the dependent to be collected', () => isGone(server, `${CONFIGMAPS}/default-dep`));
    });

    it('keeps dependents without the owner reference with --cascade=orphan', async function () {
      const owner = await expectCreated(server, CONFIGMAPS, configMap('orphan-owner'));
      const other = await expectCreated(server, CONFIGMAPS, configMap('orphan-other-owner'));
      await expectCreated(server, CONFIGMAPS, configMap('orphan-dep-1', {}, { ownerReferences: [ownerRef(owner)] }));
      await expectCreated(server, CONFIGMAPS, configMap('orphan-dep-2', {}, { ownerReferences: [ownerRef(owner), ownerRef(other)] }));
      const out = await server.kubectl.run(['delete', 'configmap', 'orphan-owner', '-n', NS, '--cascade=orphan']);
      assert.equal(out.stdout.trim(), `configmap "orphan-owner" deleted from ${NS} namespace`);
      assert.ok(await isGone(server, `${CONFIGMAPS}/orphan-owner`));
      // The orphan finalizer is removed only after the dependents were updated.
      const dep1 = await getJson(server, `${CONFIGMAPS}/orphan-dep-1`);
      assert.equal(dep1.metadata.ownerReferences, undefined, JSON.stringify(dep1.metadata));
      const dep2 = await getJson(server, `${CONFIGMAPS}/orphan-dep-2`);
      assert.deepEqual(dep2.metadata.ownerReferences, [ownerRef(other)], 'only the deleted owner\'s reference is stripped');
    });

    it('orphans with propagationPolicy=Orphan given as a query parameter', async function () {
      const owner = await expectCreated(server, CONFIGMAPS, configMap('orphan-q-owner'));
      await expectCreated(server, CONFIGMAPS, configMap('orphan-q-dep', {}, { ownerReferences: [ownerRef(owner)] }));
      const res = await server.request('DELETE', `${CONFIGMAPS}/orphan-q-owner?propagationPolicy=Orphan`);
      assertSucceeded(res);
      await waitFor('the owner to be deleted', () => isGone(server, `${CONFIGMAPS}/orphan-q-owner`));
      assert.equal((await getJson(server, `${CONFIGMAPS}/orphan-q-dep`)).metadata.ownerReferences, undefined);
    });

    it('keeps the owner with the foregroundDeletion finalizer until blocking dependents are gone (--cascade=foreground)', async function () {
      const owner = await expectCreated(server, CONFIGMAPS, configMap('fg-owner'));
      await expectCreated(server, CONFIGMAPS, configMap('fg-blocker', {}, {
        ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })],
        finalizers: ['example.com/hold'],
      }));
      await expectCreated(server, CONFIGMAPS, configMap('fg-plain', {}, { ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })] }));
      const out = await server.kubectl.run(['delete', 'configmap', 'fg-owner', '-n', NS, '--cascade=foreground', '--wait=false']);
      assert.equal(out.stdout.trim(), `configmap "fg-owner" deleted from ${NS} namespace`);

      const marked = await getJson(server, `${CONFIGMAPS}/fg-owner`);
      assert.ok(marked.metadata.deletionTimestamp, 'the owner is marked, not deleted');
      assert.ok(marked.metadata.finalizers?.includes('foregroundDeletion'), JSON.stringify(marked.metadata));

      await waitFor('the dependent without finalizers to be deleted', () => isGone(server, `${CONFIGMAPS}/fg-plain`));
      const blocker = await waitFor('the blocking dependent to be marked for deletion', async () => {
        const b = await getJson(server, `${CONFIGMAPS}/fg-blocker`);
        return b.metadata.deletionTimestamp ? b : undefined;
      });
      assert.deepEqual(blocker.metadata.finalizers, ['example.com/hold']);
      const stillThere = await getJson(server, `${CONFIGMAPS}/fg-owner`);
      assert.ok(stillThere.metadata.finalizers?.includes('foregroundDeletion'), 'the owner waits for its blocking dependent');

      await server.request('PATCH', `${CONFIGMAPS}/fg-blocker`, {
        body: { metadata: { finalizers: null } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      await waitFor('the blocking dependent to be gone', () => isGone(server, `${CONFIGMAPS}/fg-blocker`));
      await waitFor('the owner to be deleted once its blocking dependents are gone', () => isGone(server, `${CONFIGMAPS}/fg-owner`));
    });

    it('answers a Foreground DELETE with the owner object carrying the foregroundDeletion finalizer', async function () {
      const owner = await expectCreated(server, CONFIGMAPS, configMap('fg-q-owner'));
      await expectCreated(server, CONFIGMAPS, configMap('fg-q-dep', {}, {
        ownerReferences: [ownerRef(owner, { blockOwnerDeletion: true })],
        finalizers: ['example.com/hold'],
      }));
      const res = await server.request('DELETE', `${CONFIGMAPS}/fg-q-owner?propagationPolicy=Foreground`);
      assertSucceeded(res);
      const answered = res.json<Json>();
      assert.equal(answered.kind, 'ConfigMap');
      assert.deepEqual(answered.metadata.finalizers, ['foregroundDeletion']);
      assert.ok(answered.metadata.deletionTimestamp);
      await waitFor('the dependent to be marked', async () => (await getJson(server, `${CONFIGMAPS}/fg-q-dep`)).metadata.deletionTimestamp);
      await server.request('PATCH', `${CONFIGMAPS}/fg-q-dep`, {
        body: { metadata: { finalizers: null } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      await waitFor('the owner to be deleted', () => isGone(server, `${CONFIGMAPS}/fg-q-owner`));
    });
  });
});

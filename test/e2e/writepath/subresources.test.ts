/**
 * Subresources as kube-apiserver serves them:
 *
 * - status: writes to the main resource keep the stored status (PrepareForUpdate copies the old
 *   status), writes to /status change only status (the status strategy copies the old spec), and
 *   metadata.generation moves only when the spec changes (for Deployments also when annotations
 *   change: pkg/registry/apps/deployment/strategy.go bumps on either);
 * - scale (autoscaling/v1 Scale) for deployments, replicasets, statefulsets and replication
 *   controllers: `kubectl scale`,
 *   the Scale shape (spec.replicas, status.replicas, status.selector), and a Scale PUT with a stale
 *   resourceVersion is 409 Conflict on the parent resource;
 * - pods/binding: a Binding sets spec.nodeName and the PodScheduled condition; binding a bound pod
 *   is 409 `Operation cannot be fulfilled on pods/binding "<pod>": pod <pod> is already assigned to
 *   node "<node>"`;
 * - pods/eviction: an Eviction deletes the pod (an unscheduled pod is deleted at once);
 * - pods/ephemeralcontainers (`kubectl debug`): writes change only spec.ephemeralContainers, which
 *   may grow but not lose or change a container, and ephemeral containers may not have ports,
 *   probes, lifecycle or resources (upstream's ValidatePodEphemeralContainersUpdate).
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, createNamespaceNamed, deployment, expectCreated, getJson, isGone, pod, podTemplate, type Json } from './support';

const NS = 'subresources';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const REPLICASETS = `/apis/apps/v1/namespaces/${NS}/replicasets`;
const STATEFULSETS = `/apis/apps/v1/namespaces/${NS}/statefulsets`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const REPLICATIONCONTROLLERS = `/api/v1/namespaces/${NS}/replicationcontrollers`;

const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';

describe('subresources: status, scale, binding, eviction, ephemeralcontainers', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('status', function () {
    const path = `${DEPLOYMENTS}/status-web`;
    const reportedStatus = { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 };

    before(async function () {
      const created = await expectCreated(server, DEPLOYMENTS, deployment('status-web', 2));
      assert.equal(created.metadata.generation, 1);
    });

    it('GETs the object through /status', async function () {
      const viaStatus = await getJson(server, `${path}/status`);
      assert.equal(viaStatus.kind, 'Deployment');
      assert.equal(viaStatus.metadata.name, 'status-web');
      assert.equal(viaStatus.spec.replicas, 2);
    });

    it('changes only status on a PUT to /status, ignoring a spec change in the same body', async function () {
      const current = await getJson(server, path);
      const body = { ...current, spec: { ...current.spec, replicas: 9 }, status: reportedStatus };
      const res = await server.request('PUT', `${path}/status`, { body });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, path);
      assert.deepEqual(stored.status, reportedStatus);
      assert.equal(stored.spec.replicas, 2, 'the status strategy keeps the old spec');
      assert.equal(stored.metadata.generation, 1, 'a status write does not move generation');
    });

    it('keeps the stored status on a PUT to the main resource that changes status', async function () {
      const current = await getJson(server, path);
      const res = await server.request('PUT', path, { body: { ...current, status: { replicas: 42 } } });
      assert.equal(res.status, 200, res.body);
      assert.deepEqual((await getJson(server, path)).status, reportedStatus);
    });

    it('does not move generation for a label change', async function () {
      await server.kubectl.run(['label', '-n', NS, 'deployment', 'status-web', 'touched=yes']);
      assert.equal((await getJson(server, path)).metadata.generation, 1);
    });

    it('moves generation by one for a spec change made through the main resource', async function () {
      await server.kubectl.run(['patch', '-n', NS, 'deployment', 'status-web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']);
      const stored = await getJson(server, path);
      assert.equal(stored.metadata.generation, 2);
      assert.deepEqual(stored.status, reportedStatus, 'the spec write kept status');
    });

    it('moves a Deployment\'s generation for an annotation change, as the deployment strategy does', async function () {
      await server.kubectl.run(['annotate', '-n', NS, 'deployment', 'status-web', 'example.com/note=x']);
      assert.equal((await getJson(server, path)).metadata.generation, 3);
    });

    it('patches status with kubectl patch --subresource=status, leaving generation alone', async function () {
      const before = await getJson(server, path);
      const out = await server.kubectl.run([
        'patch', '-n', NS, 'deployment', 'status-web', '--subresource=status', '--type=merge', '-p', '{"status":{"observedGeneration":2}}',
      ]);
      assert.equal(out.stdout.trim(), 'deployment.apps/status-web patched');
      const stored = await getJson(server, path);
      assert.equal(stored.status.observedGeneration, 2);
      assert.equal(stored.metadata.generation, before.metadata.generation);
    });

    it('ignores a spec change sent as a merge patch to /status', async function () {
      const res = await server.request('PATCH', `${path}/status`, {
        body: { spec: { replicas: 7 }, status: { readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 0 } },
        headers: { 'content-type': 'application/merge-patch+json' },
      });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, path);
      assert.equal(stored.spec.replicas, 2);
      assert.equal(stored.status.readyReplicas, 2);
    });

    it('keeps a pod\'s status on a main-resource update and changes it through /status', async function () {
      const created = await expectCreated(server, PODS, pod('status-pod'));
      assert.deepEqual(created.status, { phase: 'Pending', qosClass: 'BestEffort' });
      const withStatus = { ...created, status: { ...created.status, phase: 'Running', podIP: '10.1.2.3' } };
      let res = await server.request('PUT', `${PODS}/status-pod`, { body: withStatus });
      assert.equal(res.status, 200, res.body);
      assert.equal((await getJson(server, `${PODS}/status-pod`)).status.phase, 'Pending');
      const current = await getJson(server, `${PODS}/status-pod`);
      res = await server.request('PUT', `${PODS}/status-pod/status`, { body: { ...current, status: { ...current.status, phase: 'Running', podIP: '10.1.2.3' } } });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, `${PODS}/status-pod`);
      assert.equal(stored.status.phase, 'Running');
      assert.equal(stored.status.podIP, '10.1.2.3');
      assert.equal(stored.status.qosClass, 'BestEffort');
    });
  });

  describe('scale', function () {
    before(async function () {
      await expectCreated(server, DEPLOYMENTS, deployment('scale-web', 2));
      await expectCreated(server, REPLICASETS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'scale-rs' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'scale-rs' } }, template: podTemplate('scale-rs') },
      });
      await expectCreated(server, REPLICATIONCONTROLLERS, {
        apiVersion: 'v1',
        kind: 'ReplicationController',
        metadata: { name: 'scale-rc' },
        spec: { replicas: 1, selector: { app: 'scale-rc' }, template: podTemplate('scale-rc') },
      });
      await expectCreated(server, STATEFULSETS, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'scale-sts' },
        spec: { replicas: 1, serviceName: 'scale-sts', selector: { matchLabels: { app: 'scale-sts' } }, template: podTemplate('scale-sts') },
      });
    });

    it('serves a Deployment\'s autoscaling/v1 Scale with replicas and the selector as a string', async function () {
      const deploy = await getJson(server, `${DEPLOYMENTS}/scale-web`);
      const scale = await getJson(server, `${DEPLOYMENTS}/scale-web/scale`);
      assert.equal(scale.apiVersion, 'autoscaling/v1');
      assert.equal(scale.kind, 'Scale');
      assert.equal(scale.metadata.name, 'scale-web');
      assert.equal(scale.metadata.namespace, NS);
      assert.equal(scale.metadata.uid, deploy.metadata.uid);
      assert.equal(scale.metadata.resourceVersion, deploy.metadata.resourceVersion);
      assert.deepEqual(scale.spec, { replicas: 2 });
      assert.deepEqual(scale.status, { replicas: 0, selector: 'app=scale-web' });
    });

    for (const [kind, resource, name, path] of [
      ['deployment', 'deployment.apps', 'scale-web', DEPLOYMENTS],
      ['replicaset', 'replicaset.apps', 'scale-rs', REPLICASETS],
      ['statefulset', 'statefulset.apps', 'scale-sts', STATEFULSETS],
      ['replicationcontroller', 'replicationcontroller', 'scale-rc', REPLICATIONCONTROLLERS],
    ] as const) {
      it(`scales a ${kind} with kubectl scale`, async function () {
        const out = await server.kubectl.run(['scale', '-n', NS, `${kind}/${name}`, '--replicas=4']);
        assert.equal(out.stdout.trim(), `${resource}/${name} scaled`);
        const obj = await getJson(server, `${path}/${name}`);
        assert.equal(obj.spec.replicas, 4);
        assert.equal((await getJson(server, `${path}/${name}/scale`)).spec.replicas, 4);
      });
    }

    it('moves a Deployment\'s generation when scaled (replicas are spec)', async function () {
      assert.equal((await getJson(server, `${DEPLOYMENTS}/scale-web`)).metadata.generation, 2);
    });

    it('updates replicas with a Scale PUT carrying the current resourceVersion', async function () {
      const scale = await getJson(server, `${DEPLOYMENTS}/scale-web/scale`);
      const res = await server.request('PUT', `${DEPLOYMENTS}/scale-web/scale`, { body: { ...scale, spec: { replicas: 6 } } });
      assert.equal(res.status, 200, res.body);
      const answered = res.json<Json>();
      assert.equal(answered.kind, 'Scale');
      assert.equal(answered.spec.replicas, 6);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/scale-web`)).spec.replicas, 6);
    });

    it('refuses a Scale PUT with a stale resourceVersion with 409 Conflict on deployments.apps', async function () {
      const stale = await getJson(server, `${DEPLOYMENTS}/scale-web/scale`);
      await server.kubectl.run(['scale', '-n', NS, 'deployment/scale-web', '--replicas=7']);
      const res = await server.request('PUT', `${DEPLOYMENTS}/scale-web/scale`, { body: { ...stale, spec: { replicas: 1 } } });
      const status = assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on deployments.apps "scale-web": ${OPTIMISTIC_LOCK}`,
      });
      assert.deepEqual(status.details, { name: 'scale-web', group: 'apps', kind: 'deployments' });
      assert.equal((await getJson(server, `${DEPLOYMENTS}/scale-web`)).spec.replicas, 7);
    });

    it('refuses kubectl scale --resource-version with an old version (precondition checked on the Scale)', async function () {
      const out = await server.kubectl.run(['scale', '-n', NS, 'deployment/scale-web', '--replicas=2', '--resource-version=1'], { allowFailure: true });
      assert.notEqual(out.code, 0, out.stdout);
      assert.match(out.stderr, /Expected resource version to be 1, was \d+/);
      assert.equal((await getJson(server, `${DEPLOYMENTS}/scale-web`)).spec.replicas, 7);
    });

    it('refuses negative replicas in a Scale with 422', async function () {
      const scale = await getJson(server, `${DEPLOYMENTS}/scale-web/scale`);
      const res = await server.request('PUT', `${DEPLOYMENTS}/scale-web/scale`, { body: { ...scale, spec: { replicas: -1 } } });
      const status = assertStatus(res, {
        code: 422,
        reason: 'Invalid',
        message: 'Scale.autoscaling "scale-web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      });
      assert.equal(status.details?.causes?.[0]?.field, 'spec.replicas');
    });
  });

  describe('pods/binding', function () {
    before(async function () {
      await expectCreated(server, PODS, pod('bind-me'));
    });

    it('sets spec.nodeName and the PodScheduled condition when a Binding is POSTed', async function () {
      const res = await server.request('POST', `${PODS}/bind-me/binding`, {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } },
      });
      assert.equal(res.status, 201, res.body);
      const answer = res.json<Json>();
      assert.equal(answer.kind, 'Status');
      assert.equal(answer.status, 'Success');
      const stored = await getJson(server, `${PODS}/bind-me`);
      assert.equal(stored.spec.nodeName, 'node-a');
      const scheduled = (stored.status.conditions ?? []).find((c: Json) => c.type === 'PodScheduled');
      assert.equal(scheduled?.status, 'True', JSON.stringify(stored.status));
    });

    it('shows the node in kubectl get pods -o wide', async function () {
      const out = await server.kubectl.run(['get', 'pod', 'bind-me', '-n', NS, '-o', 'jsonpath={.spec.nodeName}']);
      assert.equal(out.stdout, 'node-a');
    });

    it('refuses to bind an already bound pod with 409 naming the node', async function () {
      const res = await server.request('POST', `${PODS}/bind-me/binding`, {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'node-b' } },
      });
      const status = assertStatus(res, {
        code: 409,
        reason: 'Conflict',
        message: 'Operation cannot be fulfilled on pods/binding "bind-me": pod bind-me is already assigned to node "node-a"',
      });
      assert.deepEqual(status.details, { name: 'bind-me', kind: 'pods/binding' });
      assert.equal((await getJson(server, `${PODS}/bind-me`)).spec.nodeName, 'node-a');
    });

    it('refuses a Binding for a pod that does not exist with 404', async function () {
      const res = await server.request('POST', `${PODS}/no-such-pod/binding`, {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'no-such-pod' }, target: { kind: 'Node', name: 'node-a' } },
      });
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'pods "no-such-pod" not found' });
    });
  });

  describe('pods/eviction', function () {
    it('deletes the pod when an Eviction is POSTed (201 Success)', async function () {
      await expectCreated(server, PODS, pod('evict-me'));
      const res = await server.request('POST', `${PODS}/evict-me/eviction`, {
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evict-me', namespace: NS } },
      });
      assert.equal(res.status, 201, res.body);
      const answer = res.json<Json>();
      assert.equal(answer.kind, 'Status');
      assert.equal(answer.status, 'Success');
      assert.ok(await isGone(server, `${PODS}/evict-me`), 'an unscheduled pod is deleted at once');
    });

    it('answers an Eviction of a missing pod with 404', async function () {
      const res = await server.request('POST', `${PODS}/never-was/eviction`, {
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'never-was', namespace: NS } },
      });
      assertStatus(res, { code: 404, reason: 'NotFound', message: 'pods "never-was" not found' });
    });
  });

  describe('pods/ephemeralcontainers', function () {
    const path = `${PODS}/debug-me`;
    const ephemeral = (name: string, extra: Json = {}) => ({ name, image: 'busybox:1.36', command: ['sleep', '1d'], ...extra });
    const patchEphemeral = (body: Json, type = 'application/strategic-merge-patch+json') =>
      server.request('PATCH', `${path}/ephemeralcontainers`, { body, headers: { 'content-type': type } });

    before(async function () {
      await expectCreated(server, PODS, pod('debug-me'));
    });

    it('adds a debug container with kubectl debug, recording the subresource in managedFields', async function () {
      const out = await server.kubectl.run(['-n', NS, 'debug', 'debug-me', '--image=busybox:1.36', '--target=web', '--profile=general', '--', 'sleep', '1d']);
      assert.match(out.stderr + out.stdout, /Defaulting debug container name to debugger-[a-z0-9]{5}\./);
      const stored = await getJson(server, path);
      const [ec] = stored.spec.ephemeralContainers;
      assert.match(ec.name, /^debugger-[a-z0-9]{5}$/);
      assert.equal(ec.targetContainerName, 'web');
      assert.equal(ec.terminationMessagePath, '/dev/termination-log', 'ephemeral containers are defaulted like the others');
      assert.ok(stored.metadata.managedFields.some((m: Json) => m.subresource === 'ephemeralcontainers'));
    });

    it('GETs the pod through /ephemeralcontainers', async function () {
      const viaSub = await getJson(server, `${path}/ephemeralcontainers`);
      assert.equal(viaSub.kind, 'Pod');
      assert.equal(viaSub.spec.ephemeralContainers.length, 1);
    });

    it('changes nothing but ephemeral containers through the subresource', async function () {
      const res = await patchEphemeral({ metadata: { labels: { sneaky: 'yes' } }, spec: { activeDeadlineSeconds: 5, ephemeralContainers: [ephemeral('second')] } });
      assert.equal(res.status, 200, res.body);
      const stored = await getJson(server, path);
      assert.equal(stored.metadata.labels?.sneaky, undefined);
      assert.equal(stored.spec.activeDeadlineSeconds, undefined);
      const names = stored.spec.ephemeralContainers.map((c: Json) => c.name as string);
      assert.equal(names.length, 2);
      assert.ok(names.includes('second'), JSON.stringify(names));
    });

    it('refuses removing or changing an existing ephemeral container with 422 Forbidden', async function () {
      const index = (await getJson(server, path)).spec.ephemeralContainers.findIndex((c: Json) => c.name === 'second');
      const removed = await patchEphemeral([{ op: 'remove', path: `/spec/ephemeralContainers/${index}` }], 'application/json-patch+json');
      assertStatus(removed, { code: 422, reason: 'Invalid', message: 'Pod "debug-me" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "second" may not be removed\n' });
      const changed = await patchEphemeral({ spec: { ephemeralContainers: [{ name: 'second', image: 'busybox:1.37' }] } });
      const status = assertStatus(changed, { code: 422, reason: 'Invalid' });
      assert.equal(status.details?.causes?.[0]?.field, 'spec.ephemeralContainers[second]');
      assert.match(status.details?.causes?.[0]?.message ?? '', /^Forbidden: existing ephemeral containers "second" may not be changed\n/);
    });

    it('refuses what an ephemeral container may not have: workload fields, a missing target, a taken name', async function () {
      const res = await patchEphemeral({ spec: { ephemeralContainers: [ephemeral('web', { ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ['true'] } }, targetContainerName: 'nope' })] } });
      const status = assertStatus(res, { code: 422, reason: 'Invalid' });
      // Where the patch puts the new container in the list is the strategic merge's business.
      const causes = (status.details?.causes ?? []).map((c) => `${(c.field ?? '').replace(/^spec\.ephemeralContainers\[\d+\]/, 'spec.ephemeralContainers[i]')}: ${c.message}`);
      for (const expected of [
        'spec.ephemeralContainers[i].name: Duplicate value: "web"',
        'spec.ephemeralContainers[i].targetContainerName: Not found: "nope"',
        'spec.ephemeralContainers[i].ports: Forbidden: cannot be set for an Ephemeral Container',
        'spec.ephemeralContainers[i].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
      ]) {
        assert.ok(causes.includes(expected), `${expected} among ${JSON.stringify(causes)}`);
      }
    });

    it('refuses adding an ephemeral container through the pod itself', async function () {
      const res = await server.request('PATCH', path, { body: { spec: { ephemeralContainers: [ephemeral('third')] } }, headers: { 'content-type': 'application/strategic-merge-patch+json' } });
      const status = assertStatus(res, { code: 422, reason: 'Invalid' });
      assert.equal(status.details?.causes?.[0]?.field, 'spec');
      assert.match(status.details?.causes?.[0]?.message ?? '', /^Forbidden: pod updates may not change fields other than /);
    });
  });
});

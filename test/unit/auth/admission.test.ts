import * as assert from 'node:assert/strict';
import { StatusError } from '../../../src/apierrors';
import type { Attributes } from '../../../src/admission/interface';
import { limitRanger } from '../../../src/admission/limitranger';
import { resolveAdmissionPlugins } from '../../../src/admission/plugins';
import { podConstraints, usageOf } from '../../../src/admission/quota/usage';
import { add, formatAmount, parseAmount, podAggregate, prettyPrint, resourceList } from '../../../src/admission/resources';
import { serviceAccountAdmission } from '../../../src/admission/serviceaccount';
import type { KubeObject } from '../../../src/meta/object';
import type { ResourceDescriptor } from '../../../src/resources/descriptor';

const PODS = { group: '', plural: 'pods', namespaced: true } as ResourceDescriptor;
const PVCS = { group: '', plural: 'persistentvolumeclaims', namespaced: true } as ResourceDescriptor;
const SERVICES = { group: '', plural: 'services', namespaced: true } as ResourceDescriptor;
const DEPLOYMENTS = { group: 'apps', plural: 'deployments', namespaced: true } as ResourceDescriptor;

function pod(containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { ...extra, containers: containers.map((c) => ({ name: c.name, image: 'x', resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } })) },
  };
}

function attrs(resource: ResourceDescriptor, object: KubeObject, operation: Attributes['operation'] = 'CREATE'): Attributes {
  return { operation, resource, subresource: '', namespace: 'ns', name: object.metadata.name ?? '', object, user: { name: 'u', groups: [] }, dryRun: false };
}

function forbidden(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof StatusError && e.code === 403 && e.message === message);
}

const LIMIT_RANGE: KubeObject = {
  metadata: { name: 'lr', namespace: 'ns' },
  spec: {
    limits: [
      { type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' }, max: { cpu: '1' }, min: { cpu: '50m' }, maxLimitRequestRatio: { cpu: '4' } },
      { type: 'Pod', max: { memory: '1Gi' } },
      { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
    ],
  },
};

describe('admission plugins', function () {
  describe('quantities', function () {
    it('adds exactly and prints in the first operand format, canonically', function () {
      const sum = (a: string, b: string) => formatAmount(add(resourceList({ x: a }), resourceList({ x: b })).get('x')!);
      assert.equal(sum('100m', '900m'), '1');
      assert.equal(sum('1Gi', '512Mi'), '1536Mi');
      assert.equal(sum('0.5', '250m'), '750m');
      assert.equal(sum('1', '1'), '2');
      assert.equal(formatAmount(parseAmount('1024Mi')!), '1Gi');
      assert.equal(prettyPrint(resourceList({ pods: '2', 'limits.cpu': '1500m' })), 'limits.cpu=1500m,pods=2');
    });

    it('computes pod requests as containers plus sidecars, or the largest init step', function () {
      const spec = {
        containers: [{ resources: { requests: { cpu: '100m' } } }, { resources: { requests: { cpu: '200m' } } }],
        initContainers: [{ resources: { requests: { cpu: '1' } } }, { restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }],
      };
      assert.equal(formatAmount(podAggregate(spec, 'requests').get('cpu')!), '1');
      const small = { ...spec, initContainers: [{ resources: { requests: { cpu: '100m' } } }, { restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }] };
      assert.equal(formatAmount(podAggregate(small, 'requests').get('cpu')!), '350m');
    });
  });

  describe('LimitRanger', function () {
    const plugin = limitRanger(() => [structuredClone(LIMIT_RANGE)]);

    it('fills missing requests and limits from the Container defaults and says so in an annotation', async function () {
      const p = pod([{ name: 'app', requests: { cpu: '200m' } }]);
      await plugin.admit!(attrs(PODS, p));
      const c = (p.spec as { containers: { resources: unknown }[] }).containers[0];
      assert.deepEqual(c.resources, { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
      assert.equal(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: memory request for container app; cpu, memory limit for container app');
    });

    it('refuses containers above max, below min and over the ratio, all reasons at once', function () {
      const p = pod([{ name: 'app', requests: { cpu: '10m', memory: '256Mi' }, limits: { cpu: '2', memory: '256Mi' } }]);
      forbidden(
        () => plugin.validate!(attrs(PODS, p)),
        'pods "p" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, maximum cpu usage per Container is 1, but limit is 2, cpu max limit to request ratio per Container is 4, but provided ratio is 200.000000]',
      );
    });

    it('checks Pod limits on the sum of the containers', function () {
      const p = pod([
        { name: 'a', requests: { cpu: '100m', memory: '600Mi' }, limits: { cpu: '100m', memory: '600Mi' } },
        { name: 'b', requests: { cpu: '100m', memory: '600Mi' }, limits: { cpu: '100m', memory: '600Mi' } },
      ]);
      forbidden(() => plugin.validate!(attrs(PODS, p)), 'pods "p" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi');
    });

    it('checks claims against PersistentVolumeClaim min and max, naming a generateName before the name is drawn', function () {
      const claim = (storage: string): KubeObject => ({ metadata: { generateName: 'data-', namespace: 'ns' }, spec: { resources: { requests: { storage } } } });
      forbidden(() => plugin.validate!(attrs(PVCS, claim('20Gi'))), 'persistentvolumeclaims "data-" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
      forbidden(() => plugin.validate!(attrs(PVCS, claim('500Mi'))), 'persistentvolumeclaims "data-" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
      assert.doesNotThrow(() => plugin.validate!(attrs(PVCS, claim('5Gi'))));
    });

    it('leaves pod updates alone (containers cannot change)', async function () {
      const p = pod([{ name: 'app', limits: { cpu: '5' } }]);
      await plugin.admit!(attrs(PODS, p, 'UPDATE'));
      assert.doesNotThrow(() => plugin.validate!(attrs(PODS, p, 'UPDATE')));
    });
  });

  describe('ServiceAccount', function () {
    const accounts = new Map<string, KubeObject>([
      ['ns/default', { metadata: { name: 'default', namespace: 'ns' }, imagePullSecrets: [{ name: 'regcred' }] }],
      ['ns/quiet', { metadata: { name: 'quiet', namespace: 'ns' }, automountServiceAccountToken: false }],
    ]);
    const plugin = serviceAccountAdmission((ns, name) => accounts.get(`${ns}/${name}`));

    it('assigns the default account, mounts the projected token volume in every container and copies pull secrets', async function () {
      const p = pod([{ name: 'a' }, { name: 'b' }]);
      await plugin.admit!(attrs(PODS, p));
      const spec = p.spec as Record<string, any>;
      assert.equal(spec.serviceAccountName, 'default');
      assert.equal(spec.volumes.length, 1);
      const volume = spec.volumes[0];
      assert.match(volume.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(volume.projected.sources.map((s: object) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
      assert.equal(volume.projected.defaultMode, 420);
      for (const c of spec.containers) assert.deepEqual(c.volumeMounts, [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: volume.name, readOnly: true }]);
      assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
      await plugin.validate!(attrs(PODS, p));
    });

    it('does not mount when the account opts out', async function () {
      const p = pod([{ name: 'a' }], { serviceAccountName: 'quiet' });
      await plugin.admit!(attrs(PODS, p));
      assert.equal((p.spec as { volumes?: unknown }).volumes, undefined);
    });

    it('refuses a pod whose account does not exist', async function () {
      const p = pod([{ name: 'a' }], { serviceAccountName: 'ghost' });
      await assert.rejects(plugin.admit!(attrs(PODS, p)) as Promise<void>, (e: unknown) => e instanceof StatusError && e.code === 403 && e.message === 'pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found');
    });
  });

  describe('ResourceQuota usage', function () {
    const now = new Date();
    it('counts a pod, its requests and limits, and nothing for a finished pod but count/pods', function () {
      const p = pod([{ name: 'a', requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m' } }]);
      assert.equal(prettyPrint(usageOf(PODS, p, now)), 'count/pods=1,cpu=250m,limits.cpu=500m,memory=1Gi,pods=1,requests.cpu=250m,requests.memory=1Gi');
      const done = { ...p, status: { phase: 'Succeeded' } };
      assert.equal(prettyPrint(usageOf(PODS, done, now)), 'count/pods=1');
    });

    it('counts node ports and load balancers of services, and objects of any group', function () {
      const svc: KubeObject = { metadata: { name: 's' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { port: 443 }] } };
      assert.equal(prettyPrint(usageOf(SERVICES, svc, now)), 'count/services=1,services=1,services.loadbalancers=1,services.nodeports=2');
      assert.equal(prettyPrint(usageOf(DEPLOYMENTS, { metadata: { name: 'd' } }, now)), 'count/deployments.apps=1');
    });

    it('requires explicit cpu and memory values per container when a quota tracks them', function () {
      const p = pod([{ name: 'a', requests: { cpu: '1' } }, { name: 'b' }]);
      assert.equal(podConstraints(['requests.cpu', 'limits.memory', 'pods'], p), 'must specify limits.memory for: a,b; requests.cpu for: b');
      assert.equal(podConstraints(['pods'], p), undefined);
    });
  });

  describe('plugin selection', function () {
    it('adds --enable-admission-plugins to the defaults, removes the disabled ones, in upstream order', function () {
      assert.deepEqual(resolveAdmissionPlugins([], []).enabled, ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'ResourceQuota']);
      assert.deepEqual(resolveAdmissionPlugins(['AlwaysDeny', 'NodeRestriction'], ['LimitRanger']), { enabled: ['NamespaceLifecycle', 'ServiceAccount', 'ResourceQuota', 'AlwaysDeny'], ignored: ['NodeRestriction'] });
      assert.throws(() => resolveAdmissionPlugins(['Bogus'], []), /enable-admission-plugins plugin "Bogus" is unknown/);
      assert.throws(() => resolveAdmissionPlugins(['LimitRanger'], ['LimitRanger']), /overlapped/);
    });
  });
});

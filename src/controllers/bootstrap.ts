import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';

/** SYSTEM_NAMESPACES exist in every cluster; kube-apiserver's system namespaces controller makes them. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export interface BootstrapOptions {
  registry: Registry;
  /** serviceIP is the first address of --service-cluster-ip-range. */
  serviceIP: string;
  /** endpointIP and endpointPort are where clients in the cluster reach this server. */
  endpointIP: string;
  endpointPort: number;
}

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] } };

async function ensure(registry: Registry, group: string, plural: string, namespace: string, obj: KubeObject): Promise<void> {
  const store = registry.storeFor(group, plural);
  if (!store) throw new Error(`bootstrap: no store for ${plural}`);
  try {
    await store.create({ ...SYSTEM, namespace }, obj);
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'AlreadyExists') return;
    throw e;
  }
}

/**
 * bootstrap creates what kube-apiserver's bootstrap controllers create: the system namespaces
 * and, in default, the `kubernetes` Service with Endpoints pointing at this server. Existing
 * objects are left alone, so restarts keep what users changed.
 */
export async function bootstrap(opts: BootstrapOptions): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(opts.registry, '', 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await ensure(opts.registry, '', 'services', 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: opts.serviceIP,
      clusterIPs: [opts.serviceIP],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.endpointPort }],
      sessionAffinity: 'None',
      ipFamilies: [opts.serviceIP.includes(':') ? 'IPv6' : 'IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
  });
  await reconcileEndpoints(opts);
}

/** reconcileEndpoints points the kubernetes Endpoints at this server, fixing a stale address. */
async function reconcileEndpoints(opts: BootstrapOptions): Promise<void> {
  const store = opts.registry.storeFor('', 'endpoints');
  if (!store) throw new Error('bootstrap: no store for endpoints');
  const desired = [{ addresses: [{ ip: opts.endpointIP }], ports: [{ name: 'https', port: opts.endpointPort, protocol: 'TCP' }] }];
  await store.update({ ...SYSTEM, namespace: 'default' }, 'kubernetes', (current) => {
    const obj: KubeObject = current ?? {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    };
    obj.subsets = desired;
    return obj;
  });
}

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
  /**
   * endpointIP and endpointPort are where clients in the cluster reach this server; the port is
   * the Service's targetPort. The Endpoints themselves belong to APIServerLeaseController
   * (apiserverleases.ts), which lists every live server.
   */
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
    // Another server sharing the storage may be bootstrapping at the same moment: its object
    // wins (its Service took the ClusterIP first, say) and ours is not needed.
    if (await exists(store, namespace, obj.metadata.name ?? '')) return;
    throw e;
  }
}

async function exists(store: NonNullable<ReturnType<Registry['storeFor']>>, namespace: string, name: string): Promise<boolean> {
  try {
    await store.get({ ...SYSTEM, namespace }, name);
    return true;
  } catch {
    return false;
  }
}

/**
 * bootstrap creates what kube-apiserver's bootstrap controllers create: the system namespaces
 * and, in default, the `kubernetes` Service. Its Endpoints, which list every live server, are
 * reconciled by APIServerLeaseController. Existing objects are left alone, so restarts keep what
 * users changed.
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
}

/** APIServerEndpoint is where one API server is reached: its advertise address and secure port. */
export interface APIServerEndpoint {
  ip: string;
  port: number;
}

/**
 * reconcileEndpoints makes the kubernetes Endpoints list exactly these servers (one subset per
 * port, addresses sorted), writing nothing when they already do.
 */
export async function reconcileEndpoints(registry: Registry, servers: readonly APIServerEndpoint[]): Promise<void> {
  const store = registry.storeFor('', 'endpoints');
  if (!store) throw new Error('bootstrap: no store for endpoints');
  const byPort = new Map<number, Set<string>>();
  for (const s of servers) byPort.set(s.port, (byPort.get(s.port) ?? new Set()).add(s.ip));
  const desired = [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ips]) => ({ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }));
  await store.update({ ...SYSTEM, namespace: 'default' }, 'kubernetes', (current) => {
    const obj: KubeObject = current ?? {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    };
    if (desired.length) obj.subsets = desired;
    else delete obj.subsets;
    return obj;
  });
}

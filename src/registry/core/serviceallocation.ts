/**
 * Service ClusterIP and NodePort allocation, as kube-apiserver's service REST storage does it
 * (pkg/registry/core/service/storage/alloc.go). Each ClusterIP is an IPAddress object
 * (networking.k8s.io, as the MultiCIDRServiceAllocator keeps them) and each node port a record
 * under /registry/ranges/servicenodeports/, both created with compare-and-swap: two servers, or
 * two concurrent creates, can never take the same value, and allocations survive restarts.
 */
import { FieldError, StatusError, invalid, newInternalError, newInvalid } from '../../apierrors';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { isStorageError } from '../../storage/errors';
import type { Storage } from '../../storage/interface';
import type { RequestContext } from '../context';
import type { Finish } from '../strategy';
import { IPv4Range, PortRange, candidates } from './allocator';

/** StoreAccess is the little a service needs of the registry: the IPAddress store. */
export interface IPAddressStore {
  create(ctx: RequestContext, obj: KubeObject): Promise<unknown>;
  delete(ctx: RequestContext, name: string): Promise<unknown>;
  exists(name: string): boolean;
  parentOf(name: string): string | undefined;
}

export interface ServiceAllocatorOptions {
  ipRange: IPv4Range;
  nodePortRange: PortRange;
  ipAddresses: () => IPAddressStore;
  storage: Storage;
  keyRoot: string;
}

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiserver', groups: ['system:masters'] } };
const SERVICE_KIND = { group: '', kind: 'Service' };

type Obj = Record<string, unknown>;

function ports(spec: Obj): Obj[] {
  return Array.isArray(spec.ports) ? spec.ports.filter(isPlainObject) : [];
}

function needsNodePorts(spec: Obj): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function needsHealthCheckPort(spec: Obj): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function ownerOf(svc: KubeObject): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

/** ServiceAllocator reserves and releases ClusterIPs and node ports for services. */
export class ServiceAllocator {
  constructor(private readonly o: ServiceAllocatorOptions) {}

  private portKey(port: number): string {
    return `${this.o.keyRoot}/ranges/servicenodeports/${port}`;
  }

  // ---- cluster IPs ----

  private async allocateIP(svc: KubeObject, requested: string | undefined, dryRun: boolean): Promise<string> {
    const name = svc.metadata.name ?? '';
    const store = this.o.ipAddresses();
    const range = this.o.ipRange;
    // Upstream's allocIPs reports on spec.clusterIPs with the whole list as the value (the
    // strategy has already filled clusterIPs from clusterIP).
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    const clusterIPs = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : [requested];
    const fail = (ip: string, why: string) =>
      newInvalid(SERVICE_KIND, name, [invalid('spec.clusterIPs', clusterIPs, `failed to allocate IP ${ip}: ${why}`)]);
    const tryTake = async (ip: string): Promise<boolean> => {
      if (store.exists(ip)) return false;
      if (dryRun) return true;
      try {
        await store.create(SYSTEM, ipAddressObject(ip, svc));
        return true;
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'AlreadyExists') return false;
        throw e;
      }
    };
    if (requested) {
      // The MetaAllocator (MultiCIDRServiceAllocator, GA) finds no range for an address outside
      // every service CIDR; the range's own allocator refuses its network and broadcast addresses.
      if (!range.inPrefix(requested)) throw fail(requested, 'the provided network does not match the current range');
      if (!range.contains(requested)) throw fail(requested, `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.cidr}`);
      if (!(await tryTake(requested))) throw fail(requested, 'provided IP is already allocated');
      return requested;
    }
    for (const offset of candidates(range.size)) {
      const ip = range.at(offset);
      if (await tryTake(ip)) return ip;
    }
    throw newInternalError(new Error('failed to allocate a serviceIP: range is full'));
  }

  private async releaseIP(ip: string, owner: string): Promise<void> {
    const store = this.o.ipAddresses();
    if (!ip || ip === 'None' || store.parentOf(ip) !== owner) return;
    try {
      await store.delete(SYSTEM, ip);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  // ---- node ports ----

  private async takePort(port: number, owner: string, dryRun: boolean): Promise<boolean> {
    if (dryRun) return !(await this.o.storage.get(this.portKey(port)));
    try {
      await this.o.storage.create(this.portKey(port), { apiVersion: 'v1', kind: 'NodePortAllocation', metadata: { name: String(port) }, owner });
      return true;
    } catch (e) {
      if (isStorageError(e, 'KeyExists')) return false;
      throw e;
    }
  }

  private async releasePort(port: number, owner: string): Promise<void> {
    const key = this.portKey(port);
    const current = await this.o.storage.get(key);
    if (!current || (JSON.parse(current.value) as { owner?: string }).owner !== owner) return;
    try {
      await this.o.storage.delete(key);
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound')) throw e;
    }
  }

  private async allocatePort(field: string, requested: number | undefined, owner: string, name: string, dryRun: boolean): Promise<number> {
    const range = this.o.nodePortRange;
    if (requested) {
      if (!range.contains(requested)) {
        throw newInvalid(SERVICE_KIND, name, [invalid(field, requested, `provided port is not in the valid range. The range of valid ports is ${range}`)]);
      }
      if (!(await this.takePort(requested, owner, dryRun))) throw newInvalid(SERVICE_KIND, name, [invalid(field, requested, 'provided port is already allocated')]);
      return requested;
    }
    for (const offset of candidates(range.size)) {
      const port = range.base + offset;
      if (await this.takePort(port, owner, dryRun)) return port;
    }
    throw newInternalError(new Error('failed to allocate a nodePort: range is full'));
  }

  // ---- lifecycle ----

  /** beginCreate assigns the ClusterIP, IP families and node ports of a new service. */
  async beginCreate(ctx: RequestContext, svc: KubeObject): Promise<Finish> {
    const spec = isPlainObject(svc.spec) ? svc.spec : (svc.spec = {});
    const owner = ownerOf(svc);
    const takenIPs: string[] = [];
    const takenPorts: number[] = [];
    const finish: Finish = async (ok) => {
      if (ok || ctx.dryRun) return;
      for (const ip of takenIPs) await this.releaseIP(ip, owner);
      for (const p of takenPorts) await this.releasePort(p, owner);
    };
    try {
      if (spec.type === 'ExternalName') return finish;
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.ipFamilies ??= ['IPv4'];
      const requested = (typeof spec.clusterIP === 'string' && spec.clusterIP) || (Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string' ? spec.clusterIPs[0] : '');
      if (requested === 'None') {
        spec.clusterIP = 'None';
        spec.clusterIPs = ['None'];
      } else {
        const ip = await this.allocateIP(svc, requested || undefined, ctx.dryRun === true);
        takenIPs.push(ip);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
      await this.allocateNodePorts(ctx, svc, spec, undefined, takenPorts);
      return finish;
    } catch (e) {
      await finish(false);
      throw e;
    }
  }

  private async allocateNodePorts(ctx: RequestContext, svc: KubeObject, spec: Obj, oldSpec: Obj | undefined, taken: number[]): Promise<void> {
    const owner = ownerOf(svc);
    const name = svc.metadata.name ?? '';
    const dryRun = ctx.dryRun === true;
    const held = new Set<number>(oldSpec ? heldPorts(oldSpec) : []);
    if (needsNodePorts(spec)) {
      const list = ports(spec);
      for (let i = 0; i < list.length; i++) {
        const p = list[i];
        const want = typeof p.nodePort === 'number' && p.nodePort > 0 ? p.nodePort : undefined;
        if (want !== undefined && held.has(want)) continue;
        const port = await this.allocatePort(`spec.ports[${i}].nodePort`, want, owner, name, dryRun);
        p.nodePort = port;
        taken.push(port);
      }
    } else {
      for (const p of ports(spec)) delete p.nodePort;
    }
    if (needsHealthCheckPort(spec)) {
      const want = typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0 ? spec.healthCheckNodePort : undefined;
      if (want === undefined || !held.has(want)) {
        spec.healthCheckNodePort = await this.allocatePort('spec.healthCheckNodePort', want, owner, name, dryRun);
        taken.push(spec.healthCheckNodePort as number);
      }
    } else {
      delete spec.healthCheckNodePort;
    }
  }

  /**
   * beginUpdate keeps what the service already holds when the client leaves it out (upstream's
   * patchAllocatedValues), refuses a changed ClusterIP, and reserves newly needed node ports.
   */
  async beginUpdate(ctx: RequestContext, svc: KubeObject, old: KubeObject): Promise<Finish> {
    const spec = isPlainObject(svc.spec) ? svc.spec : (svc.spec = {});
    const oldSpec = isPlainObject(old.spec) ? old.spec : {};
    const owner = ownerOf(svc);
    const name = svc.metadata.name ?? '';
    if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
      if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
      if (!Array.isArray(spec.clusterIPs) && Array.isArray(oldSpec.clusterIPs)) spec.clusterIPs = oldSpec.clusterIPs;
      spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
      spec.ipFamilies ??= oldSpec.ipFamilies;
      if (oldSpec.clusterIP && spec.clusterIP !== oldSpec.clusterIP) {
        throw newInvalid(SERVICE_KIND, name, [new FieldError('Invalid', 'spec.clusterIPs[0]', spec.clusterIPs ?? [spec.clusterIP], 'may not change once set')]);
      }
      if (needsNodePorts(spec) && needsNodePorts(oldSpec)) {
        const byPort = new Map(ports(oldSpec).map((p) => [`${String(p.port)}/${String(p.protocol)}`, p.nodePort]));
        for (const p of ports(spec)) if (p.nodePort === undefined) p.nodePort = byPort.get(`${String(p.port)}/${String(p.protocol)}`);
      }
      if (needsHealthCheckPort(spec) && needsHealthCheckPort(oldSpec)) spec.healthCheckNodePort ??= oldSpec.healthCheckNodePort;
    }
    const taken: number[] = [];
    await this.allocateNodePorts(ctx, svc, spec, oldSpec, taken);
    return async (ok) => {
      if (ctx.dryRun) return;
      if (!ok) {
        for (const p of taken) await this.releasePort(p, owner);
        return;
      }
      const still = new Set(heldPorts(spec));
      for (const p of heldPorts(oldSpec)) if (!still.has(p)) await this.releasePort(p, owner);
    };
  }

  /** afterDelete releases the ClusterIP and node ports of a deleted service. */
  async afterDelete(_ctx: RequestContext, svc: KubeObject): Promise<void> {
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    const owner = ownerOf(svc);
    for (const ip of Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP]) if (typeof ip === 'string') await this.releaseIP(ip, owner);
    for (const p of heldPorts(spec)) await this.releasePort(p, owner);
  }
}

function heldPorts(spec: Obj): number[] {
  const out: number[] = [];
  for (const p of ports(spec)) if (typeof p.nodePort === 'number' && p.nodePort > 0) out.push(p.nodePort);
  if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0) out.push(spec.healthCheckNodePort);
  return out;
}

function ipAddressObject(ip: string, svc: KubeObject): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1beta1',
    kind: 'IPAddress',
    metadata: {
      name: ip,
      labels: { 'ipaddress.kubernetes.io/ip-family': 'IPv4', 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' },
    },
    spec: { parentRef: { group: '', resource: 'services', namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' } },
  };
}

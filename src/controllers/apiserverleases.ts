/**
 * APIServerLeaseController gives each kapi server an identity Lease in kube-system, as
 * kube-apiserver's apiserver identity controller does (`apiserver-<hash>`, label
 * apiserver.kubernetes.io/identity=kube-apiserver), renews it periodically, and keeps the
 * `kubernetes` Endpoints in default listing every server whose lease is live — the job of
 * kube-apiserver's lease endpoint reconciler, which keeps its own 15 s master leases for it. A
 * server that dies drops out of the Endpoints once its lease expires; one that shuts down
 * removes itself at once. Every server runs the same reconciliation; they agree because they
 * read the same leases, and a reconciliation that changes nothing writes nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { StatusError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import type { Store } from '../registry/store';
import type { Logger } from '../server/status';
import { decode } from '../storage/codec';
import { reconcileEndpoints, type APIServerEndpoint } from './bootstrap';

/** IDENTITY_LABEL marks apiserver identity leases, with kube-apiserver's key and value. */
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const IDENTITY_VALUE = 'kube-apiserver';
/** ADDRESS_ANNOTATION and PORT_ANNOTATION say where the lease's holder serves (kapi's own). */
export const ADDRESS_ANNOTATION = 'kapi.io/advertise-address';
export const PORT_ANNOTATION = 'kapi.io/secure-port';
const LEASE_NAMESPACE = 'kube-system';
/** DEFAULT_LEASE_DURATION_SECONDS is kube-apiserver's master lease TTL for its Endpoints (15 s). */
export const DEFAULT_LEASE_DURATION_SECONDS = 15;
/** DEFAULT_RENEW_INTERVAL_SECONDS renews three times per lease, so one missed renewal never drops a server. */
export const DEFAULT_RENEW_INTERVAL_SECONDS = 5;
/** CHANGE_DEBOUNCE_MS lets a burst of lease changes cause one reconciliation. */
const CHANGE_DEBOUNCE_MS = 50;
/** STOP_TIMEOUT_MS bounds how long shutdown spends removing this server. */
const STOP_TIMEOUT_MS = 2_000;

const SYSTEM: RequestContext = { namespace: LEASE_NAMESPACE, user: { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] } };

export interface APIServerLeaseOptions {
  registry: Registry;
  log: Logger;
  hostname: string;
  /** address and port are this server's advertise address and secure port: its Endpoints entry. */
  address: string;
  port: number;
  leaseDurationSeconds?: number;
  renewIntervalSeconds?: number;
  /** now is the clock (tests move it). */
  now?: () => Date;
}

/**
 * identityLeaseName is `apiserver-` and a base32 hash, as kube-apiserver names its lease. Upstream
 * hashes the host name (one server per host); kapi adds address and port, since several servers
 * may share a host.
 */
export function identityLeaseName(hostname: string, address: string, port: number): string {
  const hash = createHash('sha256').update(`${hostname}/${address}:${port}`).digest().subarray(0, 16);
  return `apiserver-${base32(hash).toLowerCase()}`;
}

function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** microTime renders a metav1.MicroTime. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
}

export class APIServerLeaseController {
  readonly leaseName: string;
  private readonly holderIdentity: string;
  private readonly duration: number;
  private readonly interval: number;
  private readonly now: () => Date;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;
  private failing = false;
  private running?: Promise<void>;

  constructor(private readonly o: APIServerLeaseOptions) {
    this.leaseName = identityLeaseName(o.hostname, o.address, o.port);
    this.holderIdentity = `${this.leaseName}_${randomUUID()}`;
    this.duration = o.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    this.interval = o.renewIntervalSeconds ?? DEFAULT_RENEW_INTERVAL_SECONDS;
    this.now = o.now ?? (() => new Date());
  }

  private get leases(): Store {
    const s = this.o.registry.storeFor('coordination.k8s.io', 'leases');
    if (!s) throw new Error('apiserver leases: no store for leases');
    return s;
  }

  /** start takes the lease and reconciles the Endpoints once before it returns, then keeps at it. */
  async start(): Promise<void> {
    await this.renew();
    await this.reconcile();
    this.unsubscribe = this.leases.cache.subscribe((e) => {
      if (e.attrs.labels?.[IDENTITY_LABEL] !== IDENTITY_VALUE || e.key.endsWith(`/${this.leaseName}`)) return;
      // Another server joined or left: look again soon. Renewals change nothing until a lease
      // expires, which the periodic round notices.
      if (e.type === 'MODIFIED') return;
      if (!this.debounce && !this.stopped) {
        this.debounce = setTimeout(() => {
          this.debounce = undefined;
          this.kick(false);
        }, CHANGE_DEBOUNCE_MS);
        this.debounce.unref();
      }
    });
    this.timer = setInterval(() => this.kick(true), this.interval * 1000);
    this.timer.unref();
  }

  /** stop stops renewing, deletes this server's lease and takes it out of the Endpoints. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.unsubscribe?.();
    const leave = (async () => {
      await this.running;
      try {
        await this.leases.delete(SYSTEM, this.leaseName);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
      await this.reconcile();
    })();
    const timeout = new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref());
    await Promise.race([leave.catch((e: unknown) => this.o.log.error('apiserver leases: leaving the kubernetes Endpoints failed', e)), timeout]);
  }

  /** kick runs one round (renew when asked, then reconcile) unless one is running. */
  private kick(renew: boolean): void {
    if (this.stopped || this.running) return;
    this.running = (async () => {
      if (renew) await this.renew();
      await this.reconcile();
    })()
      .then(
        () => {
          if (this.failing) this.o.log.info('apiserver leases: renewing and reconciling again');
          this.failing = false;
        },
        (e: unknown) => {
          // Storage down: say so once, keep trying every interval.
          if (!this.failing) this.o.log.error('apiserver leases: renewal or reconciliation failed', e);
          this.failing = true;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** renew creates or renews this server's lease. */
  private async renew(): Promise<void> {
    const o = this.o;
    await this.leases.update(
      SYSTEM,
      this.leaseName,
      (current) => {
        const lease: KubeObject = current ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.leaseName, namespace: LEASE_NAMESPACE } };
        lease.metadata.labels = { ...lease.metadata.labels, [IDENTITY_LABEL]: IDENTITY_VALUE, 'kubernetes.io/hostname': o.hostname };
        lease.metadata.annotations = { ...lease.metadata.annotations, [ADDRESS_ANNOTATION]: o.address, [PORT_ANNOTATION]: String(o.port) };
        lease.spec = { ...(lease.spec as LeaseSpec | undefined), holderIdentity: this.holderIdentity, leaseDurationSeconds: this.duration, renewTime: microTime(this.now()) };
        return lease;
      },
      { forceAllowCreate: true },
    );
  }

  /**
   * reconcile lists the identity leases, points the Endpoints at the holders of live ones and
   * deletes expired ones (guarded by their resourceVersion, so a late renewal wins).
   */
  private async reconcile(): Promise<void> {
    const listed = await this.leases.list(SYSTEM, { labelSelector: `${IDENTITY_LABEL}=${IDENTITY_VALUE}` });
    const now = this.now().getTime();
    const live: APIServerEndpoint[] = [];
    const expired: KubeObject[] = [];
    for (const kv of listed.items) {
      const lease = decode(kv.value);
      const spec = (lease.spec ?? {}) as LeaseSpec;
      const self = lease.metadata.name === this.leaseName;
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
      const alive = self ? !this.stopped : Number.isFinite(renewed) && renewed + (spec.leaseDurationSeconds ?? this.duration) * 1000 > now;
      if (!alive) {
        if (!self) expired.push(lease);
        continue;
      }
      const ip = lease.metadata.annotations?.[ADDRESS_ANNOTATION];
      const port = Number(lease.metadata.annotations?.[PORT_ANNOTATION]);
      if (ip && Number.isInteger(port) && port > 0) live.push({ ip, port });
    }
    await reconcileEndpoints(this.o.registry, live);
    for (const lease of expired) {
      try {
        await this.leases.delete(SYSTEM, lease.metadata.name ?? '', { preconditions: { resourceVersion: lease.metadata.resourceVersion } });
      } catch (e) {
        // Renewed after all, or deleted by another server: both are fine.
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
      }
    }
  }
}

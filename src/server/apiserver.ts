import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resources } from '../../generated/resources';
import { groupVersions } from '../../generated/routes';
import { defaulterModules } from '../../generated/defaulters';
import { validatorModules } from '../../generated/validators';
import { writeKubeconfig } from '../auth/kubeconfig';
import { JWKS_PATH, openIDDocuments } from '../auth/oidc';
import { ensurePki, type Pki } from '../auth/pki';
import { DEFAULT_PLUGINS, buildAdmission } from '../admission/plugins';
import { QuotaAccess } from '../admission/quota/access';
import { provideSecurity } from '../auth/services';
import { buildSecurity, type Security, type SecurityOptions } from '../auth/setup';
import { ClusterRoleAggregationController } from '../controllers/clusterroleaggregation';
import { reconcileBootstrapPolicy } from '../controllers/rbacbootstrap';
import { ResourceQuotaController } from '../controllers/resourcequota';
import { newRootCACertPublisher } from '../controllers/rootcacerts';
import { newServiceAccountsController } from '../controllers/serviceaccounts';
import { bootstrap } from '../controllers/bootstrap';
import { GarbageCollector } from '../controllers/garbagecollector';
import { NamespaceController } from '../controllers/namespace';
import { createEndpointFactory } from '../endpoints/handlers';
import { Registry } from '../registry/registry';
import type { Storage } from '../storage/interface';
import { SqliteStorage } from '../storage/sqlite/store';
import { EtcdStorage } from '../storage/etcd/store';
import { APIServerLeaseController } from '../controllers/apiserverleases';
import { dropInCRDs } from '../../generated/crds';
import { combineAdmission, dropInGuard, reconcileDropIns } from '../crd/dropins';
import { CustomResources } from '../crd/manager';
import { forbidCreateWhileTerminating } from '../crd/terminating';
import { crdDocuments } from '../crd/openapi';
import { createApp } from './app';
import { securityMiddlewares } from './authn';
import { ServedResources, builtinTypeInfo } from './served';
import { firstServiceIP } from './network';
import { OpenAPIV3 } from './openapi';
import type { Logger } from './status';

/** COMPACTION_INTERVAL_MS matches kube-apiserver's --etcd-compaction-interval default (5m). */
export const COMPACTION_INTERVAL_MS = 5 * 60_000;

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface ServerOptions {
  dataDir: string;
  securePort: number;
  bindAddress: string;
  advertiseAddress?: string;
  serviceClusterIPRange: string;
  serviceNodePortRange?: string;
  /** admissionPlugins are the enabled admission plugins (default: upstream's defaults kapi has). */
  admissionPlugins?: readonly string[];
  /** security configures authentication, authorization and audit (defaults: see src/auth/setup.ts). */
  security?: Omit<SecurityOptions, 'dataDir' | 'warn'>;
  log: Logger;
  /** durable writes survive power loss (synchronous=FULL); on by default. */
  durable?: boolean;
  compactionIntervalMs?: number;
  /** etcd selects etcd v3 storage (--etcd-servers and friends) instead of SQLite in the data dir. */
  etcd?: { servers: string[]; prefix?: string; caFile?: string; certFile?: string; keyFile?: string };
  /**
   * tlsCertFile and tlsPrivateKeyFile replace the data dir's serving pair (--tls-cert-file,
   * --tls-private-key-file): servers that share a CA serve certificates from it, so a kubeconfig
   * trusting that CA reaches each of them.
   */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** identityLease tunes this server's identity lease (--identity-lease-duration-seconds, --identity-lease-renew-interval-seconds). */
  identityLease?: { durationSeconds?: number; renewIntervalSeconds?: number };
  bookmarkIntervalMs?: number;
  kapiVersion?: string;
  /** serviceAccountJWKSURI is --service-account-jwks-uri: where the discovery document says the keys are. */
  serviceAccountJWKSURI?: string;
}

/** APIServer wires storage, registry, HTTP and the bootstrap controller together. */
export class APIServer {
  private storage?: Storage;
  private registry?: Registry;
  private server?: https.Server;
  private compactionTimer?: NodeJS.Timeout;
  private namespaceController?: NamespaceController;
  private leases?: APIServerLeaseController;
  private garbageCollector?: GarbageCollector;
  private customResources?: CustomResources;
  private security?: Security;
  private securityControllers: { stop(): void }[] = [];
  private ready = false;
  pki?: Pki;
  port = 0;

  constructor(readonly opts: ServerOptions) {}

  get kubeconfigPath(): string {
    return path.join(this.opts.dataDir, 'admin.kubeconfig');
  }

  async start(): Promise<void> {
    const o = this.opts;
    prepareDataDir(o.dataDir);
    const serviceIP = firstServiceIP(o.serviceClusterIPRange);
    const advertise = o.advertiseAddress ?? advertiseAddressFor(o.bindAddress);
    const ips = [...new Set([advertise, serviceIP, ...(isWildcard(o.bindAddress) ? [] : [o.bindAddress])])];
    // Storage first: a second server on the same SQLite data dir is refused before it touches the PKI.
    this.storage = await openStorage(o);
    this.pki = await ensurePki({ dataDir: o.dataDir, hosts: [os.hostname()], ips });
    let quotaAccess: QuotaAccess | undefined;
    this.registry = new Registry({ storage: this.storage, resources, validators: validatorModules, defaulters: defaulterModules, bookmarkIntervalMs: o.bookmarkIntervalMs, serviceClusterIPRange: o.serviceClusterIPRange, serviceNodePortRange: o.serviceNodePortRange,
      typeInfo: builtinTypeInfo,
      admission: (registry) =>
        combineAdmission(
          buildAdmission(o.admissionPlugins ?? DEFAULT_PLUGINS, {
            namespaceJSON: (name) => {
              const ns = registry.storeFor('', 'namespaces')!;
              return ns.cache.get(ns.key('', name))?.value;
            },
            stores: registry,
            quota: (quotaAccess = new QuotaAccess(registry)),
          }),
          combineAdmission(dropInGuard(new Set(dropInCRDs.map((c) => c.metadata.name ?? ''))), forbidCreateWhileTerminating(registry)),
        ),
    });
    await this.registry.start();
    this.security = await buildSecurity({ ...o.security, dataDir: o.dataDir, warn: (m) => o.log.info(`W ${m}`) }, this.registry, this.pki.caCertPem);
    provideSecurity(this.storage, this.security.services);
    await this.startSecurityControllers(quotaAccess);
    await reconcileDropIns(this.registry, dropInCRDs);
    this.customResources = new CustomResources(this.registry, o.log, new Set(dropInCRDs.map((c) => c.metadata.name ?? '')));
    const customResources = this.customResources;
    this.registry.setCustomRules((r) => customResources.rulesFor(r));
    await this.customResources.start();
    const served = new ServedResources(this.customResources);

    const endpoints = createEndpointFactory({
      stores: this.registry,
      pruner: (d) => served.pruner(d),
      typeInfo: (d) => served.typeInfo(d),
      conversion: (d) => served.conversion(d),
    });
    const openapi = new OpenAPIV3(path.join(ROOT, 'schemas', 'kubernetes'), groupVersions.map((g) => g.groupVersion.prefix.slice(1)));
    openapi.setDynamic(() => crdDocuments(customResources.servedCRDs(), openapi.staticDocument('api/v1')));
    served.onChange(() => openapi.invalidate());
    const server = https.createServer({
      ...servingPair(o, this.pki),
      ca: [this.security.clientCAPem],
      requestCert: true,
      rejectUnauthorized: false,
    });
    this.server = server;
    await listen(server, o.securePort, o.bindAddress);
    this.port = (server.address() as AddressInfo).port;
    const app = createApp({
      served,
      routeModules: groupVersions,
      endpoints,
      openapi,
      log: o.log,
      kapiVersion: o.kapiVersion ?? '0.1.0',
      ready: () => this.ready && (this.storage?.isHealthy?.() ?? true),
      serverAddress: `${advertise}:${this.port}`,
      security: securityMiddlewares(this.security),
      oidc: openIDDocuments(this.security.serviceAccountIssuer, o.serviceAccountJWKSURI ?? `https://${advertise}:${this.port}${JWKS_PATH}`, this.security.serviceAccountKeys),
    });
    server.on('request', app.callback());

    await bootstrap({ registry: this.registry, serviceIP, endpointIP: advertise, endpointPort: this.port });
    this.leases = new APIServerLeaseController({
      registry: this.registry,
      log: o.log,
      hostname: os.hostname(),
      address: advertise,
      port: this.port,
      leaseDurationSeconds: o.identityLease?.durationSeconds,
      renewIntervalSeconds: o.identityLease?.renewIntervalSeconds,
    });
    await this.leases.start();
    const host = isWildcard(o.bindAddress) ? '127.0.0.1' : o.bindAddress;
    await writeKubeconfig(this.kubeconfigPath, {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`,
      caPem: this.pki.caCertPem,
      certPem: this.pki.adminCertPem,
      keyPem: this.pki.adminKeyPem,
      user: 'kubernetes-admin',
      cluster: 'kapi',
      context: 'kapi',
    });
    this.namespaceController = new NamespaceController(this.registry, o.log);
    this.namespaceController.start();
    this.garbageCollector = new GarbageCollector(this.registry, o.log);
    this.garbageCollector.start();
    this.scheduleCompaction();
    this.ready = true;
  }

  /**
   * startSecurityControllers reconciles the bootstrap RBAC policy and starts the controllers
   * that keep it and the namespaces' service accounts, root CA ConfigMaps and quotas current.
   */
  private async startSecurityControllers(quotaAccess: QuotaAccess | undefined): Promise<void> {
    const registry = this.registry!;
    const log = this.opts.log;
    await reconcileBootstrapPolicy(registry, log);
    const aggregation = new ClusterRoleAggregationController(registry.storeFor('rbac.authorization.k8s.io', 'clusterroles')!, log);
    await aggregation.start();
    const serviceAccounts = newServiceAccountsController(registry, log);
    await serviceAccounts.start();
    // The CA to publish is the one that verifies the serving certificate: the data dir's, or with
    // --tls-cert-file the shared CA files' (--client-ca-file), so that servers agree on it.
    const rootCA = this.opts.tlsCertFile ? this.security!.clientCAPem : this.pki!.caCertPem;
    const rootCACerts = newRootCACertPublisher(registry, log, rootCA);
    await rootCACerts.start();
    const quotas = new ResourceQuotaController(registry, quotaAccess ?? new QuotaAccess(registry), log);
    await quotas.start();
    this.securityControllers.push(aggregation, serviceAccounts, rootCACerts, quotas);
  }

  /** scheduleCompaction compacts, each interval, up to the revision seen at the previous one. */
  private scheduleCompaction(): void {
    const storage = this.storage!;
    const interval = this.opts.compactionIntervalMs ?? COMPACTION_INTERVAL_MS;
    if (interval <= 0) return;
    if (storage instanceof EtcdStorage) {
      // Shared by several servers: kube-apiserver's compactor, which agrees on who compacts.
      storage.startCompactor(interval, (e) => this.opts.log.error('etcd compaction failed', e));
      return;
    }
    let previous = 0;
    this.compactionTimer = setInterval(() => {
      void (async () => {
        const current = await storage.currentRevision();
        if (previous > 0) await storage.compact(previous);
        previous = current;
      })().catch((e: unknown) => this.opts.log.error('compaction failed', e));
    }, interval);
    this.compactionTimer.unref();
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.leases?.stop();
    if (this.compactionTimer) clearInterval(this.compactionTimer);
    this.namespaceController?.stop();
    this.garbageCollector?.stop();
    for (const c of this.securityControllers) c.stop();
    this.security?.stop();
    this.customResources?.stop();
    this.registry?.stop();
    if (this.server) {
      const s = this.server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    await this.storage?.close();
  }
}

/** servingPair is the certificate and key HTTPS serves: the flags' files, or the data dir's. */
function servingPair(o: ServerOptions, pki: Pki): { key: string; cert: string } {
  if (!o.tlsCertFile && !o.tlsPrivateKeyFile) return { key: pki.servingKeyPem, cert: pki.servingCertPem };
  if (!o.tlsCertFile || !o.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${f}: ${(e as Error).message}`);
    }
  };
  return { key: read(o.tlsPrivateKeyFile), cert: read(o.tlsCertFile) };
}

/** ETCD_HEALTH_INTERVAL_MS is how often /readyz's view of etcd is refreshed. */
const ETCD_HEALTH_INTERVAL_MS = 1_000;

/** openStorage selects the storage: etcd with --etcd-servers, otherwise SQLite in the data dir. */
async function openStorage(o: ServerOptions): Promise<Storage> {
  if (o.etcd && o.etcd.servers.length > 0) {
    const storage = await EtcdStorage.open(o.etcd);
    storage.startHealthProbe(ETCD_HEALTH_INTERVAL_MS);
    return storage;
  }
  return new SqliteStorage({ file: path.join(o.dataDir, 'kapi.db'), durable: o.durable !== false });
}

function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::' || addr === '';
}

/** advertiseAddressFor picks the address the kubernetes Endpoints name, as kube-apiserver does. */
function advertiseAddressFor(bind: string): string {
  if (!isWildcard(bind)) return bind;
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function prepareDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
  } catch (e) {
    throw new Error(`data dir ${dir} is not usable: ${(e as Error).message}`);
  }
  if (!fs.statSync(dir).isDirectory()) throw new Error(`data dir ${dir} is not a directory`);
}

function listen(server: https.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(new Error(e.code === 'EADDRINUSE' ? `failed to listen on ${host}:${port}: address already in use` : `failed to listen on ${host}:${port}: ${e.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

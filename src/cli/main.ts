#!/usr/bin/env node
import * as path from 'node:path';
import { resolveAdmissionPlugins } from '../admission/plugins';
import { parseDuration } from '../auth/setup';
import { APIServer } from '../server/apiserver';
import type { Logger } from '../server/status';
import { FlagError, parseFlags, usage, type FlagSpec } from './flags';

const isPositive = (v: string) => (Number(v) > 0 ? undefined : 'must be a positive number');
const isNonNegative = (v: string) => (Number(v) >= 0 ? undefined : 'must not be negative');
const isPort = (v: string) => (Number(v) >= 0 && Number(v) <= 65535 ? undefined : 'must be a port number between 0 and 65535');

/** SERVE_FLAGS are the flags of `kapi serve`. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'secure-port', type: 'int', default: '6443', help: 'The port on which to serve HTTPS (0 picks a free port).', validate: isPort },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'advertise-address', type: 'string', help: 'The IP address on which to advertise the apiserver to members of the cluster.' },
  { name: 'data-dir', type: 'string', default: './.kapi', help: 'Directory for the database, certificates and admin.kubeconfig.' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.0.0.0/24', help: 'A CIDR notation IP range from which to assign service cluster IPs.' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'A port range to reserve for services with NodePort visibility.' },
  { name: 'anonymous-auth', type: 'bool', default: 'false', help: 'Enables anonymous requests to the secure port (user system:anonymous, group system:unauthenticated).' },
  { name: 'client-ca-file', type: 'string', help: 'Client certificates signed by one of these CAs authenticate as their CN (user) and O (groups). Default: the CA in the data dir.' },
  { name: 'token-auth-file', type: 'string', help: 'A CSV file of static bearer tokens: token,user,uid,"group1,group2".' },
  { name: 'authorization-mode', type: 'string', default: 'RBAC', help: 'Ordered comma-separated list of authorization plugins: RBAC, AlwaysAllow, AlwaysDeny, Node (a no-op without kubelets).' },
  { name: 'service-account-key-file', type: 'string', help: 'Comma-separated PEM files of public keys (or private keys, certificates) that verify service account tokens, besides the signing key.' },
  { name: 'service-account-signing-key-file', type: 'string', help: 'The private key that signs service account tokens. Default: <data-dir>/pki/sa.key, made at first start.' },
  { name: 'service-account-issuer', type: 'string', default: 'https://kubernetes.default.svc.cluster.local', help: 'Comma-separated issuers of service account tokens; the first one signs new tokens.' },
  { name: 'service-account-jwks-uri', type: 'string', help: 'The jwks_uri of the service account issuer discovery document (/.well-known/openid-configuration). Default: this server\'s /openid/v1/jwks.' },
  { name: 'api-audiences', type: 'string', help: 'Comma-separated audiences a token must be for to authenticate to this server. Default: the first service account issuer.' },
  { name: 'service-account-max-token-expiration', type: 'string', default: '0s', help: 'The longest a TokenRequest may ask for (a duration such as 24h); 0 means no maximum.' },
  { name: 'enable-admission-plugins', type: 'string', help: 'Comma-separated admission plugins to enable in addition to the defaults (NamespaceLifecycle, LimitRanger, ServiceAccount, ResourceQuota).' },
  { name: 'disable-admission-plugins', type: 'string', help: 'Comma-separated admission plugins to disable, including default ones.' },
  { name: 'audit-log-path', type: 'string', help: 'Write audit.k8s.io/v1 events to this file as JSON lines ("-" for standard output).' },
  { name: 'audit-log-maxsize', type: 'int', default: '0', help: 'The maximum size in megabytes of the audit log file before it gets rotated (0: 100).', validate: isNonNegative },
  { name: 'audit-log-maxbackup', type: 'int', default: '0', help: 'The maximum number of old audit log files to retain (0: all).', validate: isNonNegative },
  { name: 'audit-log-maxage', type: 'int', default: '0', help: 'The maximum number of days to retain old audit log files based on the timestamp encoded in their filename (0: no limit).', validate: isNonNegative },
  { name: 'audit-policy-file', type: 'string', help: 'The audit policy (audit.k8s.io/v1 Policy); without it no events are recorded.' },
  { name: 'tls-cert-file', type: 'string', help: 'File containing the default x509 Certificate for HTTPS (CA cert, if any, concatenated after server cert). Default: the serving certificate in the data dir.' },
  { name: 'tls-private-key-file', type: 'string', help: 'File containing the default x509 private key matching --tls-cert-file.' },
  { name: 'etcd-servers', type: 'string', help: 'List of etcd servers to connect with (scheme://ip:port), comma separated. Without it objects are stored in SQLite in the data dir.' },
  { name: 'etcd-prefix', type: 'string', default: '/registry', help: 'The prefix to prepend to all resource paths in etcd.' },
  { name: 'etcd-cafile', type: 'string', help: 'SSL Certificate Authority file used to secure etcd communication.' },
  { name: 'etcd-certfile', type: 'string', help: 'SSL certification file used to secure etcd communication.' },
  { name: 'etcd-keyfile', type: 'string', help: 'SSL key file used to secure etcd communication.' },
  { name: 'etcd-compaction-interval', type: 'string', default: '5m0s', help: 'The interval of compaction requests. If 0, the compaction request from apiserver is disabled.' },
  { name: 'identity-lease-duration-seconds', type: 'int', default: '15', help: 'The duration of the apiserver identity lease in seconds; the kubernetes Endpoints drop a server this long after its last renewal.', validate: isPositive },
  { name: 'identity-lease-renew-interval-seconds', type: 'int', default: '5', help: 'The interval of renewing the apiserver identity lease in seconds.', validate: isPositive },
  { name: 'help', type: 'bool', help: 'Show this help.' },
];

/** list splits a comma-separated flag value. */
const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

const log: Logger = {
  info: (msg) => process.stdout.write(`${msg}\n`),
  error: (msg, err) => process.stderr.write(`E ${new Date().toISOString()} ${msg}${err ? `: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` : ''}\n`),
};

async function serve(argv: string[]): Promise<void> {
  const started = Date.now();
  const flags = parseFlags(SERVE_FLAGS, argv);
  if (flags.help === 'true') {
    process.stdout.write(`Usage: kapi serve [flags]\n\n${usage(SERVE_FLAGS)}\n`);
    return;
  }
  let admission: { enabled: string[]; ignored: string[] };
  let maxTokenExpiration: number;
  let compactionSeconds: number;
  try {
    admission = resolveAdmissionPlugins(list(flags['enable-admission-plugins']), list(flags['disable-admission-plugins']));
    maxTokenExpiration = parseDuration(flags['service-account-max-token-expiration']);
    compactionSeconds = parseDuration(flags['etcd-compaction-interval']);
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const etcdServers = list(flags['etcd-servers']);
  const server = new APIServer({
    dataDir: path.resolve(flags['data-dir']),
    securePort: Number(flags['secure-port']),
    bindAddress: flags['bind-address'],
    advertiseAddress: flags['advertise-address'] || undefined,
    serviceAccountJWKSURI: flags['service-account-jwks-uri'] || undefined,
    serviceClusterIPRange: flags['service-cluster-ip-range'],
    serviceNodePortRange: flags['service-node-port-range'],
    admissionPlugins: admission.enabled,
    security: {
      anonymousAuth: flags['anonymous-auth'] === 'true' || flags['anonymous-auth'] === '1',
      clientCAFile: flags['client-ca-file'] || undefined,
      tokenAuthFile: flags['token-auth-file'] || undefined,
      authorizationMode: flags['authorization-mode'],
      serviceAccountKeyFiles: list(flags['service-account-key-file']),
      serviceAccountSigningKeyFile: flags['service-account-signing-key-file'] || undefined,
      serviceAccountIssuers: list(flags['service-account-issuer']),
      apiAudiences: list(flags['api-audiences']),
      serviceAccountMaxTokenExpirationSeconds: maxTokenExpiration,
      auditLogPath: flags['audit-log-path'] || undefined,
      auditLogRotation: {
        maxSizeBytes: Number(flags['audit-log-maxsize']) * 1024 * 1024,
        maxBackups: Number(flags['audit-log-maxbackup']),
        maxAgeDays: Number(flags['audit-log-maxage']),
      },
      auditPolicyFile: flags['audit-policy-file'] || undefined,
    },
    log,
    compactionIntervalMs: compactionSeconds * 1000,
    tlsCertFile: flags['tls-cert-file'] || undefined,
    tlsPrivateKeyFile: flags['tls-private-key-file'] || undefined,
    etcd: etcdServers.length
      ? {
          servers: etcdServers,
          prefix: flags['etcd-prefix'],
          caFile: flags['etcd-cafile'] || undefined,
          certFile: flags['etcd-certfile'] || undefined,
          keyFile: flags['etcd-keyfile'] || undefined,
        }
      : undefined,
    identityLease: {
      durationSeconds: Number(flags['identity-lease-duration-seconds']),
      renewIntervalSeconds: Number(flags['identity-lease-renew-interval-seconds']),
    },
  });
  if (admission.ignored.length) log.info(`W admission plugins not implemented by kapi have no effect: ${admission.ignored.join(', ')}`);
  await server.start();
  const shutdown = (signal: string) => {
    log.info(`${signal} received, shutting down`);
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error('shutdown failed', e);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  const bind = flags['bind-address'];
  log.info(`kapi serving the Kubernetes 1.35 API on https://${bind}:${server.port} (data dir ${server.opts.dataDir}, storage ${etcdServers.length ? `etcd ${etcdServers.join(',')}` : 'sqlite'}), ready in ${Date.now() - started} ms`);
  log.info(`To use it with kubectl:\n  export KUBECONFIG=${server.kubeconfigPath}\n  kubectl get namespaces`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  const problem = command ? `unknown command ${JSON.stringify(command)}` : 'missing command';
  process.stderr.write(`Error: ${problem}\nUsage: kapi serve [flags]\n\n${usage(SERVE_FLAGS)}\n`);
  process.exit(2);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof FlagError) {
    process.stderr.write(`Error: ${e.message}\nRun 'kapi serve --help' for usage.\n`);
    process.exit(2);
  }
  process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

#!/usr/bin/env node
import * as path from 'node:path';
import { APIServer } from '../server/apiserver';
import type { Logger } from '../server/status';
import { FlagError, parseFlags, usage, type FlagSpec } from './flags';

const isPort = (v: string) => (Number(v) >= 0 && Number(v) <= 65535 ? undefined : 'must be a port number between 0 and 65535');

/** SERVE_FLAGS are the flags of `kapi serve`. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'secure-port', type: 'int', default: '6443', help: 'The port on which to serve HTTPS (0 picks a free port).', validate: isPort },
  { name: 'bind-address', type: 'string', default: '0.0.0.0', help: 'The IP address on which to listen for the --secure-port port.' },
  { name: 'advertise-address', type: 'string', help: 'The IP address on which to advertise the apiserver to members of the cluster.' },
  { name: 'data-dir', type: 'string', default: './.kapi', help: 'Directory for the database, certificates and admin.kubeconfig.' },
  { name: 'service-cluster-ip-range', type: 'string', default: '10.0.0.0/24', help: 'A CIDR notation IP range from which to assign service cluster IPs.' },
  { name: 'service-node-port-range', type: 'string', default: '30000-32767', help: 'A port range to reserve for services with NodePort visibility.' },
  { name: 'help', type: 'bool', help: 'Show this help.' },
];

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
  const server = new APIServer({
    dataDir: path.resolve(flags['data-dir']),
    securePort: Number(flags['secure-port']),
    bindAddress: flags['bind-address'],
    advertiseAddress: flags['advertise-address'] || undefined,
    serviceClusterIPRange: flags['service-cluster-ip-range'],
    serviceNodePortRange: flags['service-node-port-range'],
    log,
  });
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
  log.info(`kapi serving the Kubernetes 1.35 API on https://${bind}:${server.port} (data dir ${server.opts.dataDir}, storage sqlite), ready in ${Date.now() - started} ms`);
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

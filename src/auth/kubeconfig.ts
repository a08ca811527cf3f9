/**
 * Kubeconfig files for kapi's own clients: the admin kubeconfig written at first start, and ones
 * that tests and tooling make for other users. One cluster, one user, one context, as kubeadm
 * writes admin.conf.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from './pki';

/** KUBECONFIG_FILE_MODE: the file carries a private key or a token, so only its owner may read it. */
const KUBECONFIG_FILE_MODE = 0o600;
const DEFAULT_CLUSTER_NAME = 'kapi';

/** KubeconfigOptions describes the one cluster, user and context a kubeconfig holds. */
export interface KubeconfigOptions {
  /** server is the API server URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** caPem is the CA that signed the serving certificate. */
  caPem: string;
  /** certPem and keyPem, given together, authenticate the user by client certificate. */
  certPem?: string;
  keyPem?: string;
  /** token authenticates the user by bearer token. */
  token?: string;
  /** user names the kubeconfig's user entry; the server takes the identity from the credentials. */
  user: string;
  /** cluster names the cluster entry; `kapi` unless given. */
  cluster?: string;
  /** context names the context; `<user>@<cluster>` unless given, as kubeadm names it. */
  context?: string;
  /** namespace is the context's default namespace. */
  namespace?: string;
}

/**
 * renderKubeconfig renders a kubeconfig (v1 Config) with the CA and credentials inlined as base64
 * `*-data` fields, so the file works wherever it is copied. Keys are in the order kubectl writes
 * them.
 */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  if ((opts.certPem === undefined) !== (opts.keyPem === undefined)) {
    throw new Error('kubeconfig: certPem and keyPem must be given together');
  }
  const cluster = opts.cluster ?? DEFAULT_CLUSTER_NAME;
  const context = opts.context ?? `${opts.user}@${cluster}`;
  const user: Record<string, string> = {};
  if (opts.certPem !== undefined && opts.keyPem !== undefined) {
    user['client-certificate-data'] = base64(opts.certPem);
    user['client-key-data'] = base64(opts.keyPem);
  }
  if (opts.token !== undefined) user.token = opts.token;
  const contextBody: Record<string, string> = { cluster, user: opts.user };
  if (opts.namespace !== undefined) contextBody.namespace = opts.namespace;
  const config = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': base64(opts.caPem), server: opts.server }, name: cluster }],
    contexts: [{ context: contextBody, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: opts.user, user }],
  };
  // lineWidth 0: never fold; a folded base64 value is still valid YAML, but not what people expect to grep.
  return stringify(config, { lineWidth: 0 });
}

/** writeKubeconfig renders a kubeconfig and replaces `filePath` with it atomically, mode 0600, creating the directory if needed. */
export async function writeKubeconfig(filePath: string, opts: KubeconfigOptions): Promise<void> {
  const content = renderKubeconfig(opts);
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  await writeFileAtomic(filePath, content, KUBECONFIG_FILE_MODE);
}

function base64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

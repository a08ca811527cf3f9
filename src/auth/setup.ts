import type { KeyObject } from 'node:crypto';
/**
 * Building the server's authentication, authorization and audit from its flags, in one place:
 * the pieces are small modules; this is where kube-apiserver's options (pkg/kubeapiserver/options)
 * decide which of them run and in what order.
 */
import * as fs from 'node:fs';
import type { Registry } from '../registry/registry';
import { decode } from '../storage/codec';
import { fileSink, type AuditSink, type Rotation } from './audit/log';
import { loadPolicy, type Policy } from './audit/policy';
import { loadServiceAccountKeys } from './authn/sakeys';
import { DEFAULT_ISSUER, ServiceAccountTokens } from './authn/serviceaccount';
import { tokenFileAuthenticator } from './authn/tokenfile';
import type { RequestAuthenticator, TokenAuthenticator } from './authn/types';
import { buildAuthenticator } from './authn/union';
import { x509Authenticator } from './authn/x509';
import { CachePolicySource } from './authz/cachesource';
import { RuleResolver } from './authz/rbac';
import type { Authorizer } from './authz/types';
import { buildAuthorizer, parseAuthorizationModes } from './authz/union';
import type { SecurityServices } from './services';

/** SecurityOptions are the flags of authentication, authorization and audit. */
export interface SecurityOptions {
  dataDir: string;
  /** clientCAFile is --client-ca-file (the data dir CA when absent). */
  clientCAFile?: string;
  tokenAuthFile?: string;
  anonymousAuth?: boolean;
  /** authorizationMode is --authorization-mode, comma-separated (default RBAC). */
  authorizationMode?: string;
  serviceAccountKeyFiles?: readonly string[];
  serviceAccountSigningKeyFile?: string;
  serviceAccountIssuers?: readonly string[];
  apiAudiences?: readonly string[];
  serviceAccountMaxTokenExpirationSeconds?: number;
  auditLogPath?: string;
  /** auditLogRotation is --audit-log-maxsize, --audit-log-maxbackup and --audit-log-maxage. */
  auditLogRotation?: Rotation;
  auditPolicyFile?: string;
  warn?: (msg: string) => void;
}

/** Security is everything built from SecurityOptions. */
export interface Security {
  authenticator: RequestAuthenticator;
  authorizer: Authorizer;
  services: SecurityServices;
  policySource: CachePolicySource;
  apiAudiences: string[];
  audit?: { sink: AuditSink; policy: Policy };
  /** clientCAPem is the bundle client certificates are verified against. */
  clientCAPem: string;
  /** serviceAccountIssuer signs new service account tokens; serviceAccountKeys verify them. */
  serviceAccountIssuer: string;
  serviceAccountKeys: readonly KeyObject[];
  stop(): void;
}

/** buildSecurity builds the security of a server whose registry has started. */
export async function buildSecurity(opts: SecurityOptions, registry: Registry, dataDirCAPem: string): Promise<Security> {
  const warn = opts.warn ?? (() => {});
  const clientCAPem = opts.clientCAFile ? readFile(opts.clientCAFile, 'client CA file') : dataDirCAPem;
  const keys = await loadServiceAccountKeys({ dataDir: opts.dataDir, signingKeyFile: opts.serviceAccountSigningKeyFile, keyFiles: opts.serviceAccountKeyFiles });
  const issuers = opts.serviceAccountIssuers?.length ? [...opts.serviceAccountIssuers] : [DEFAULT_ISSUER];
  const apiAudiences = opts.apiAudiences?.length ? [...opts.apiAudiences] : [issuers[0]];
  const current = (group: string, plural: string) => (namespace: string, name: string) => {
    const store = registry.storeFor(group, plural);
    const kv = store?.cache.get(store.key(namespace, name));
    return kv ? decode(kv.value) : undefined;
  };
  const tokens = new ServiceAccountTokens({
    signingKey: keys.signingKey,
    verificationKeys: keys.verificationKeys,
    issuers,
    apiAudiences,
    getter: { serviceAccount: current('', 'serviceaccounts'), pod: current('', 'pods'), secret: current('', 'secrets'), node: (name) => current('', 'nodes')('', name) },
  });
  const tokenAuthenticators: TokenAuthenticator[] = [];
  if (opts.tokenAuthFile) tokenAuthenticators.push(tokenFileAuthenticator(opts.tokenAuthFile, warn));
  tokenAuthenticators.push(tokens);
  const authenticator = buildAuthenticator({ x509: x509Authenticator(), tokens: tokenAuthenticators, anonymous: opts.anonymousAuth === true });

  const rbacStore = (plural: string) => {
    const s = registry.storeFor('rbac.authorization.k8s.io', plural);
    if (!s) throw new Error(`rbac.authorization.k8s.io ${plural} are not served`);
    return s;
  };
  const policySource = new CachePolicySource({ roles: rbacStore('roles'), clusterRoles: rbacStore('clusterroles'), roleBindings: rbacStore('rolebindings'), clusterRoleBindings: rbacStore('clusterrolebindings') }).start();
  const modes = parseAuthorizationModes(opts.authorizationMode ?? 'RBAC');
  if (modes.includes('Node')) warn('authorization mode Node has no effect: kapi has no kubelets to authorize');
  const { authorizer } = buildAuthorizer(modes, policySource);

  let audit: Security['audit'];
  if (opts.auditLogPath) {
    if (!opts.auditPolicyFile) warn('--audit-log-path without --audit-policy-file: no audit events will be recorded, as kube-apiserver');
    else audit = { policy: loadPolicy(opts.auditPolicyFile), sink: fileSink(opts.auditLogPath, opts.auditLogRotation) };
  } else if (opts.auditPolicyFile) {
    loadPolicy(opts.auditPolicyFile);
    warn('--audit-policy-file without --audit-log-path: no audit backend, no events will be recorded');
  }

  const services: SecurityServices = {
    authenticator,
    authorizer,
    ruleResolver: new RuleResolver(policySource),
    tokens,
    apiAudiences,
    maxTokenExpirationSeconds: opts.serviceAccountMaxTokenExpirationSeconds ?? 0,
  };
  return {
    authenticator,
    authorizer,
    services,
    policySource,
    apiAudiences,
    audit,
    clientCAPem,
    serviceAccountIssuer: issuers[0],
    serviceAccountKeys: keys.verificationKeys,
    stop() {
      policySource.stop();
      audit?.sink.close();
    },
  };
}

function readFile(path: string, what: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`unable to load ${what} ${path}: ${(e as Error).message}`);
  }
}

/** parseDuration reads a Go duration (`1h30m`, `600s`, `24h`) into seconds. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns)/g;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  return Math.floor(total);
}

/**
 * ServiceAccounts (core/v1): the resource's special behaviour. Its Table printer: the cells of
 * `kubectl get serviceaccounts`, as kube-apiserver's printServiceAccount computes them
 * (k8s.io/kubernetes pkg/printers/internalversion; columns: schemas/overlay/printers.yaml), and
 * the TokenRequest subresource `serviceaccounts/<name>/token` that `kubectl create token` posts
 * to (pkg/registry/core/serviceaccount/storage/token.go).
 */

import { invalid, newBadRequest, newConflict, newInvalid, newNotFound } from '../../apierrors';
import type { ServiceAccountTokens, BoundObject } from '../../auth/authn/serviceaccount';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { decode } from '../../storage/codec';
import type { RequestContext } from '../context';
import type { TablePrinter } from '../printer';
import type { Store } from '../store';
import type { StrategyOverrides } from '../strategy';
import { ageOf, nameOf, readArray } from '../printing';

/** printer returns a service account's cells: NAME, SECRETS (how many it lists) and AGE. */
export const printer: TablePrinter = (sa, now) => [nameOf(sa), readArray(sa, 'secrets').length, ageOf(sa, now)];

/** strategy is what serviceaccounts does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, returnDeletedObject: true };

/** DEFAULT_EXPIRATION_SECONDS is TokenRequestSpec's default (one hour). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
/** MIN_EXPIRATION_SECONDS and MAX_EXPIRATION_SECONDS are upstream's validation bounds (10 minutes, 2^32 s). */
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

/** TokenRequestDeps are the stores a token request reads and the issuer that signs it. */
export interface TokenRequestDeps {
  serviceAccounts: Store;
  pods: Store;
  secrets: Store;
  nodes: Store;
  tokens: ServiceAccountTokens;
  apiAudiences: readonly string[];
  /** maxExpirationSeconds is --service-account-max-token-expiration; 0 means none. */
  maxExpirationSeconds: number;
  now?: () => Date;
}

function current(store: Store, namespace: string, name: string): KubeObject | undefined {
  const kv = store.cache.get(store.key(namespace, name));
  return kv ? decode(kv.value) : undefined;
}

/**
 * createToken serves POST serviceaccounts/<name>/token: a TokenRequest in, the same with
 * status.token and status.expirationTimestamp out.
 */
export function createToken(deps: TokenRequestDeps, ctx: RequestContext, name: string, body: Record<string, unknown>): Record<string, unknown> {
  const namespace = ctx.namespace;
  const gk = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
  const meta = isPlainObject(body.metadata) ? { ...body.metadata } : {};
  if (typeof meta.name === 'string' && meta.name && meta.name !== name) {
    throw newInvalid(gk, name, [invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (typeof meta.namespace === 'string' && meta.namespace && meta.namespace !== namespace) {
    throw newInvalid(gk, name, [invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
  }
  const spec = isPlainObject(body.spec) ? { ...body.spec } : {};
  let expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION_SECONDS;
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) throw newInvalid(gk, name, [invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')]);
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) throw newInvalid(gk, name, [invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);

  const sa = current(deps.serviceAccounts, namespace, name);
  if (!sa) throw newNotFound({ group: '', resource: 'serviceaccounts' }, name);

  let bound: BoundObject | undefined;
  let podNode: { name: string; uid: string } | undefined;
  const ref = isPlainObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  if (ref) {
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    const refName = typeof ref.name === 'string' ? ref.name : '';
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    let uid: string;
    if (group === '' && kind === 'Pod') {
      const pod = current(deps.pods, namespace, refName);
      if (!pod) throw newNotFound({ group: '', resource: 'pods' }, refName);
      const podSA = isPlainObject(pod.spec) && typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : '';
      if (podSA !== name) throw newBadRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with serviceaccount ${JSON.stringify(podSA)}`);
      uid = pod.metadata.uid ?? '';
      bound = { kind: 'Pod', name: refName, uid };
      // The pod's node goes into the token too, when it is known (upstream's ServiceAccountTokenPodNodeInfo).
      const nodeName = isPlainObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : '';
      const node = nodeName ? current(deps.nodes, '', nodeName) : undefined;
      if (node) podNode = { name: nodeName, uid: node.metadata.uid ?? '' };
    } else if (group === '' && kind === 'Secret') {
      const secret = current(deps.secrets, namespace, refName);
      if (!secret) throw newNotFound({ group: '', resource: 'secrets' }, refName);
      uid = secret.metadata.uid ?? '';
      bound = { kind: 'Secret', name: refName, uid };
    } else if (group === '' && kind === 'Node') {
      const node = current(deps.nodes, '', refName);
      if (!node) throw newNotFound({ group: '', resource: 'nodes' }, refName);
      uid = node.metadata.uid ?? '';
      bound = { kind: 'Node', name: refName, uid };
    } else {
      throw newBadRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
    }
    if (typeof ref.uid === 'string' && ref.uid && ref.uid !== uid) {
      throw newConflict({ group, resource: kind }, refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`);
    }
    spec.boundObjectRef = { ...ref, uid };
  }
  if (deps.maxExpirationSeconds > 0 && expirationSeconds > deps.maxExpirationSeconds) expirationSeconds = deps.maxExpirationSeconds;
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences.filter((a) => typeof a === 'string') as string[]) : [...deps.apiAudiences];
  spec.audiences = audiences;
  spec.expirationSeconds = expirationSeconds;
  const now = deps.now?.() ?? new Date();
  const { token, expiration } = deps.tokens.generate(sa, { audiences, expirationSeconds, bound, node: podNode, issuedAt: now });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...meta, name, namespace, creationTimestamp: rfc3339(now) },
    spec,
    status: { token, expirationTimestamp: rfc3339(expiration) },
  };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

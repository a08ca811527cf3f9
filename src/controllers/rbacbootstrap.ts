/**
 * RBAC bootstrap reconciliation (k8s.io/kubernetes pkg/registry/rbac/rest/storage_rbac.go and
 * pkg/registry/rbac/reconciliation): at every start the bootstrap roles and bindings are created
 * if missing and given back rules, aggregation selectors, subjects, labels and annotations they
 * lost, without removing anything added. An object annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone; a binding whose roleRef
 * differs is recreated.
 */
import { StatusError } from '../apierrors';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAP_LABEL, clusterRoleBindings, clusterRoles, namespaceRoleBindings, namespaceRoles, type BootstrapBinding, type BootstrapRole } from '../auth/authz/bootstrappolicy';
import { toBinding } from '../auth/authz/cachesource';
import { covers, toPolicyRules } from '../auth/authz/rules';
import { isPlainObject, type KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import type { Store } from '../registry/store';
import { deepEqual } from '../registry/equal';
import { decode } from '../storage/codec';
import type { Logger } from '../server/status';

const API_VERSION = 'rbac.authorization.k8s.io/v1';
const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] } };

/** ReconcileOperation is what reconciling one object did. */
export type ReconcileOperation = 'create' | 'update' | 'recreate' | 'none' | 'protected';

function storeOf(registry: Registry, plural: string): Store {
  const s = registry.storeFor('rbac.authorization.k8s.io', plural);
  if (!s) throw new Error(`rbac bootstrap: ${plural} are not served`);
  return s;
}

function existing(store: Store, namespace: string, name: string): KubeObject | undefined {
  const kv = store.cache.get(store.key(namespace, name));
  return kv ? decode(kv.value) : undefined;
}

function metaOf(o: { name: string; namespace?: string; labels?: Record<string, string> }): KubeObject['metadata'] {
  const meta: KubeObject['metadata'] = { name: o.name, labels: { ...BOOTSTRAP_LABEL, ...(o.labels ?? {}) }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } };
  if (o.namespace) meta.namespace = o.namespace;
  return meta;
}

function roleObject(kind: 'Role' | 'ClusterRole', r: BootstrapRole): KubeObject {
  const obj: KubeObject = { apiVersion: API_VERSION, kind, metadata: metaOf(r) };
  if (r.rules.length) obj.rules = r.rules.map((x) => ({ ...x }));
  if (r.aggregationRule) obj.aggregationRule = structuredClone(r.aggregationRule);
  return obj;
}

function bindingObject(kind: 'RoleBinding' | 'ClusterRoleBinding', b: BootstrapBinding): KubeObject {
  const obj: KubeObject = { apiVersion: API_VERSION, kind, metadata: metaOf(b), roleRef: { ...b.roleRef } };
  if (b.subjects.length) obj.subjects = b.subjects.map((s) => ({ ...s }));
  return obj;
}

/** mergeMaps is upstream's merge: expected entries, overridden by existing ones. */
function mergeMaps(expected: Record<string, string> | undefined, current: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!expected && !current) return undefined;
  return { ...(expected ?? {}), ...(current ?? {}) };
}

/** reconcileRole brings one role up to the expected one (union: nothing is removed). */
export async function reconcileRole(store: Store, expected: KubeObject): Promise<ReconcileOperation> {
  const ns = expected.metadata.namespace ?? '';
  const name = expected.metadata.name ?? '';
  const current = existing(store, ns, name);
  if (!current) {
    try {
      await store.create({ ...SYSTEM, namespace: ns }, structuredClone(expected));
      return 'create';
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'AlreadyExists') return reconcileRole(store, expected);
      throw e;
    }
  }
  if (current.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return 'protected';
  const next = structuredClone(current);
  next.metadata.annotations = mergeMaps(expected.metadata.annotations, current.metadata.annotations);
  next.metadata.labels = mergeMaps(expected.metadata.labels, current.metadata.labels);
  const missing = covers(toPolicyRules(current.rules), toPolicyRules(expected.rules)).missing;
  if (missing.length) next.rules = [...(Array.isArray(current.rules) ? current.rules : []), ...missing];
  const expectedSelectors = selectorsOf(expected);
  const currentSelectors = selectorsOf(current);
  const missingSelectors = expectedSelectors.filter((s) => !currentSelectors.some((c) => deepEqual(c, s)));
  if (missingSelectors.length) next.aggregationRule = { clusterRoleSelectors: [...currentSelectors, ...missingSelectors] };
  if (deepEqual(next, current)) return 'none';
  await store.update({ ...SYSTEM, namespace: ns }, name, () => next);
  return 'update';
}

function selectorsOf(role: KubeObject): unknown[] {
  const agg = isPlainObject(role.aggregationRule) ? role.aggregationRule : undefined;
  return agg && Array.isArray(agg.clusterRoleSelectors) ? agg.clusterRoleSelectors : [];
}

/** reconcileBinding adds missing subjects, and recreates a binding whose roleRef changed. */
export async function reconcileBinding(store: Store, expected: KubeObject): Promise<ReconcileOperation> {
  const ns = expected.metadata.namespace ?? '';
  const name = expected.metadata.name ?? '';
  const current = existing(store, ns, name);
  const ctx = { ...SYSTEM, namespace: ns };
  if (!current) {
    try {
      await store.create(ctx, structuredClone(expected));
      return 'create';
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'AlreadyExists') return reconcileBinding(store, expected);
      throw e;
    }
  }
  if (current.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return 'protected';
  const want = toBinding(expected);
  const have = toBinding(current);
  const labels = mergeMaps(expected.metadata.labels, current.metadata.labels);
  const annotations = mergeMaps(expected.metadata.annotations, current.metadata.annotations);
  if (!deepEqual(want.roleRef, have.roleRef)) {
    await store.delete(ctx, name);
    const fresh = structuredClone(expected);
    fresh.metadata.labels = labels;
    fresh.metadata.annotations = annotations;
    await store.create(ctx, fresh);
    return 'recreate';
  }
  const next = structuredClone(current);
  next.metadata.labels = labels;
  next.metadata.annotations = annotations;
  const currentSubjects = Array.isArray(current.subjects) ? current.subjects : [];
  const missing = (Array.isArray(expected.subjects) ? expected.subjects : []).filter((s) => !currentSubjects.some((c) => deepEqual(c, s)));
  if (missing.length) next.subjects = [...currentSubjects, ...missing];
  if (deepEqual(next, current)) return 'none';
  await store.update(ctx, name, () => next);
  return 'update';
}

/** ensureNamespace creates a namespace the namespaced policy lives in, if it is missing. */
async function ensureNamespace(registry: Registry, name: string): Promise<void> {
  const store = registry.storeFor('', 'namespaces');
  if (!store || store.cache.get(store.key('', name))) return;
  try {
    await store.create(SYSTEM, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (e) {
    if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
  }
}

/** MAX_ATTEMPTS bounds retries when another server (sharing etcd) writes the same object meanwhile. */
const MAX_ATTEMPTS = 5;

/** retrying re-runs a reconcile that lost a write race (409) against fresh state. */
async function retrying(fn: () => Promise<ReconcileOperation>): Promise<ReconcileOperation> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 409 || e.code === 404)) || attempt >= MAX_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** reconcileBootstrapPolicy reconciles the whole bootstrap policy; it returns what it changed. */
export async function reconcileBootstrapPolicy(registry: Registry, log?: Logger): Promise<Record<string, ReconcileOperation>> {
  const changes: Record<string, ReconcileOperation> = {};
  const note = (what: string, op: ReconcileOperation) => {
    if (op !== 'none') changes[what] = op;
  };
  const crs = storeOf(registry, 'clusterroles');
  for (const r of clusterRoles()) note(`clusterrole/${r.name}`, await retrying(() => reconcileRole(crs, roleObject('ClusterRole', r))));
  const crbs = storeOf(registry, 'clusterrolebindings');
  for (const b of clusterRoleBindings()) note(`clusterrolebinding/${b.name}`, await retrying(() => reconcileBinding(crbs, bindingObject('ClusterRoleBinding', b))));
  const roles = storeOf(registry, 'roles');
  const rbs = storeOf(registry, 'rolebindings');
  for (const ns of new Set([...namespaceRoles(), ...namespaceRoleBindings()].map((o) => o.namespace ?? ''))) await ensureNamespace(registry, ns);
  for (const r of namespaceRoles()) note(`role/${r.namespace}/${r.name}`, await retrying(() => reconcileRole(roles, roleObject('Role', r))));
  for (const b of namespaceRoleBindings()) note(`rolebinding/${b.namespace}/${b.name}`, await retrying(() => reconcileBinding(rbs, bindingObject('RoleBinding', b))));
  const protectedOnes = Object.entries(changes).filter(([, op]) => op === 'protected');
  if (protectedOnes.length && log) log.info(`rbac bootstrap: left alone (autoupdate=false): ${protectedOnes.map(([k]) => k).join(', ')}`);
  return changes;
}

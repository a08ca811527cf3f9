/**
 * The RBAC authorizer's view of Roles, ClusterRoles and their bindings, read from the stores'
 * watch caches through informers (as upstream's RBAC authorizer reads shared informers): no
 * storage round trip per request, and a change is visible as soon as the cache has it.
 */
import { Informer } from '../../controllers/informer';
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { Store } from '../../registry/store';
import type { Binding, PolicySource, Subject } from './rbac';
import { toPolicyRules, type PolicyRule } from './rules';

export interface RbacStores {
  roles: Store;
  clusterRoles: Store;
  roleBindings: Store;
  clusterRoleBindings: Store;
}

/** CachePolicySource follows the four RBAC resources. */
export class CachePolicySource implements PolicySource {
  readonly roles: Informer<readonly PolicyRule[]>;
  readonly clusterRoles: Informer<readonly PolicyRule[]>;
  readonly roleBindings: Informer<Binding>;
  readonly clusterRoleBindings: Informer<Binding>;

  constructor(stores: RbacStores) {
    const rules = (obj: KubeObject): readonly PolicyRule[] => toPolicyRules(obj.rules);
    this.roles = new Informer(stores.roles, rules);
    this.clusterRoles = new Informer(stores.clusterRoles, rules);
    this.roleBindings = new Informer(stores.roleBindings, toBinding);
    this.clusterRoleBindings = new Informer(stores.clusterRoleBindings, toBinding);
  }

  start(): this {
    for (const i of [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings] as Informer<unknown>[]) i.start();
    return this;
  }

  stop(): void {
    for (const i of [this.roles, this.clusterRoles, this.roleBindings, this.clusterRoleBindings] as Informer<unknown>[]) i.stop();
  }

  getRole(namespace: string, name: string): readonly PolicyRule[] | undefined {
    return this.roles.get(namespace, name);
  }

  getClusterRole(name: string): readonly PolicyRule[] | undefined {
    return this.clusterRoles.get('', name);
  }

  listRoleBindings(namespace: string): Iterable<Binding> {
    return this.roleBindings.namespaceMap(namespace)?.values() ?? [];
  }

  listClusterRoleBindings(): Iterable<Binding> {
    return this.clusterRoleBindings.namespaceMap('')?.values() ?? [];
  }
}

/** toBinding reads a stored RoleBinding or ClusterRoleBinding. */
export function toBinding(obj: KubeObject): Binding {
  const ref = isPlainObject(obj.roleRef) ? obj.roleRef : {};
  const subjects: Subject[] = [];
  for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
    if (!isPlainObject(s)) continue;
    subjects.push({
      kind: typeof s.kind === 'string' ? s.kind : '',
      apiGroup: typeof s.apiGroup === 'string' ? s.apiGroup : undefined,
      name: typeof s.name === 'string' ? s.name : '',
      namespace: typeof s.namespace === 'string' ? s.namespace : undefined,
    });
  }
  return {
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    roleRef: {
      apiGroup: typeof ref.apiGroup === 'string' ? ref.apiGroup : '',
      kind: typeof ref.kind === 'string' ? ref.kind : '',
      name: typeof ref.name === 'string' ? ref.name : '',
    },
    subjects,
  };
}

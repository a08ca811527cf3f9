import { StatusError, newForbidden, newNotFound } from '../apierrors';
import type { Attributes, Plugin } from './interface';

/** IMMORTAL_NAMESPACES may not be deleted (upstream's NamespaceLifecycle defaults). */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'] as const;

/** NamespaceState is what the plugin needs to know about a namespace. */
export type NamespaceState = 'Active' | 'Terminating' | 'Missing';

/**
 * namespaceLifecycle refuses content in namespaces that do not exist (404) or are being
 * deleted (403), and the deletion of the namespaces the cluster needs.
 */
export function namespaceLifecycle(stateOf: (namespace: string) => NamespaceState): Plugin {
  return {
    name: 'NamespaceLifecycle',
    validate(a: Attributes) {
      const isNamespace = a.resource.group === '' && a.resource.plural === 'namespaces';
      if (isNamespace) {
        if (a.operation === 'DELETE' && (IMMORTAL_NAMESPACES as readonly string[]).includes(a.name)) {
          throw newForbidden({ group: '', resource: 'namespaces' }, a.name, 'this namespace may not be deleted');
        }
        return;
      }
      if (!a.resource.namespaced || !a.namespace || a.operation !== 'CREATE') return;
      const state = stateOf(a.namespace);
      if (state === 'Missing') throw newNotFound({ group: '', resource: 'namespaces' }, a.namespace);
      if (state === 'Terminating') {
        const err = newForbidden(
          { group: a.resource.group, resource: a.resource.plural },
          a.name,
          `unable to create new content in namespace ${a.namespace} because it is being terminated`,
        );
        // Clients (controllers) tell this refusal by its cause, as upstream adds it.
        const causes = [{ reason: 'NamespaceTerminating', message: `namespace ${a.namespace} is being terminated`, field: 'metadata.namespace' }];
        throw new StatusError(err.code, err.reason, err.message, { ...err.details, causes });
      }
    },
  };
}

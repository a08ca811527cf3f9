/**
 * While a CustomResourceDefinition is being deleted its custom resources are being deleted too:
 * apiextensions-apiserver refuses to create new ones (its forbidCreateAdmission, wrapped around
 * the admission chain of create and of a patch that would create), 403 Forbidden.
 */
import { newForbidden } from '../apierrors';
import type { Admission } from '../admission/interface';
import type { Registry } from '../registry/registry';
import { isPlainObject } from '../meta/object';
import { decode } from '../storage/codec';

/** isTerminating is upstream's test: a deletion timestamp, or the Terminating condition. */
function isTerminating(crd: Record<string, unknown>): boolean {
  const meta = isPlainObject(crd.metadata) ? crd.metadata : {};
  if (meta.deletionTimestamp) return true;
  const status = isPlainObject(crd.status) ? crd.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return conditions.some((c) => isPlainObject(c) && c.type === 'Terminating' && c.status === 'True');
}

/** forbidCreateWhileTerminating refuses the creation of a custom resource whose CRD is terminating. */
export function forbidCreateWhileTerminating(stores: Pick<Registry, 'storeFor'>): Admission {
  return {
    admit: async (a) => {
      if (a.operation !== 'CREATE' || !a.resource.custom || !a.resource.crdName) return;
      const crds = stores.storeFor('apiextensions.k8s.io', 'customresourcedefinitions');
      const kv = crds?.cache.get(crds.key('', a.resource.crdName));
      if (!kv || !isTerminating(decode(kv.value))) return;
      throw newForbidden({ group: a.resource.group, resource: a.resource.plural }, a.name, 'create not allowed while custom resource definition is terminating');
    },
    validate: async () => {},
  };
}

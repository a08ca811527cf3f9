/**
 * The service account controller (k8s.io/kubernetes pkg/controller/serviceaccount): every
 * namespace has a ServiceAccount called `default`, which pods run as unless they name another.
 */
import type { Registry } from '../registry/registry';
import type { Logger } from '../server/status';
import { PerNamespaceObjectController } from './pernamespace';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** newServiceAccountsController keeps the `default` ServiceAccount in every namespace. */
export function newServiceAccountsController(registry: Registry, log: Logger): PerNamespaceObjectController {
  return new PerNamespaceObjectController(
    registry,
    {
      controller: 'service-account-controller',
      group: '',
      plural: 'serviceaccounts',
      name: DEFAULT_SERVICE_ACCOUNT,
      desired: (namespace) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }),
    },
    log,
  );
}

/**
 * Drop-in CRDs (schemas/crds/, compiled in by the generator) exist as CustomResourceDefinition
 * objects too, so `kubectl get crd` lists them. The stored object is kept equal to the file:
 * reconciled at every start, and changes through the API are refused.
 */
import { StatusError, newForbidden } from '../apierrors';
import type { Admission, Attributes } from '../admission/interface';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import type { Registry } from '../registry/registry';
import { deepEqual } from '../registry/equal';
import type { CRD } from './types';

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:apiserver', groups: ['system:masters'] }, fieldManager: 'kube-apiserver' };

/** reconcileDropIns creates each drop-in CRD, or puts its spec back to the file's. */
export async function reconcileDropIns(registry: Registry, crds: readonly CRD[]): Promise<void> {
  const store = registry.storeFor('apiextensions.k8s.io', 'customresourcedefinitions');
  if (!store) throw new Error('customresourcedefinitions are not served');
  for (const crd of crds) {
    const name = crd.metadata.name ?? '';
    const wanted = structuredClone(crd) as unknown as KubeObject;
    try {
      await store.create(SYSTEM, wanted);
      continue;
    } catch (e) {
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
    await store.update(SYSTEM, name, (current) => {
      if (!current) return structuredClone(crd) as unknown as KubeObject;
      if (deepEqual(stripDefaults(current.spec), stripDefaults(crd.spec))) return current;
      current.spec = structuredClone(crd.spec);
      return current;
    });
  }
}

function stripDefaults(spec: unknown): unknown {
  const s = structuredClone(spec) as Record<string, unknown> | undefined;
  if (!s) return s;
  const names = s.names as Record<string, unknown> | undefined;
  if (names) {
    delete names.singular;
    delete names.listKind;
  }
  delete s.conversion;
  return s;
}

/**
 * dropInGuard refuses updates and deletes of drop-in CRDs through the API: they are defined by
 * their file, and a divergence would be silent until the next start undid it.
 */
export function dropInGuard(names: ReadonlySet<string>): Admission {
  const check = (a: Attributes) => {
    if (a.resource.group !== 'apiextensions.k8s.io' || a.resource.plural !== 'customresourcedefinitions') return;
    if (!names.has(a.name) || a.subresource === 'status') return;
    if (a.operation !== 'UPDATE' && a.operation !== 'DELETE') return;
    if (a.user.name === SYSTEM.user.name) return;
    throw newForbidden(
      { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
      a.name,
      'this CustomResourceDefinition is compiled in from schemas/crds/; change the file, run npm run gen and restart',
    );
  };
  return { admit: async () => {}, validate: async (a) => check(a) };
}

/** combineAdmission runs two admission chains one after the other. */
export function combineAdmission(first: Admission, second: Admission): Admission {
  return {
    admit: async (a) => {
      await first.admit(a);
      await second.admit(a);
    },
    validate: async (a) => {
      await first.validate(a);
      await second.validate(a);
    },
  };
}

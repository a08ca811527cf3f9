/**
 * The root CA certificate publisher (k8s.io/kubernetes pkg/controller/certificates/rootcacertpublisher):
 * every namespace has a ConfigMap `kube-root-ca.crt` holding the CA that signed the serving
 * certificate, which the projected service-account volume mounts next to the token. A changed
 * copy is put back.
 */
import { isPlainObject, type KubeObject } from '../meta/object';
import type { Registry } from '../registry/registry';
import type { Logger } from '../server/status';
import { PerNamespaceObjectController } from './pernamespace';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const CA_KEY = 'ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** DESCRIPTION is the annotation upstream's publisher sets, for whoever finds the ConfigMap. */
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** newRootCACertPublisher keeps `kube-root-ca.crt` with caPem in every namespace. */
export function newRootCACertPublisher(registry: Registry, log: Logger, caPem: string): PerNamespaceObjectController {
  return new PerNamespaceObjectController(
    registry,
    {
      controller: 'root-ca-cert-publisher',
      group: '',
      plural: 'configmaps',
      name: ROOT_CA_CONFIGMAP,
      desired: (namespace) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data: { [CA_KEY]: caPem },
      }),
      repair: (existing) => repair(existing, caPem),
    },
    log,
  );
}

/** repair restores the data and, when it is empty, the description, as upstream's sync does (binaryData is left alone). */
function repair(existing: KubeObject, caPem: string): KubeObject | undefined {
  const data = isPlainObject(existing.data) ? existing.data : {};
  const annotations = existing.metadata.annotations ?? {};
  if (Object.keys(data).length === 1 && data[CA_KEY] === caPem && annotations[DESCRIPTION_ANNOTATION]) return undefined;
  return { ...existing, metadata: { ...existing.metadata, annotations: { ...annotations, [DESCRIPTION_ANNOTATION]: annotations[DESCRIPTION_ANNOTATION] || DESCRIPTION } }, data: { [CA_KEY]: caPem } };
}

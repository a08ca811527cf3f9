import { decode } from '../storage/codec';
import { everything } from '../watch/predicate';
import { admissionForbidden } from './forbidden';
import { chain, type Admission, type Plugin } from './interface';
import { limitRanger } from './limitranger';
import { namespaceLifecycle, type NamespaceState } from './namespacelifecycle';
import { QuotaAccess, type StoreLookup } from './quota/access';
import { resourceQuota } from './resourcequota';
import { serviceAccountAdmission } from './serviceaccount';

/** AdmissionDeps is what the plugins read. */
export interface AdmissionDeps {
  /** namespaceJSON returns the stored namespace, or undefined. */
  namespaceJSON(name: string): string | undefined;
  /** stores reach LimitRanges, ServiceAccounts and the objects quotas count. */
  stores?: StoreLookup;
  /** quota is shared with the resource quota controller (one lock per namespace). */
  quota?: QuotaAccess;
}

/**
 * UPSTREAM_ORDER is kube-apiserver's fixed plugin order (pkg/kubeapiserver/options/plugins.go);
 * enabling a plugin never changes where it runs.
 */
export const UPSTREAM_ORDER = [
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysPullImages',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DenyServiceExternalIPs',
  'PodTopologyLabels',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'AlwaysDeny',
] as const;

/** PLUGIN_ORDER are the plugins kapi implements, in upstream order. */
export const PLUGIN_ORDER = ['AlwaysAdmit', 'NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'ResourceQuota', 'AlwaysDeny'] as const;

/** DEFAULT_PLUGINS are on unless disabled: upstream's default-on plugins that kapi has. */
export const DEFAULT_PLUGINS: readonly string[] = ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'ResourceQuota'];

/**
 * resolveAdmissionPlugins applies --enable-admission-plugins and --disable-admission-plugins to
 * the defaults, as kube-apiserver does. Upstream plugins kapi lacks (webhooks, node and storage
 * plugins) are accepted and reported, so command lines written for kube-apiserver keep working.
 */
export function resolveAdmissionPlugins(enable: readonly string[], disable: readonly string[]): { enabled: string[]; ignored: string[] } {
  const known = new Set<string>(UPSTREAM_ORDER);
  for (const p of enable) if (!known.has(p)) throw new Error(`enable-admission-plugins plugin ${JSON.stringify(p)} is unknown`);
  for (const p of disable) if (!known.has(p)) throw new Error(`disable-admission-plugins plugin ${JSON.stringify(p)} is unknown`);
  for (const p of enable) if (disable.includes(p)) throw new Error(`${p} in enable-admission-plugins and disable-admission-plugins overlapped`);
  const wanted = new Set([...DEFAULT_PLUGINS, ...enable].filter((p) => !disable.includes(p)));
  const implemented = new Set<string>(PLUGIN_ORDER);
  return {
    enabled: UPSTREAM_ORDER.filter((p) => wanted.has(p) && implemented.has(p)),
    ignored: UPSTREAM_ORDER.filter((p) => wanted.has(p) && !implemented.has(p)),
  };
}

/** buildAdmission makes the chain of the enabled plugins, in upstream order. */
export function buildAdmission(enabled: readonly string[], deps: AdmissionDeps): Admission {
  const unknown = enabled.filter((n) => !(PLUGIN_ORDER as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`admission plugins not supported: ${unknown.join(', ')} (supported: ${PLUGIN_ORDER.join(', ')})`);
  const plugins: Plugin[] = [];
  const stores = () => {
    if (!deps.stores) throw new Error('admission plugins LimitRanger, ServiceAccount and ResourceQuota need the stores');
    return deps.stores;
  };
  for (const name of PLUGIN_ORDER) {
    if (!enabled.includes(name)) continue;
    if (name === 'AlwaysAdmit') plugins.push({ name });
    if (name === 'AlwaysDeny') {
      plugins.push({
        name,
        admit: (a) => {
          throw admissionForbidden(a, 'admission control is denying all modifications');
        },
      });
    }
    if (name === 'NamespaceLifecycle') {
      plugins.push(
        namespaceLifecycle((ns): NamespaceState => {
          const json = deps.namespaceJSON(ns);
          if (!json) return 'Missing';
          // Every create in a namespace asks: parse only a namespace that may be terminating.
          if (!json.includes('"deletionTimestamp"')) return 'Active';
          return decode(json).metadata.deletionTimestamp ? 'Terminating' : 'Active';
        }),
      );
    }
    if (name === 'LimitRanger') {
      plugins.push(
        limitRanger((namespace) => {
          const store = stores().storeFor('', 'limitranges');
          if (!store) return [];
          return store.cache.list({ prefix: store.prefixFor(namespace), predicate: everything }).items.map((kv) => decode(kv.value));
        }),
      );
    }
    if (name === 'ServiceAccount') {
      plugins.push(
        serviceAccountAdmission((namespace, saName) => {
          const store = stores().storeFor('', 'serviceaccounts');
          const kv = store?.cache.get(store.key(namespace, saName));
          return kv ? decode(kv.value) : undefined;
        }),
      );
    }
    if (name === 'ResourceQuota') {
      const access = deps.quota ?? new QuotaAccess(stores());
      plugins.push(
        resourceQuota(access, (a) => {
          const store = stores().storeFor(a.resource.group, a.resource.plural);
          return store !== undefined && store.cache.get(store.key(a.namespace, a.object?.metadata.name ?? a.name)) !== undefined;
        }),
      );
    }
  }
  return chain(plugins);
}

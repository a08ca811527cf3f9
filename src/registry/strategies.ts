import type { ResourceDescriptor } from '../resources/descriptor';
import * as customresourcedefinitions from './apiextensions/customresourcedefinitions';
import * as daemonsets from './apps/daemonsets';
import * as deployments from './apps/deployments';
import * as replicasets from './apps/replicasets';
import * as statefulsets from './apps/statefulsets';
import * as horizontalpodautoscalers from './autoscaling/horizontalpodautoscalers';
import * as configmaps from './core/configmaps';
import * as endpoints from './core/endpoints';
import * as events from './core/events';
import * as limitranges from './core/limitranges';
import * as namespaces from './core/namespaces';
import * as nodes from './core/nodes';
import * as persistentvolumeclaims from './core/persistentvolumeclaims';
import * as persistentvolumes from './core/persistentvolumes';
import * as pods from './core/pods';
import * as podtemplates from './core/podtemplates';
import * as replicationcontrollers from './core/replicationcontrollers';
import * as secrets from './core/secrets';
import * as serviceaccounts from './core/serviceaccounts';
import * as services from './core/services';
import * as ingressclasses from './networking/ingressclasses';
import * as ingresses from './networking/ingresses';
import * as networkpolicies from './networking/networkpolicies';
import * as clusterrolebindings from './rbac/clusterrolebindings';
import * as clusterroles from './rbac/clusterroles';
import * as rolebindings from './rbac/rolebindings';
import * as roles from './rbac/roles';
import type { Storage } from '../storage/interface';
import { localSubjectAccessReview, selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview } from '../auth/reviews/access';
import { selfSubjectReview, tokenReview } from '../auth/reviews/authentication';
import { maybeSecurityFor, securityFor } from '../auth/services';
import { createToken } from './core/serviceaccounts';
import { escalationGuard, type RbacResource } from './rbac/escalation';
import { customResourceStrategy, type CustomResourceRules } from './custom';
import { IPv4Range, PortRange } from './core/allocator';
import { SUCCESS_CREATED, bindPod, evictPod } from './core/podbinding';
import { ServiceAllocator, type IPAddressStore } from './core/serviceallocation';
import type { Store } from './store';
import type { Strategy, StrategyOverrides } from './strategy';

/**
 * strategyModules registers each resource's own module by GroupResource. It is the only list of
 * resource names in the registry; everything else is derived from the resource table.
 */
const strategyModules: Readonly<Record<string, StrategyOverrides>> = {
  pods: pods.strategy,
  services: services.strategy,
  namespaces: namespaces.strategy,
  configmaps: configmaps.strategy,
  secrets: secrets.strategy,
  serviceaccounts: serviceaccounts.strategy,
  endpoints: endpoints.strategy,
  events: events.strategy,
  nodes: nodes.strategy,
  persistentvolumeclaims: persistentvolumeclaims.strategy,
  persistentvolumes: persistentvolumes.strategy,
  podtemplates: podtemplates.strategy,
  replicationcontrollers: replicationcontrollers.strategy,
  limitranges: limitranges.strategy,
  'horizontalpodautoscalers.autoscaling': horizontalpodautoscalers.strategy,
  'networkpolicies.networking.k8s.io': networkpolicies.strategy,
  'ingressclasses.networking.k8s.io': ingressclasses.strategy,
  'deployments.apps': deployments.strategy,
  'replicasets.apps': replicasets.strategy,
  'statefulsets.apps': statefulsets.strategy,
  'daemonsets.apps': daemonsets.strategy,
  'ingresses.networking.k8s.io': ingresses.strategy,
  'roles.rbac.authorization.k8s.io': roles.strategy,
  'customresourcedefinitions.apiextensions.k8s.io': customresourcedefinitions.strategy,
  'clusterroles.rbac.authorization.k8s.io': clusterroles.strategy,
  'rolebindings.rbac.authorization.k8s.io': rolebindings.strategy,
  'clusterrolebindings.rbac.authorization.k8s.io': clusterrolebindings.strategy,
};

/** StrategyDeps is what strategies with side effects (service allocation) may reach. */
export interface StrategyDeps {
  storeFor(group: string, plural: string): Store | undefined;
  /** customRules finds a custom resource's CEL rules (set once the CRD is compiled). */
  customRules?: (r: ResourceDescriptor) => CustomResourceRules | undefined;
  storage: Storage;
  keyRoot: string;
  serviceClusterIPRange: string;
  serviceNodePortRange: string;
}

/** wiredOverrides adds the hooks that need the registry around them. */
function wiredOverrides(gr: string, deps: StrategyDeps): StrategyOverrides {
  const security = securityOverrides(gr, deps);
  if (security) return security;
  const pods = () => {
    const store = deps.storeFor('', 'pods');
    if (!store) throw new Error('pods are not served');
    return store;
  };
  if (gr === 'pods') {
    return {
      subresourceActions: {
        binding: async (ctx, name, body) => (await bindPod(pods(), ctx, name, body), SUCCESS_CREATED),
        eviction: async (ctx, name, body) => (await evictPod(pods(), ctx, name, body), SUCCESS_CREATED),
      },
    };
  }
  if (gr === 'bindings') {
    return {
      createAction: async (ctx, body) => {
        const name = (body.metadata as { name?: string } | undefined)?.name ?? '';
        await bindPod(pods(), ctx, name, body);
        return SUCCESS_CREATED;
      },
    };
  }
  if (gr !== 'services') return {};
  const allocator = new ServiceAllocator({
    ipRange: new IPv4Range(deps.serviceClusterIPRange),
    nodePortRange: PortRange.parse(deps.serviceNodePortRange),
    ipAddresses: () => ipAddressStore(deps),
    storage: deps.storage,
    keyRoot: deps.keyRoot,
  });
  return {
    beginCreate: (ctx, obj) => allocator.beginCreate(ctx, obj),
    beginUpdate: (ctx, obj, old) => allocator.beginUpdate(ctx, obj, old),
    afterDelete: (ctx, obj) => allocator.afterDelete(ctx, obj),
  };
}

/**
 * securityOverrides wires the authentication and authorization APIs to the server's security
 * services (src/auth/services.ts): the review APIs, TokenRequest, and the RBAC escalation checks.
 */
function securityOverrides(gr: string, deps: StrategyDeps): StrategyOverrides | undefined {
  const services = () => securityFor(deps.storage);
  const store = (group: string, plural: string) => {
    const s = deps.storeFor(group, plural);
    if (!s) throw new Error(`${plural} are not served`);
    return s;
  };
  switch (gr) {
    case 'serviceaccounts':
      return {
        subresourceActions: {
          token: async (ctx, name, body) => {
            const s = services();
            return createToken(
              { serviceAccounts: store('', 'serviceaccounts'), pods: store('', 'pods'), secrets: store('', 'secrets'), nodes: store('', 'nodes'), tokens: s.tokens, apiAudiences: s.apiAudiences, maxExpirationSeconds: s.maxTokenExpirationSeconds },
              ctx,
              name,
              body,
            );
          },
        },
      };
    case 'tokenreviews.authentication.k8s.io':
      return { createAction: async (_ctx, body) => tokenReview(services().authenticator, services().apiAudiences, body) };
    case 'selfsubjectreviews.authentication.k8s.io':
      return { createAction: async (ctx) => selfSubjectReview(ctx.user) };
    case 'subjectaccessreviews.authorization.k8s.io':
      return { createAction: async (_ctx, body) => subjectAccessReview(services().authorizer, body) };
    case 'localsubjectaccessreviews.authorization.k8s.io':
      return { createAction: async (ctx, body) => localSubjectAccessReview(services().authorizer, ctx, body) };
    case 'selfsubjectaccessreviews.authorization.k8s.io':
      return { createAction: async (ctx, body) => selfSubjectAccessReview(services().authorizer, ctx.user, body) };
    case 'selfsubjectrulesreviews.authorization.k8s.io':
      return { createAction: async (ctx, body) => selfSubjectRulesReview(services().authorizer, ctx.user, body) };
    case 'roles.rbac.authorization.k8s.io':
    case 'clusterroles.rbac.authorization.k8s.io':
    case 'rolebindings.rbac.authorization.k8s.io':
    case 'clusterrolebindings.rbac.authorization.k8s.io':
      return escalationGuard(gr.slice(0, gr.indexOf('.')) as RbacResource, () => maybeSecurityFor(deps.storage));
    default:
      return undefined;
  }
}

function ipAddressStore(deps: StrategyDeps): IPAddressStore {
  const store = deps.storeFor('networking.k8s.io', 'ipaddresses');
  if (!store) throw new Error('service allocation needs the networking.k8s.io ipaddresses resource');
  const current = (name: string) => store.cache.get(store.key('', name));
  return {
    create: (ctx, obj) => store.create(ctx, obj),
    delete: (ctx, name) => store.delete(ctx, name),
    exists: (name) => current(name) !== undefined,
    parentOf: (name) => {
      const kv = current(name);
      if (!kv) return undefined;
      const ref = (JSON.parse(kv.value) as { spec?: { parentRef?: { namespace?: string; name?: string } } }).spec?.parentRef;
      return `${ref?.namespace ?? ''}/${ref?.name ?? ''}`;
    },
  };
}

/**
 * strategyFor is the default strategy derived from the resource table, with the resource's own
 * overrides on top. Kinds with a status subresource keep status out of main-resource writes and
 * track generation; everything may be updated without a resourceVersion, as most upstream kinds.
 */
export function strategyFor(r: ResourceDescriptor, deps: StrategyDeps): Strategy {
  if (r.custom) {
    // Drop-in CRDs' kinds: the custom resource strategy, with rules looked up when they run.
    return customResourceStrategy(r, r.customScale, {
      defaults: (obj) => deps.customRules?.(r)?.defaults?.(obj),
      validate: (obj) => deps.customRules?.(r)?.validate?.(obj) ?? [],
      validateUpdate: (obj, old) => deps.customRules?.(r)?.validateUpdate?.(obj, old) ?? [],
    });
  }
  const hasStatus = r.subresources.some((s) => s.name === 'status');
  const base: Strategy = {
    nameRule: 'subdomain',
    tracksGeneration: hasStatus,
    statusField: hasStatus ? 'status' : undefined,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
  };
  const gr = r.group ? `${r.plural}.${r.group}` : r.plural;
  return { ...base, ...(strategyModules[gr] ?? {}), ...wiredOverrides(gr, deps) };
}

/**
 * Ingress and IngressClass between networking.k8s.io/v1beta1 and v1, case by case, as upstream
 * converts them (k8s.io/kubernetes pkg/apis/networking/v1beta1/conversion.go and its tests), and
 * the runtime API the request path uses.
 */
import assert from 'node:assert/strict';
import { resources } from '../../../generated/resources';
import { applyVersionDefaults, ConversionError, converterFor, hasVersionDefaults, type Converter } from '../../../src/conversion';

const GROUP = 'networking.k8s.io';
const V1 = 'networking.k8s.io/v1';
const V1BETA1 = 'networking.k8s.io/v1beta1';

function ingress(apiVersion: string, spec: Record<string, unknown>, status?: Record<string, unknown>): Record<string, unknown> {
  const obj: Record<string, unknown> = { apiVersion, kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec };
  if (status) obj.status = status;
  return obj;
}

/** rules wraps one path's backend the way both versions nest it. */
function rules(backend: unknown, pathType?: string): Record<string, unknown>[] {
  const p: Record<string, unknown> = { path: '/', backend };
  if (pathType !== undefined) p.pathType = pathType;
  return [{ host: 'example.com', http: { paths: [p] } }];
}

describe('networking.k8s.io conversion (upstream semantics)', () => {
  let ingresses: Converter;
  let classes: Converter;

  before(() => {
    ingresses = converterFor(GROUP, 'Ingress')!;
    classes = converterFor(GROUP, 'IngressClass')!;
    assert.ok(ingresses && classes);
  });

  describe('Ingress backends', () => {
    it('turns serviceName and a numeric servicePort into service.name and service.port.number, and back', () => {
      const v1beta1 = ingress(V1BETA1, { rules: rules({ serviceName: 'web', servicePort: 8080 }, 'Prefix') });
      const v1 = ingresses.toHub(v1beta1, 'v1beta1');
      assert.deepEqual(v1, ingress(V1, { rules: rules({ service: { name: 'web', port: { number: 8080 } } }, 'Prefix') }));
      assert.deepEqual(ingresses.fromHub(v1, 'v1beta1'), v1beta1);
    });

    it('turns a named servicePort into service.port.name, and back', () => {
      const v1beta1 = ingress(V1BETA1, { rules: rules({ serviceName: 'web', servicePort: 'http' }, 'Exact') });
      const v1 = ingresses.toHub(v1beta1, 'v1beta1');
      assert.deepEqual(v1, ingress(V1, { rules: rules({ service: { name: 'web', port: { name: 'http' } } }, 'Exact') }));
      assert.deepEqual(ingresses.fromHub(v1, 'v1beta1'), v1beta1);
    });

    it('keeps a numeric-looking port name a name', () => {
      const v1 = ingresses.toHub(ingress(V1BETA1, { rules: rules({ serviceName: 'web', servicePort: '80' }) }), 'v1beta1');
      assert.deepEqual((v1.spec as { rules: { http: { paths: { backend: unknown }[] } }[] }).rules[0].http.paths[0].backend, {
        service: { name: 'web', port: { name: '80' } },
      });
    });

    it('copies a resource backend, and reads client-go\'s unset servicePort 0 beside it as no service', () => {
      const resource = { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' };
      const v1 = ingresses.toHub(ingress(V1BETA1, { rules: rules({ resource, servicePort: 0 }, 'ImplementationSpecific') }), 'v1beta1');
      assert.deepEqual(v1, ingress(V1, { rules: rules({ resource }, 'ImplementationSpecific') }));
      assert.deepEqual(ingresses.fromHub(v1, 'v1beta1'), ingress(V1BETA1, { rules: rules({ resource }, 'ImplementationSpecific') }));
    });

    it('makes a service of a port name alone, as upstream does for any string servicePort', () => {
      const v1 = ingresses.toHub(ingress(V1BETA1, { backend: { servicePort: '' } }), 'v1beta1');
      assert.deepEqual((v1.spec as Record<string, unknown>).defaultBackend, { service: { name: '', port: {} } });
    });

    it('writes the port name rather than the number when a v1 port has both (validation refuses that; upstream prefers the name)', () => {
      const v1beta1 = ingresses.fromHub(ingress(V1, { defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }), 'v1beta1');
      assert.deepEqual((v1beta1.spec as Record<string, unknown>).backend, { serviceName: 'web', servicePort: 'http' });
    });

    it('refuses a servicePort that is neither a number nor a string with a ConversionError', () => {
      assert.throws(() => ingresses.toHub(ingress(V1BETA1, { backend: { serviceName: 'web', servicePort: true } }), 'v1beta1'), ConversionError);
      assert.throws(() => ingresses.fromHub(ingress(V1, { defaultBackend: { service: 'web' } }), 'v1beta1'), /IngressBackend\.service: expected an object/);
    });
  });

  describe('Ingress default backend', () => {
    it('renames spec.backend to spec.defaultBackend and back, converting what it holds', () => {
      const v1beta1 = ingress(V1BETA1, { ingressClassName: 'nginx', backend: { serviceName: 'test-backend', servicePort: 8080 } });
      const v1 = ingresses.toHub(v1beta1, 'v1beta1');
      assert.deepEqual(v1, ingress(V1, { ingressClassName: 'nginx', defaultBackend: { service: { name: 'test-backend', port: { number: 8080 } } } }));
      assert.deepEqual(ingresses.fromHub(v1, 'v1beta1'), v1beta1);
    });

    it('renames an empty backend too (a present pointer converts, as upstream)', () => {
      const v1 = ingresses.toHub(ingress(V1BETA1, { backend: {} }), 'v1beta1');
      assert.deepEqual(v1.spec, { defaultBackend: {} });
    });
  });

  describe('pathType', () => {
    it('is copied as given in both directions', () => {
      for (const pathType of ['Exact', 'Prefix', 'ImplementationSpecific']) {
        const v1 = ingresses.toHub(ingress(V1BETA1, { rules: rules({ serviceName: 's', servicePort: 1 }, pathType) }), 'v1beta1');
        assert.equal((v1.spec as { rules: { http: { paths: { pathType: string }[] } }[] }).rules[0].http.paths[0].pathType, pathType);
      }
    });

    it('defaults to ImplementationSpecific in v1beta1, before conversion, without touching the input', () => {
      assert.ok(hasVersionDefaults(GROUP, 'v1beta1', 'Ingress'));
      assert.ok(!hasVersionDefaults(GROUP, 'v1', 'Ingress'));
      const input = ingress(V1BETA1, {
        rules: [{ http: { paths: [{ path: '/a', backend: { serviceName: 's', servicePort: 80 } }, { path: '/b', pathType: 'Exact', backend: { serviceName: 's', servicePort: 80 } }] } }],
      });
      const before = structuredClone(input);
      const defaulted = applyVersionDefaults(input, GROUP, 'v1beta1', 'Ingress');
      assert.deepEqual(input, before);
      const v1 = ingresses.toHub(defaulted, 'v1beta1');
      const paths = (v1.spec as { rules: { http: { paths: { pathType: string }[] } }[] }).rules[0].http.paths;
      assert.deepEqual(paths.map((p) => p.pathType), ['ImplementationSpecific', 'Exact']);
    });

    it('is left alone by conversion itself (the round trip stays lossless)', () => {
      const v1beta1 = ingress(V1BETA1, { rules: rules({ serviceName: 's', servicePort: 80 }) });
      assert.deepEqual(ingresses.fromHub(ingresses.toHub(v1beta1, 'v1beta1'), 'v1beta1'), v1beta1);
    });

    it('is not applied in v1, whose own defaults are the hub\'s business', () => {
      const v1 = ingress(V1, { rules: rules({ service: { name: 's', port: { number: 80 } } }) });
      assert.deepEqual(applyVersionDefaults(v1, GROUP, 'v1', 'Ingress'), v1);
    });
  });

  describe('Ingress status', () => {
    it('carries load balancer ingress points between core LoadBalancerStatus and IngressLoadBalancerStatus', () => {
      const points = [
        { ip: '192.0.2.10', ports: [{ port: 443, protocol: 'TCP', error: 'Pending' }] },
        { hostname: 'lb.example.com' },
      ];
      const v1beta1 = ingress(V1BETA1, { rules: rules({ serviceName: 's', servicePort: 80 }) }, { loadBalancer: { ingress: points } });
      const v1 = ingresses.toHub(v1beta1, 'v1beta1');
      assert.deepEqual(v1.status, { loadBalancer: { ingress: points } });
      assert.deepEqual(ingresses.fromHub(v1, 'v1beta1'), v1beta1);
    });

    it('drops ipMode, which v1 has no field for', () => {
      const v1 = ingresses.toHub(ingress(V1BETA1, {}, { loadBalancer: { ingress: [{ ip: '192.0.2.10', ipMode: 'VIP' }] } }), 'v1beta1');
      assert.deepEqual(v1.status, { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } });
    });
  });

  describe('IngressClass', () => {
    it('copies controller and parameters, scope and namespace included, and rewrites apiVersion', () => {
      const spec = {
        controller: 'example.com/ingress-controller',
        parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Namespace', namespace: 'ingress' },
      };
      const v1beta1 = { apiVersion: V1BETA1, kind: 'IngressClass', metadata: { name: 'external-lb', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec };
      const v1 = classes.toHub(v1beta1, 'v1beta1');
      assert.deepEqual(v1, { ...v1beta1, apiVersion: V1 });
      assert.deepEqual(classes.fromHub(v1, 'v1beta1'), v1beta1);
      assert.deepEqual(classes.fromHub({ ...v1, spec: { controller: 'c', parameters: { kind: 'K', name: 'n', scope: 'Cluster' } } }, 'v1beta1').spec, {
        controller: 'c',
        parameters: { kind: 'K', name: 'n', scope: 'Cluster' },
      });
    });
  });

  describe('the runtime API', () => {
    it('has converters for the kinds served in several versions only', () => {
      assert.equal(converterFor(GROUP, 'NetworkPolicy'), undefined);
      assert.equal(converterFor('apps', 'Deployment'), undefined);
      assert.equal(converterFor('', 'Pod'), undefined);
      assert.equal(converterFor(GROUP, 'IngressList')?.hub, 'v1');
      assert.equal(converterFor(GROUP, 'Ingress'), ingresses, 'one converter per kind');
    });

    it('copies and sets apiVersion when converting to the version the object is in', () => {
      const v1 = ingress(V1, { ingressClassName: 'x' });
      const same = ingresses.toHub(v1, 'v1');
      assert.deepEqual(same, v1);
      assert.notEqual(same, v1);
      assert.equal(ingresses.convert({ ...v1, apiVersion: undefined }, 'v1', 'v1').apiVersion, V1);
    });

    it('sets apiVersion even when the input has none', () => {
      const { apiVersion: _, ...bare } = ingress(V1BETA1, {});
      assert.equal(ingresses.toHub(bare, 'v1beta1').apiVersion, V1);
    });

    it('refuses a version the kind is not served in', () => {
      assert.throws(() => ingresses.toHub(ingress(V1BETA1, {}), 'v2'), /not served in version "v2"/);
      assert.throws(() => ingresses.fromHub(ingress(V1, {}), 'extensions/v1beta1'), /not served/);
    });

    it('converts lists item by item with convertList, rewriting the apiVersion of items that carry one', () => {
      const list = {
        apiVersion: V1,
        kind: 'IngressList',
        metadata: { resourceVersion: '42' },
        items: [
          { metadata: { name: 'a' }, spec: { defaultBackend: { service: { name: 'a', port: { number: 80 } } } } },
          { apiVersion: V1, kind: 'Ingress', metadata: { name: 'b' }, spec: {} },
        ],
      };
      assert.deepEqual(ingresses.convertList(list, 'v1', 'v1beta1'), {
        apiVersion: V1BETA1,
        kind: 'IngressList',
        metadata: { resourceVersion: '42' },
        items: [
          { metadata: { name: 'a' }, spec: { backend: { serviceName: 'a', servicePort: 80 } } },
          { apiVersion: V1BETA1, kind: 'Ingress', metadata: { name: 'b' }, spec: {} },
        ],
      });
    });

    it('drops fields neither schema declares, as decoding into a typed object does', () => {
      const v1 = ingresses.toHub({ ...ingress(V1BETA1, { backend: { serviceName: 's', servicePort: 1, extra: true }, extra: 1 }), extra: 'x' }, 'v1beta1');
      assert.deepEqual(v1, ingress(V1, { defaultBackend: { service: { name: 's', port: { number: 1 } } } }));
    });

    it('passes a value of the wrong shape through where both versions have the field, for validation to report', () => {
      const v1 = ingresses.toHub(ingress(V1BETA1, { rules: 'not-a-list', tls: [{ hosts: 'x' }] }), 'v1beta1');
      assert.deepEqual(v1.spec, { rules: 'not-a-list', tls: [{ hosts: 'x' }] });
    });
  });

  describe('deprecation warnings (schemas/overlay/deprecations.yaml)', () => {
    const warning = (plural: string, version: string) => resources.find((r) => r.group === GROUP && r.plural === plural && r.version === version)?.deprecationWarning;

    it('are kube-apiserver\'s for networking.k8s.io/v1beta1 Ingress and IngressClass', () => {
      assert.equal(warning('ingresses', 'v1beta1'), 'networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress');
      // Upstream's prerelease-lifecycle-gen replacement tag on v1beta1 IngressClass names IngressClassList.
      assert.equal(
        warning('ingressclasses', 'v1beta1'),
        'networking.k8s.io/v1beta1 IngressClass is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 IngressClassList',
      );
    });

    it('are absent from v1 and from the v1beta1 resources that are not deprecated', () => {
      assert.equal(warning('ingresses', 'v1'), undefined);
      assert.equal(warning('ingressclasses', 'v1'), undefined);
      assert.equal(warning('ipaddresses', 'v1beta1'), undefined);
    });
  });
});

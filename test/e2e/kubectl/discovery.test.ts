/**
 * Discovery as kubectl 1.35 sees it: `kubectl api-versions` and `kubectl api-resources` read the
 * aggregated discovery documents (/api, /apis), and every other command resolves resource names,
 * short names and scopes from them.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { parseTable, type Table } from './support';

/** SERVED_GROUP_VERSIONS are the group-versions kapi serves, as `kubectl api-versions` names them. */
const SERVED_GROUP_VERSIONS = [
  'v1',
  'apps/v1',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'coordination.k8s.io/v1',
  'autoscaling/v1',
  'apiextensions.k8s.io/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
];

/** SHORT_NAMES are kube-apiserver's short names (the SHORTNAMES column) for resources kapi serves. */
const SHORT_NAMES: Record<string, string> = {
  pods: 'po',
  services: 'svc',
  deployments: 'deploy',
  ingresses: 'ing',
  configmaps: 'cm',
  namespaces: 'ns',
  serviceaccounts: 'sa',
  endpoints: 'ep',
  persistentvolumeclaims: 'pvc',
  persistentvolumes: 'pv',
  replicasets: 'rs',
  statefulsets: 'sts',
  daemonsets: 'ds',
  nodes: 'no',
  events: 'ev',
  replicationcontrollers: 'rc',
  resourcequotas: 'quota',
  limitranges: 'limits',
  horizontalpodautoscalers: 'hpa',
  networkpolicies: 'netpol',
  customresourcedefinitions: 'crd,crds',
};

/** POD_VERBS are the verbs kube-apiserver lists for pods (sorted, as `api-resources -o wide` prints). */
const POD_VERBS = 'create,delete,deletecollection,get,list,patch,update,watch';

describe('kubectl discovery (api-versions, api-resources)', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  /** resourceRow returns the first api-resources row of a resource (events has a core and a group row upstream). */
  function resourceRow(table: Table, name: string): Record<string, string> {
    const rows = table.rows.filter((r) => r.NAME === name);
    assert.ok(rows.length >= 1, `api-resources has no row for ${name}:\n${JSON.stringify(table.rows.map((r) => `${r.NAME} ${r.APIVERSION}`))}`);
    return rows[0];
  }

  describe('kubectl api-versions', function () {
    let versions: string[];

    before(async function () {
      const out = await server.kubectl.run(['api-versions']);
      versions = out.stdout.split('\n').filter((l) => l !== '');
    });

    for (const gv of SERVED_GROUP_VERSIONS) {
      it(`lists ${gv}`, function () {
        assert.ok(versions.includes(gv), `${gv} missing from api-versions:\n${versions.join('\n')}`);
      });
    }

    it('lists each group-version once', function () {
      assert.equal(new Set(versions).size, versions.length, versions.join('\n'));
    });

    it('lists only group-versions whose discovery document the server serves', async function () {
      for (const gv of versions) {
        const res = await server.request('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`, { headers: { accept: 'application/json' } });
        assert.equal(res.status, 200, `GET ${gv}: ${res.body}`);
        const list = res.json<{ kind: string; groupVersion: string; resources: unknown[] }>();
        assert.equal(list.kind, 'APIResourceList', gv);
        assert.equal(list.groupVersion, gv);
        assert.ok(list.resources.length > 0, `${gv} lists no resources`);
      }
    });
  });

  describe('kubectl api-resources', function () {
    let table: Table;
    let wide: Table;

    before(async function () {
      table = parseTable((await server.kubectl.run(['api-resources'])).stdout);
      wide = parseTable((await server.kubectl.run(['api-resources', '-o', 'wide'])).stdout);
    });

    it('prints the NAME SHORTNAMES APIVERSION NAMESPACED KIND columns', function () {
      assert.deepEqual(table.headers, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    });

    for (const [resource, shortNames] of Object.entries(SHORT_NAMES)) {
      it(`shows the short name ${shortNames} for ${resource}`, function () {
        assert.equal(resourceRow(table, resource).SHORTNAMES, shortNames);
      });
    }

    it('marks pods, configmaps and deployments namespaced', function () {
      assert.equal(resourceRow(table, 'pods').NAMESPACED, 'true');
      assert.equal(resourceRow(table, 'configmaps').NAMESPACED, 'true');
      assert.equal(resourceRow(table, 'deployments').NAMESPACED, 'true');
    });

    it('marks nodes and namespaces cluster-scoped', function () {
      assert.equal(resourceRow(table, 'nodes').NAMESPACED, 'false');
      assert.equal(resourceRow(table, 'namespaces').NAMESPACED, 'false');
    });

    it('names the kind and group-version of core and apps resources', function () {
      assert.deepEqual([resourceRow(table, 'pods').APIVERSION, resourceRow(table, 'pods').KIND], ['v1', 'Pod']);
      assert.deepEqual([resourceRow(table, 'deployments').APIVERSION, resourceRow(table, 'deployments').KIND], ['apps/v1', 'Deployment']);
      assert.deepEqual([resourceRow(table, 'ingresses').APIVERSION, resourceRow(table, 'ingresses').KIND], ['networking.k8s.io/v1', 'Ingress']);
    });

    it('adds the VERBS and CATEGORIES columns with -o wide', function () {
      assert.deepEqual(wide.headers, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    });

    it('lists every verb of pods with -o wide', function () {
      assert.equal(resourceRow(wide, 'pods').VERBS, POD_VERBS);
    });

    it('puts pods, services and deployments in the "all" category', function () {
      for (const resource of ['pods', 'services', 'deployments']) {
        assert.equal(resourceRow(wide, resource).CATEGORIES, 'all', resource);
      }
    });

    it('lists namespaces and nodes but not pods with --namespaced=false', async function () {
      const clusterScoped = parseTable((await server.kubectl.run(['api-resources', '--namespaced=false'])).stdout);
      const names = clusterScoped.rows.map((r) => r.NAME);
      assert.ok(names.includes('namespaces'), names.join(' '));
      assert.ok(names.includes('nodes'), names.join(' '));
      assert.ok(!names.includes('pods'), names.join(' '));
      assert.ok(!names.includes('configmaps'), names.join(' '));
      for (const row of clusterScoped.rows) assert.equal(row.NAMESPACED, 'false', row.NAME);
    });

    it('lists pods but not namespaces or nodes with --namespaced=true', async function () {
      const namespaced = parseTable((await server.kubectl.run(['api-resources', '--namespaced=true'])).stdout);
      const names = namespaced.rows.map((r) => r.NAME);
      assert.ok(names.includes('pods'), names.join(' '));
      assert.ok(!names.includes('namespaces'), names.join(' '));
      assert.ok(!names.includes('nodes'), names.join(' '));
      for (const row of namespaced.rows) assert.equal(row.NAMESPACED, 'true', row.NAME);
    });
  });

  it('resolves short names in kubectl get (po, svc, deploy, cm, ns, sa, ep, pvc, rs, sts, ds, ing)', async function () {
    // Every short name must resolve to its resource: kubectl fails the whole command on one it cannot map.
    const out = await server.kubectl.run(['get', 'po,svc,deploy,cm,sa,ep,pvc,rs,sts,ds,ing', '-n', 'kube-system', '-o', 'name']);
    assert.equal(out.code, 0);
    const namespaces = await server.kubectl.run(['get', 'ns', '-o', 'name']);
    assert.ok(namespaces.stdout.split('\n').includes('namespace/default'), namespaces.stdout);
  });
});

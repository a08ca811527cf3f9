/**
 * The everyday kubectl round trip for six kinds, each from a manifest in test/fixtures/e2e:
 * `create -f`, `get` in every output format, `describe`, `label`/`annotate` (and removal),
 * `delete`, then NotFound. Expectations are kube-apiserver's: the defaults its create strategies
 * and defaulting functions set are what `get -o json` and the tables show.
 *
 * Each kind gets its own object (named after the fixture); the tests of one kind run in order on it.
 */
import * as assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { AGE_CELL, assertNotFound, fixtureNamed, fixturePath, isInCidr, parseTable, readFixture, type Manifest } from './support';

/** SERVICE_CIDR is kapi's default --service-cluster-ip-range, where ClusterIPs are allocated from. */
const SERVICE_CIDR = '10.0.0.0/24';

/** RFC3339 is the shape of metadata.creationTimestamp (second precision, UTC). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface KindCase {
  /** title names the kind in test titles. */
  title: string;
  fixture: string;
  /** resource is what kubectl is given as the type argument. */
  resource: string;
  /** qualified is how kubectl names the object (`-o name`, `created`, `labeled`): `<kind>[.<group>]`. */
  qualified: string;
  /** notFound is the resource name in kube-apiserver's NotFound message (`<plural>[.<group>]`). */
  notFound: string;
  namespaced: boolean;
  /** wideHeaders are the `get -o wide` column headers upstream prints. */
  wideHeaders: string[];
  /** wideCells checks the `get -o wide` cells (other than NAME and AGE). */
  wideCells(row: Record<string, string>): void;
  /** defaults maps dotted paths of the stored object to the values kube-apiserver sets on create. */
  defaults: Record<string, unknown>;
  /** stored checks what `get -o json` returns that a fixed value cannot express. */
  stored(obj: Manifest): void;
  jsonpath: { template: string; expected: string };
  /** describeLines must each match a line of `kubectl describe`. */
  describeLines: RegExp[];
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** pick reads a dotted path (array indexes as numbers) of an object. */
function pick(obj: unknown, dotted: string): unknown {
  let cur: unknown = obj;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const KINDS: KindCase[] = [
  {
    title: 'pods',
    fixture: 'pod.yaml',
    resource: 'pod',
    qualified: 'pod',
    notFound: 'pods',
    namespaced: true,
    wideHeaders: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    wideCells(row) {
      // A pod no kubelet has reported on is Pending; no IP, node, nominated node or gates yet.
      assert.deepEqual(
        [row.READY, row.STATUS, row.RESTARTS, row.IP, row.NODE, row['NOMINATED NODE'], row['READINESS GATES']],
        ['0/1', 'Pending', '0', '<none>', '<none>', '<none>', '<none>'],
      );
    },
    defaults: {
      // Pod strategy PrepareForCreate: phase Pending and the QoS class.
      'status.phase': 'Pending',
      'status.qosClass': 'BestEffort',
      // SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_ContainerPort.
      'spec.restartPolicy': 'Always',
      'spec.dnsPolicy': 'ClusterFirst',
      'spec.schedulerName': 'default-scheduler',
      'spec.terminationGracePeriodSeconds': 30,
      'spec.securityContext': {},
      'spec.containers.0.imagePullPolicy': 'IfNotPresent',
      'spec.containers.0.terminationMessagePath': '/dev/termination-log',
      'spec.containers.0.terminationMessagePolicy': 'File',
      'spec.containers.0.ports.0.protocol': 'TCP',
    },
    stored() {},
    jsonpath: { template: '{.metadata.name} {.spec.containers[0].image} {.spec.containers[0].ports[0].containerPort}', expected: 'crud-pod nginx:1.27 80' },
    describeLines: [/^Name:\s+crud-pod$/, /^Namespace:\s+default$/, /^Status:\s+Pending$/, /^\s+web:$/, /^\s+Image:\s+nginx:1\.27$/],
  },
  {
    title: 'configmaps',
    fixture: 'configmap.yaml',
    resource: 'configmap',
    qualified: 'configmap',
    notFound: 'configmaps',
    namespaced: true,
    wideHeaders: ['NAME', 'DATA', 'AGE'],
    wideCells(row) {
      assert.equal(row.DATA, '2');
    },
    defaults: { data: readFixture('configmap.yaml').data },
    stored() {},
    jsonpath: { template: '{.data.greeting}', expected: 'hello' },
    describeLines: [/^Name:\s+crud-configmap$/, /^Namespace:\s+default$/, /^greeting:$/, /^hello$/, /^verbose = true$/],
  },
  {
    title: 'secrets',
    fixture: 'secret.yaml',
    resource: 'secret',
    qualified: 'secret',
    notFound: 'secrets',
    namespaced: true,
    wideHeaders: ['NAME', 'TYPE', 'DATA', 'AGE'],
    wideCells(row) {
      // stringData is merged into data on write: username and password.
      assert.deepEqual([row.TYPE, row.DATA], ['Opaque', '2']);
    },
    defaults: {
      // stringData is write-only: kube-apiserver merges it into data (base64) and never stores it.
      data: { username: 'YWRtaW4=', password: Buffer.from('s3cr3t').toString('base64') },
      stringData: undefined,
      type: 'Opaque',
    },
    stored() {},
    jsonpath: { template: '{.data.username}', expected: 'YWRtaW4=' },
    describeLines: [/^Name:\s+crud-secret$/, /^Type:\s+Opaque$/, /^username:\s+5 bytes$/, /^password:\s+6 bytes$/],
  },
  {
    title: 'services',
    fixture: 'service.yaml',
    resource: 'service',
    qualified: 'service',
    notFound: 'services',
    namespaced: true,
    wideHeaders: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'],
    wideCells(row) {
      assert.equal(row.TYPE, 'ClusterIP');
      assert.ok(isInCidr(row['CLUSTER-IP'], SERVICE_CIDR), `CLUSTER-IP ${row['CLUSTER-IP']} not in ${SERVICE_CIDR}`);
      assert.deepEqual([row['EXTERNAL-IP'], row['PORT(S)'], row.SELECTOR], ['<none>', '80/TCP', 'app=crud']);
    },
    defaults: {
      // SetDefaults_Service, the IP family defaults and the ClusterIP allocator.
      'spec.type': 'ClusterIP',
      'spec.sessionAffinity': 'None',
      'spec.ipFamilies': ['IPv4'],
      'spec.ipFamilyPolicy': 'SingleStack',
      'spec.internalTrafficPolicy': 'Cluster',
      'spec.ports.0.protocol': 'TCP',
      'spec.ports.0.targetPort': 8080,
    },
    stored(obj) {
      const svc = obj as Json;
      assert.ok(isInCidr(svc.spec.clusterIP, SERVICE_CIDR), `spec.clusterIP ${svc.spec.clusterIP} not in ${SERVICE_CIDR}`);
      assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP], 'spec.clusterIPs');
    },
    jsonpath: { template: '{.spec.ports[0].name}:{.spec.ports[0].port}', expected: 'http:80' },
    describeLines: [/^Name:\s+crud-service$/, /^Type:\s+ClusterIP$/, /^IP:\s+10\.0\.0\.\d+$/, /^Port:\s+http\s+80\/TCP$/, /^TargetPort:\s+8080\/TCP$/, /^Session Affinity:\s+None$/],
  },
  {
    title: 'namespaces',
    fixture: 'namespace.yaml',
    resource: 'namespace',
    qualified: 'namespace',
    notFound: 'namespaces',
    namespaced: false,
    wideHeaders: ['NAME', 'STATUS', 'AGE'],
    wideCells(row) {
      assert.equal(row.STATUS, 'Active');
    },
    defaults: {
      'status.phase': 'Active',
      'spec.finalizers': ['kubernetes'],
      // The namespace strategy labels every namespace with its own name (since 1.21).
      'metadata.labels': { team: 'platform', 'kubernetes.io/metadata.name': 'crud-namespace' },
    },
    stored() {},
    jsonpath: { template: '{.status.phase}', expected: 'Active' },
    describeLines: [/^Name:\s+crud-namespace$/, /^Status:\s+Active$/],
  },
  {
    title: 'deployments',
    fixture: 'deployment.yaml',
    resource: 'deployment',
    qualified: 'deployment.apps',
    notFound: 'deployments.apps',
    namespaced: true,
    wideHeaders: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
    wideCells(row) {
      // No controller has acted: nothing ready, updated or available of the 2 desired.
      assert.deepEqual(
        [row.READY, row['UP-TO-DATE'], row.AVAILABLE, row.CONTAINERS, row.IMAGES, row.SELECTOR],
        ['0/2', '0', '0', 'web', 'nginx:1.27', 'app=crud-deployment'],
      );
    },
    defaults: {
      'metadata.generation': 1,
      // apps/v1 SetDefaults_Deployment, and the pod template's SetDefaults_PodSpec.
      'spec.strategy': { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      'spec.revisionHistoryLimit': 10,
      'spec.progressDeadlineSeconds': 600,
      'spec.template.spec.restartPolicy': 'Always',
      'spec.template.spec.dnsPolicy': 'ClusterFirst',
      'spec.template.spec.containers.0.imagePullPolicy': 'IfNotPresent',
    },
    stored() {},
    jsonpath: { template: '{.spec.replicas}/{.spec.selector.matchLabels.app}', expected: '2/crud-deployment' },
    describeLines: [
      /^Name:\s+crud-deployment$/,
      /^Selector:\s+app=crud-deployment$/,
      /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/,
      /^StrategyType:\s+RollingUpdate$/,
      /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/,
    ],
  },
];

describe('kubectl create/get/describe/label/annotate/delete from manifests', function () {
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  describe('secret stringData', function () {
    const b64 = (s: string) => Buffer.from(s).toString('base64');

    it('merges stringData into data on create, stringData winning over a data key of the same name', async function () {
      const secret = fixtureNamed('secret.yaml', 'crud-secret-merge');
      secret.data = { username: b64('admin'), password: b64('old') };
      secret.stringData = { password: 'new' };
      const res = await server.request('POST', '/api/v1/namespaces/default/secrets', { body: secret });
      assert.equal(res.status, 201, res.body);
      const created = res.json<Json>();
      assert.deepEqual(created.data, { username: b64('admin'), password: b64('new') });
      assert.equal(created.stringData, undefined);
      const stored = JSON.parse((await server.kubectl.run(['get', 'secret', 'crud-secret-merge', '-o', 'json'])).stdout) as Json;
      assert.deepEqual(stored.data, { username: b64('admin'), password: b64('new') });
      assert.equal(stored.stringData, undefined);
    });

    it('merges stringData into data on update', async function () {
      const current = JSON.parse((await server.kubectl.run(['get', 'secret', 'crud-secret-merge', '-o', 'json'])).stdout) as Json;
      current.stringData = { token: 'abc' };
      const res = await server.request('PUT', '/api/v1/namespaces/default/secrets/crud-secret-merge', { body: current });
      assert.equal(res.status, 200, res.body);
      const updated = res.json<Json>();
      assert.deepEqual(updated.data, { username: b64('admin'), password: b64('new'), token: b64('abc') });
      assert.equal(updated.stringData, undefined);
    });
  });

  for (const kind of KINDS) {
    describe(kind.title, function () {
      const manifest = readFixture(kind.fixture);
      const name = manifest.metadata.name;
      const ref = `${kind.resource}/${name}`;
      const nsArgs = kind.namespaced ? ['-n', 'default'] : [];
      const get = (...args: string[]) => server.kubectl.run(['get', ref, ...nsArgs, ...args]);
      let created: Manifest;

      it(`creates a ${kind.resource} from a manifest file with kubectl create -f`, async function () {
        const out = await server.kubectl.run(['create', '-f', fixturePath(kind.fixture)]);
        assert.equal(out.stdout.trim(), `${kind.qualified}/${name} created`);
      });

      it('returns the stored object with -o json: identity and metadata set by the server', async function () {
        created = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        assert.equal(created.apiVersion, manifest.apiVersion);
        assert.equal(created.kind, manifest.kind);
        assert.equal(created.metadata.name, name);
        if (kind.namespaced) assert.equal(created.metadata.namespace, 'default');
        else assert.equal(created.metadata.namespace, undefined);
        assert.match(created.metadata.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.match(created.metadata.resourceVersion ?? '', /^\d+$/);
        assert.match(created.metadata.creationTimestamp ?? '', RFC3339);
        for (const [key, value] of Object.entries(manifest.metadata.labels ?? {})) {
          assert.equal(created.metadata.labels?.[key], value, `label ${key}`);
        }
      });

      it('applies the API defaults kube-apiserver sets on create (seen in -o json)', async function () {
        const obj = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        // Compared as one map so a failure lists every missing default at once.
        const actual = Object.fromEntries(Object.keys(kind.defaults).map((p) => [p, pick(obj, p)]));
        assert.deepEqual(actual, kind.defaults);
        kind.stored(obj);
      });

      it('prints the same object with -o yaml as with -o json', async function () {
        const yaml = parseYaml((await get('-o', 'yaml')).stdout) as Manifest;
        const json = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        assert.deepEqual(yaml, json);
      });

      it('prints upstream\'s columns and cells with -o wide', async function () {
        const table = parseTable((await get('-o', 'wide')).stdout);
        assert.deepEqual(table.headers, kind.wideHeaders);
        assert.equal(table.rows.length, 1);
        assert.equal(table.rows[0].NAME, name);
        assert.match(table.rows[0].AGE, AGE_CELL);
        kind.wideCells(table.rows[0]);
      });

      it('prints <kind>[.<group>]/<name> with -o name', async function () {
        assert.equal((await get('-o', 'name')).stdout, `${kind.qualified}/${name}\n`);
      });

      it('evaluates -o jsonpath templates against the stored object', async function () {
        assert.equal((await get('-o', `jsonpath=${kind.jsonpath.template}`)).stdout, kind.jsonpath.expected);
      });

      it('describes the object with kubectl describe', async function () {
        const out = await server.kubectl.run(['describe', kind.resource, name, ...nsArgs]);
        const lines = out.stdout.split('\n');
        for (const re of kind.describeLines) {
          assert.ok(lines.some((line) => re.test(line)), `no line of describe matches ${re}:\n${out.stdout}`);
        }
      });

      it('adds a label with kubectl label and shows it in -o json', async function () {
        const out = await server.kubectl.run(['label', kind.resource, name, ...nsArgs, 'color=blue']);
        assert.equal(out.stdout.trim(), `${kind.qualified}/${name} labeled`);
        const obj = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        assert.equal(obj.metadata.labels?.color, 'blue');
        assert.ok(
          BigInt(obj.metadata.resourceVersion ?? '0') > BigInt(created.metadata.resourceVersion ?? '0'),
          'labelling must move resourceVersion forward',
        );
      });

      it('adds an annotation with kubectl annotate', async function () {
        const out = await server.kubectl.run(['annotate', kind.resource, name, ...nsArgs, 'example.com/note=hello world']);
        assert.equal(out.stdout.trim(), `${kind.qualified}/${name} annotated`);
        assert.equal((await get('-o', "jsonpath={.metadata.annotations['example\\.com/note']}")).stdout, 'hello world');
      });

      it('removes a label with kubectl label key- and keeps the other labels', async function () {
        const out = await server.kubectl.run(['label', kind.resource, name, ...nsArgs, 'color-']);
        assert.equal(out.stdout.trim(), `${kind.qualified}/${name} unlabeled`);
        const obj = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        assert.equal(obj.metadata.labels?.color, undefined);
        for (const [key, value] of Object.entries(manifest.metadata.labels ?? {})) {
          assert.equal(obj.metadata.labels?.[key], value, `label ${key} must survive`);
        }
        assert.equal(obj.metadata.annotations?.['example.com/note'], 'hello world', 'the annotation must survive');
      });

      it('removes an annotation with kubectl annotate key-', async function () {
        await server.kubectl.run(['annotate', kind.resource, name, ...nsArgs, 'example.com/note-']);
        const obj = JSON.parse((await get('-o', 'json')).stdout) as Manifest;
        assert.equal(obj.metadata.annotations?.['example.com/note'], undefined);
      });

      it('deletes the object with kubectl delete', async function () {
        const out = await server.kubectl.run(['delete', kind.resource, name, ...nsArgs], { timeoutMs: 45_000 });
        assert.ok(out.stdout.startsWith(`${kind.qualified} "${name}" deleted`), out.stdout);
      });

      it(`reports NotFound (${kind.notFound} "${name}" not found) for get after delete`, async function () {
        const out = await server.kubectl.run(['get', kind.resource, name, ...nsArgs], { allowFailure: true });
        assertNotFound(out, `${kind.notFound} "${name}" not found`);
      });
    });
  }
});

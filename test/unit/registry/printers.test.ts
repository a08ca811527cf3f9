/**
 * Table printers of built-in resources against kube-apiserver's: the columns in
 * schemas/overlay/printers.yaml and the cells each printer computes for the fixture objects in
 * test/fixtures/printers. Every expected row below was worked out by hand from upstream's print
 * functions (k8s.io/kubernetes pkg/printers/internalversion, v1.34) and duration.HumanDuration;
 * each case names the rule it exercises. The clock is fixed at NOW.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

import type { KubeObject } from '../../../src/meta/object';
import { isPlainObject } from '../../../src/meta/object';
import type { PrinterColumn, TablePrinter } from '../../../src/registry/printer';
import {
  formatLabelSelector,
  formatLabels,
  formatQuantity,
  humanDuration,
  labelSelectorString,
  translateTimestampSince,
} from '../../../src/registry/printing';
import { printer as daemonsets } from '../../../src/registry/apps/daemonsets';
import { printer as deployments } from '../../../src/registry/apps/deployments';
import { printer as replicasets } from '../../../src/registry/apps/replicasets';
import { printer as statefulsets } from '../../../src/registry/apps/statefulsets';
import { printer as configmaps } from '../../../src/registry/core/configmaps';
import { printer as endpoints } from '../../../src/registry/core/endpoints';
import { printer as events } from '../../../src/registry/core/events';
import { printer as namespaces } from '../../../src/registry/core/namespaces';
import { printer as nodes } from '../../../src/registry/core/nodes';
import { printer as persistentvolumeclaims } from '../../../src/registry/core/persistentvolumeclaims';
import { printer as pods } from '../../../src/registry/core/pods';
import { printer as secrets } from '../../../src/registry/core/secrets';
import { printer as serviceaccounts } from '../../../src/registry/core/serviceaccounts';
import { printer as services } from '../../../src/registry/core/services';
import { printer as ingresses } from '../../../src/registry/networking/ingresses';
import { strategy as customResourceDefinitions } from '../../../src/registry/apiextensions/customresourcedefinitions';

/** REPO_ROOT is found from the compiled test's place, dist/test/unit/registry. */
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/printers');
const PRINTERS_YAML = path.join(REPO_ROOT, 'schemas/overlay/printers.yaml');

const NOW = new Date('2024-06-01T12:00:00Z');

const printers: Record<string, TablePrinter> = {
  pods,
  services,
  'deployments.apps': deployments,
  'replicasets.apps': replicasets,
  'statefulsets.apps': statefulsets,
  'daemonsets.apps': daemonsets,
  namespaces,
  configmaps,
  secrets,
  nodes,
  events,
  'ingresses.networking.k8s.io': ingresses,
  serviceaccounts,
  endpoints,
  persistentvolumeclaims,
  'customresourcedefinitions.apiextensions.k8s.io': customResourceDefinitions.printer!,
};

function loadFixture(file: string): KubeObject {
  const obj: unknown = parseYaml(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata)) throw new Error(`${file}: not a Kubernetes object`);
  return { ...obj, metadata: obj.metadata };
}

function loadColumns(): Record<string, PrinterColumn[]> {
  const doc: unknown = parseYaml(fs.readFileSync(PRINTERS_YAML, 'utf8'));
  if (!isPlainObject(doc)) throw new Error('printers.yaml: not a map');
  const out: Record<string, PrinterColumn[]> = {};
  for (const [gr, cols] of Object.entries(doc)) {
    if (!Array.isArray(cols)) throw new Error(`printers.yaml: ${gr} is not a list`);
    out[gr] = cols as PrinterColumn[];
  }
  return out;
}

interface PrinterCase {
  resource: string;
  fixture: string;
  rule: string;
  cells: unknown[];
}

const cases: PrinterCase[] = [
  // pods: NAME, READY, STATUS, RESTARTS, AGE, IP, NODE, NOMINATED NODE, READINESS GATES
  {
    resource: 'pods',
    fixture: 'pod-running-restarts.yaml',
    rule: 'READY counts ready running containers; RESTARTS sums restartCount and ages the latest lastState.terminated.finishedAt; IP is status.podIP; readiness gates count True conditions',
    cells: ['web-7d4b9c8f6-x2kqp', '2/2', 'Running', '4 (5m ago)', '2d', '10.244.1.7', 'worker-1', '<none>', '1/1'],
  },
  {
    resource: 'pods',
    fixture: 'pod-pending-unschedulable.yaml',
    rule: 'a pod without statuses shows its phase, "0" restarts without a date, "<none>" for unset wide fields, the nominated node',
    cells: ['batch-worker-0', '0/1', 'Pending', '0', '30s', '<none>', '<none>', 'worker-2', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-scheduling-gated.yaml',
    rule: 'a PodScheduled condition with reason SchedulingGated replaces the phase',
    cells: ['gated', '0/1', 'SchedulingGated', '0', '60m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-crashloop.yaml',
    rule: "a container's waiting reason becomes STATUS; a restart 130s ago prints as 2m10s",
    cells: ['api-5c6d7e8f9-qwert', '0/1', 'CrashLoopBackOff', '5 (2m10s ago)', '3h', '10.244.2.15', 'worker-2', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-terminating.yaml',
    rule: 'a deleted pod in a non-terminal phase is Terminating',
    cells: ['web-7d4b9c8f6-old01', '1/1', 'Terminating', '0', '24h', '10.244.3.21', 'worker-3', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-node-lost.yaml',
    rule: 'a deleted pod with status.reason NodeLost is Unknown; status.podIP alone gives IP',
    cells: ['cache-0', '1/1', 'Unknown', '0', '7d', '10.244.4.3', 'worker-4', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-init-in-progress.yaml',
    rule: 'while initializing, a running init container reads Init:<index>/<init containers>, and RESTARTS counts init containers only',
    cells: ['db-migrate-and-serve', '0/1', 'Init:1/2', '1 (60m ago)', '90m', '10.244.1.30', 'worker-1', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-init-crashloop.yaml',
    rule: "an init container's waiting reason reads Init:<reason>; a restart 119s ago prints in seconds",
    cells: ['needs-config', '0/1', 'Init:CrashLoopBackOff', '4 (119s ago)', '8m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-sidecar.yaml',
    rule: "a started sidecar (restartPolicy Always) counts in READY's both terms and its restarts stay counted once initialized",
    cells: ['app-with-sidecar', '2/2', 'Running', '2 (10m ago)', '6h', '10.244.2.40', 'worker-2', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-completed.yaml',
    rule: "a finished pod shows its container's terminated reason, Completed",
    cells: ['report-28612345-7xkzq', '0/1', 'Completed', '0', '10h', '10.244.3.50', 'worker-3', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-completed-one-running.yaml',
    rule: 'Completed with a container still running reads NotReady when the pod is not Ready',
    cells: ['half-done', '1/2', 'NotReady', '0', '60m', '10.244.1.44', 'worker-1', '<none>', '<none>'],
  },
  {
    resource: 'pods',
    fixture: 'pod-failed-deleted.yaml',
    rule: 'a terminated container without a reason reads ExitCode:<n>; a deleted pod in a terminal phase is not Terminating',
    cells: ['oneshot', '0/1', 'ExitCode:137', '0', '20m', '<none>', '<none>', '<none>', '<none>'],
  },

  // services: NAME, TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE, SELECTOR
  {
    resource: 'services',
    fixture: 'service-loadbalancer.yaml',
    rule: 'LoadBalancer EXTERNAL-IP: ingress IPs/hostnames sorted, then spec.externalIPs, never cut (server tables are wide); port:nodePort/protocol; selector sorted',
    cells: [
      'web',
      'LoadBalancer',
      '10.96.12.34',
      '198.51.100.7,203.0.113.10,lb-1234.elb.example.com,192.0.2.50',
      '80:30080/TCP,443:30443/TCP',
      '61d',
      'app=web,tier=frontend',
    ],
  },
  {
    resource: 'services',
    fixture: 'service-loadbalancer-pending.yaml',
    rule: 'LoadBalancer without ingress or external IPs is <pending>',
    cells: ['edge', 'LoadBalancer', '10.96.40.1', '<pending>', '53:31053/UDP', '2m', 'app=edge'],
  },
  {
    resource: 'services',
    fixture: 'service-headless.yaml',
    rule: 'headless: CLUSTER-IP None; ClusterIP type without external IPs is <none>; port/protocol',
    cells: ['postgres', 'ClusterIP', 'None', '<none>', '5432/TCP', '24h', 'app=postgres'],
  },
  {
    resource: 'services',
    fixture: 'service-externalname.yaml',
    rule: 'ExternalName: EXTERNAL-IP is spec.externalName; no cluster IPs, ports or selector print <none>',
    cells: ['billing-db', 'ExternalName', '<none>', 'billing.db.example.com', '<none>', '3h5m', '<none>'],
  },

  // deployments.apps: NAME, READY, UP-TO-DATE, AVAILABLE, AGE, CONTAINERS, IMAGES, SELECTOR
  {
    resource: 'deployments.apps',
    fixture: 'deployment-rollout.yaml',
    rule: 'READY is readyReplicas/spec.replicas; counters are integers; selector requirements sorted by key with in/!key forms',
    cells: ['web', '4/5', 2, 4, '31d', 'nginx,log-shipper', 'nginx:1.27,fluent/fluent-bit:3.0', 'app=web,!legacy,tier in (canary,frontend)'],
  },

  // replicasets.apps: NAME, DESIRED, CURRENT, READY, AGE, CONTAINERS, IMAGES, SELECTOR
  {
    resource: 'replicasets.apps',
    fixture: 'replicaset.yaml',
    rule: 'DESIRED/CURRENT/READY are integers; matchLabels print sorted as k=v',
    cells: ['web-7d4b9c8f6', 3, 3, 2, '3h5m', 'nginx', 'nginx:1.27', 'app=web,pod-template-hash=7d4b9c8f6'],
  },

  // statefulsets.apps: NAME, READY, AGE, CONTAINERS, IMAGES
  {
    resource: 'statefulsets.apps',
    fixture: 'statefulset.yaml',
    rule: 'READY is readyReplicas/spec.replicas; 90 minutes print as 90m',
    cells: ['postgres', '2/3', '90m', 'postgres,exporter', 'postgres:16.3,quay.io/prometheuscommunity/postgres-exporter:v0.15.0'],
  },

  // daemonsets.apps: NAME, DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE, NODE SELECTOR, AGE, CONTAINERS, IMAGES, SELECTOR
  {
    resource: 'daemonsets.apps',
    fixture: 'daemonset.yaml',
    rule: "status counters as integers; NODE SELECTOR is the template's nodeSelector; 400 days print as 400d",
    cells: ['kube-proxy', 4, 4, 3, 4, 3, 'kubernetes.io/os=linux', '400d', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.2', 'k8s-app=kube-proxy'],
  },

  // namespaces: NAME, STATUS, AGE
  { resource: 'namespaces', fixture: 'namespace.yaml', rule: 'STATUS is status.phase; 800 days print as 2y70d', cells: ['kube-system', 'Active', '2y70d'] },
  { resource: 'namespaces', fixture: 'namespace-terminating.yaml', rule: 'a terminating namespace', cells: ['scratch', 'Terminating', '1s'] },

  // configmaps: NAME, DATA, AGE
  { resource: 'configmaps', fixture: 'configmap.yaml', rule: 'DATA counts data and binaryData keys', cells: ['web-config', 3, '3m'] },

  // secrets: NAME, TYPE, DATA, AGE
  { resource: 'secrets', fixture: 'secret-tls.yaml', rule: 'TYPE is type; DATA counts keys (an integer)', cells: ['web-tls', 'kubernetes.io/tls', 3, '2d'] },

  // serviceaccounts: NAME, SECRETS, AGE
  { resource: 'serviceaccounts', fixture: 'serviceaccount.yaml', rule: 'SECRETS counts secrets, not imagePullSecrets', cells: ['builder', 1, '90s'] },

  // nodes: NAME, STATUS, ROLES, AGE, VERSION, INTERNAL-IP, EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME
  {
    resource: 'nodes',
    fixture: 'node-control-plane.yaml',
    rule: 'Ready plus SchedulingDisabled when cordoned; roles from node-role.kubernetes.io/* keys and kubernetes.io/role, sorted; no ExternalIP is <none>',
    cells: ['cp-1', 'Ready,SchedulingDisabled', 'control-plane,etcd,master', '8d', 'v1.31.2', '10.0.0.11', '<none>', 'Ubuntu 22.04.4 LTS', '5.15.0-112-generic', 'containerd://1.7.18'],
  },
  {
    resource: 'nodes',
    fixture: 'node-not-ready.yaml',
    rule: 'Ready condition not True is NotReady; first address of each type; unreported node info is <unknown>',
    cells: ['worker-4', 'NotReady', '<none>', '16h', 'v1.30.6', '10.0.0.24', '203.0.113.44', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    resource: 'nodes',
    fixture: 'node-registering.yaml',
    rule: 'no Ready condition is Unknown; an unreported kubelet version is empty',
    cells: ['worker-5', 'Unknown', '<none>', '2s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },

  // events: LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME
  {
    resource: 'events',
    fixture: 'event.yaml',
    rule: 'ages of last/first timestamps; OBJECT is lower-case kind/name; SOURCE "component, host"; message trimmed; COUNT an integer',
    cells: [
      '2m',
      'Warning',
      'BackOff',
      'pod/api-5c6d7e8f9-qwert',
      'spec.containers{api}',
      'kubelet, worker-2',
      'Back-off restarting failed container api in pod api-5c6d7e8f9-qwert_default',
      '60m',
      14,
      'api-5c6d7e8f9-qwert.17d4a2b3c4d5e6f7',
    ],
  },
  {
    resource: 'events',
    fixture: 'event-series.yaml',
    rule: 'FIRST SEEN from eventTime; a series gives LAST SEEN (lastObservedTime) and COUNT; SOURCE from reportingController/Instance',
    cells: [
      '2m59s',
      'Warning',
      'FailedScheduling',
      'pod/batch-worker-0',
      '',
      'default-scheduler, default-scheduler-cp-1',
      '0/3 nodes are available: 3 Insufficient cpu.',
      '30m',
      3,
      'batch-worker-0.17d4a2b3c4d5e6f8',
    ],
  },
  {
    resource: 'events',
    fixture: 'event-singleton.yaml',
    rule: 'no lastTimestamp: LAST SEEN is FIRST SEEN; no count: 1; SOURCE without host is the component alone',
    cells: [
      '2s',
      'Normal',
      'RegisteredNode',
      'node/worker-5',
      '',
      'node-controller',
      'Node worker-5 event: Registered Node worker-5 in Controller',
      '2s',
      1,
      'worker-5.17d4a2b3c4d5e6f9',
    ],
  },

  // ingresses.networking.k8s.io: NAME, CLASS, HOSTS, ADDRESS, PORTS, AGE
  {
    resource: 'ingresses.networking.k8s.io',
    fixture: 'ingress-tls.yaml',
    rule: 'three hosts then "+ N more..." counting rules; ADDRESS sorted IPs/hostnames; TLS gives "80, 443"',
    cells: ['shop', 'nginx', 'a.example.com,b.example.com,c.example.com + 2 more...', '203.0.113.20,ingress.example.net', '80, 443', '24h'],
  },
  {
    resource: 'ingresses.networking.k8s.io',
    fixture: 'ingress-default-backend.yaml',
    rule: 'no class is <none>; no hosts is *; no address is empty; no TLS is "80"',
    cells: ['catch-all', '<none>', '*', '', '80', '60s'],
  },

  // endpoints: NAME, ENDPOINTS, AGE
  {
    resource: 'endpoints',
    fixture: 'endpoints.yaml',
    rule: 'ip:port for each port of each subset, three shown, the rest counted; notReadyAddresses left out',
    cells: ['web', '10.244.1.7:8080,10.244.2.9:8080,10.244.1.7:9090 + 2 more...', '60m'],
  },
  { resource: 'endpoints', fixture: 'endpoints-ipv6.yaml', rule: 'an IPv6 address with a port is bracketed', cells: ['web-v6', '[fd00:10:244:1::12]:8080', '60m'] },
  {
    resource: 'endpoints',
    fixture: 'endpoints-headless-no-ports.yaml',
    rule: 'a subset without ports lists bare addresses',
    cells: ['peers', '10.244.3.4,fd00:10:244:3::5', '60m'],
  },
  { resource: 'endpoints', fixture: 'endpoints-empty.yaml', rule: 'no subsets is <none>', cells: ['edge', '<none>', '2m'] },

  // persistentvolumeclaims: NAME, STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS, VOLUMEATTRIBUTESCLASS, AGE, VOLUMEMODE
  {
    resource: 'persistentvolumeclaims',
    fixture: 'pvc-bound.yaml',
    rule: 'a bound claim shows status capacity and access modes (RWO before ROX); an absent attributes class is <unset>',
    cells: ['data-postgres-0', 'Bound', 'pvc-3f2e1d0c-b9a8-4765-8432-10fedcba9876', '10Gi', 'RWO,ROX', 'standard', '<unset>', '90m', 'Filesystem'],
  },
  {
    resource: 'persistentvolumeclaims',
    fixture: 'pvc-pending.yaml',
    rule: 'an unbound claim has empty VOLUME/CAPACITY/ACCESS MODES; the beta annotation gives the class; absent volumeMode is <unset>',
    cells: ['scratch', 'Pending', '', '', '', 'fast', 'gold', '60s', '<unset>'],
  },

  // customresourcedefinitions: NAME, CREATED AT (kube-apiserver's default table: the time itself, not an age)
  {
    resource: 'customresourcedefinitions.apiextensions.k8s.io',
    fixture: 'crd.yaml',
    rule: 'CREATED AT is metadata.creationTimestamp as written, whatever the current time',
    cells: ['widgets.example.com', '2024-05-30T08:15:00Z'],
  },
];

describe('registry printers', () => {
  const columns = loadColumns();

  describe('printers.yaml', () => {
    it('has columns for exactly the resources that have printers', () => {
      assert.deepEqual(Object.keys(columns).sort(), Object.keys(printers).sort());
    });

    for (const [gr, cols] of Object.entries(columns)) {
      it(`${gr}: columns are well-formed metav1.TableColumnDefinitions`, () => {
        for (const col of cols) {
          assert.equal(typeof col.name, 'string');
          assert.ok(['string', 'integer', 'number', 'boolean', 'date'].includes(col.type), `${gr} ${col.name}: type ${col.type}`);
          assert.equal(typeof col.format, 'string');
          assert.ok(typeof col.description === 'string' && col.description.length > 0, `${gr} ${col.name}: description`);
          assert.ok(col.priority === 0 || col.priority === 1, `${gr} ${col.name}: priority`);
          assert.equal(col.format === 'name', col.name === 'Name', `${gr} ${col.name}: only Name has format name`);
        }
        assert.equal(cols.filter((c) => c.name === 'Name').length, 1, `${gr}: one Name column`);
      });
    }
  });

  describe('every printer returns one cell per column', () => {
    const fixturesByResource = new Map<string, string[]>();
    for (const c of cases) fixturesByResource.set(c.resource, [...(fixturesByResource.get(c.resource) ?? []), c.fixture]);

    for (const [gr, printer] of Object.entries(printers)) {
      it(gr, () => {
        const width = columns[gr]?.length;
        assert.ok(width !== undefined, `${gr} has no columns in printers.yaml`);
        const minimal: KubeObject = { metadata: { name: 'minimal' } };
        assert.equal(printer(minimal, NOW).length, width, `${gr}: a minimal object`);
        for (const fixture of fixturesByResource.get(gr) ?? []) {
          assert.equal(printer(loadFixture(fixture), NOW).length, width, `${gr}: ${fixture}`);
        }
      });
    }
  });

  describe('cells', () => {
    for (const c of cases) {
      it(`${c.resource} ${c.fixture}: ${c.rule}`, () => {
        assert.deepEqual(printers[c.resource](loadFixture(c.fixture), NOW), c.cells);
      });
    }

    it('every fixture is used by a case', () => {
      const used = new Set(cases.map((c) => c.fixture));
      assert.deepEqual(fs.readdirSync(FIXTURES).filter((f) => !used.has(f)), []);
    });
  });
});

describe('printing helpers', () => {
  describe('humanDuration (duration.HumanDuration)', () => {
    const s = 1000;
    const m = 60 * s;
    const h = 60 * m;
    const d = 24 * h;
    const table: Array<[number, string, string]> = [
      [-2 * s, '<invalid>', 'over a second in the future'],
      [-1500, '0s', 'up to two seconds of skew is now'],
      [0, '0s', 'zero'],
      [59 * s, '59s', 'seconds'],
      [119 * s + 999, '119s', 'seconds up to two minutes'],
      [2 * m, '2m', 'whole minutes under ten'],
      [9 * m + 59 * s, '9m59s', 'minutes and seconds under ten minutes'],
      [90 * m, '90m', 'minutes up to three hours'],
      [179 * m + 59 * s, '179m', 'still minutes'],
      [3 * h, '3h', 'whole hours under eight'],
      [3 * h + 5 * m, '3h5m', 'hours and minutes under eight hours'],
      [8 * h, '8h', 'hours from eight'],
      [47 * h + 59 * m, '47h', 'hours up to two days'],
      [2 * d, '2d', 'whole days under eight'],
      [7 * d + 23 * h, '7d23h', 'days and hours under eight days'],
      [8 * d, '8d', 'days from eight'],
      [400 * d, '400d', 'days up to two years'],
      [729 * d, '729d', 'still days'],
      [730 * d, '2y', 'whole years'],
      [800 * d, '2y70d', 'years and days under eight years'],
      [8 * 365 * d, '8y', 'years from eight'],
      [3650 * d + 100 * d, '10y', 'years only'],
    ];
    for (const [ms, want, rule] of table) {
      it(`${want}: ${rule}`, () => assert.equal(humanDuration(ms), want));
    }
  });

  describe('translateTimestampSince', () => {
    it('prints the age of a timestamp', () => assert.equal(translateTimestampSince('2024-06-01T11:00:00Z', NOW), '60m'));
    it('reads metav1.MicroTime', () => assert.equal(translateTimestampSince('2024-06-01T11:59:00.500000Z', NOW), '59s'));
    it('prints <unknown> for a missing timestamp', () => {
      assert.equal(translateTimestampSince(undefined, NOW), '<unknown>');
      assert.equal(translateTimestampSince(null, NOW), '<unknown>');
      assert.equal(translateTimestampSince('', NOW), '<unknown>');
    });
    it("prints <unknown> for Go's zero time", () => assert.equal(translateTimestampSince('0001-01-01T00:00:00Z', NOW), '<unknown>'));
    it('ages an object without creationTimestamp as <unknown>', () => {
      assert.equal(pods({ metadata: { name: 'p' } }, NOW)[4], '<unknown>');
    });
  });

  describe('labels (labels.FormatLabels)', () => {
    it('sorts "key=value" strings, not keys', () => assert.equal(formatLabels({ a: '2', 'a.b': '1' }), 'a.b=1,a=2'));
    it('prints <none> for no labels', () => assert.equal(formatLabels({}), '<none>'));
  });

  describe('label selectors', () => {
    it('prints an absent or empty selector as <none> (FormatLabelSelector) or "" (Selector.String)', () => {
      assert.equal(formatLabelSelector(undefined), '<none>');
      assert.equal(formatLabelSelector({}), '<none>');
      assert.equal(labelSelectorString(undefined), '');
      assert.equal(labelSelectorString({ matchLabels: {}, matchExpressions: [] }), '');
    });
    it('prints every operator', () => {
      const selector = {
        matchExpressions: [
          { key: 'zone', operator: 'NotIn', values: ['b', 'a'] },
          { key: 'env', operator: 'Exists' },
          { key: 'tier', operator: 'In', values: ['web'] },
        ],
        matchLabels: { app: 'x' },
      };
      assert.equal(labelSelectorString(selector), 'app=x,env,tier in (web),zone notin (a,b)');
    });
    it('is <error> for an unknown operator or a wrong number of values', () => {
      assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), '<error>');
      assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), '<error>');
      assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), '<error>');
      assert.equal(formatLabelSelector({ matchLabels: { 'bad key!': 'x' } }), '<error>');
    });
    it('makes a deployment print <invalid> for a selector that does not convert', () => {
      const deployment: KubeObject = { metadata: { name: 'd' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] } } };
      assert.equal(deployments(deployment, NOW)[7], '<invalid>');
    });
  });

  describe('formatQuantity (resource.Quantity.String of a parsed quantity)', () => {
    const table: Array<[string, string, string]> = [
      ['10Gi', '10Gi', 'canonical binary kept'],
      ['1024Mi', '1Gi', 'binary moves to the largest exact suffix'],
      ['1536Mi', '1536Mi', 'no larger exact suffix'],
      ['0.5Gi', '512Mi', 'binary fraction'],
      ['1.5Gi', '1536Mi', 'binary fraction'],
      ['0.5Ki', '512', 'binary under 1024 prints in decimal'],
      ['1000M', '1G', 'decimal trailing zeros'],
      ['1500M', '1500M', 'decimal kept'],
      ['1.5G', '1500M', 'decimal fraction'],
      ['0.1', '100m', 'decimal fraction'],
      ['100m', '100m', 'milli kept'],
      ['2000', '2k', 'plain number'],
      ['0.0000000001', '1n', 'rounded up to a nano'],
      ['1e3', '1e3', 'decimal exponent kept'],
      ['0', '0', 'zero'],
      ['-1Gi', '-1Gi', 'negative'],
    ];
    for (const [input, want, rule] of table) {
      it(`${input} → ${want}: ${rule}`, () => assert.equal(formatQuantity(input), want));
    }
  });
});

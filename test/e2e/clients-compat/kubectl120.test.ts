/**
 * kubectl 1.20 (Debian's kubernetes-client, see ../clients/kubectl120.ts) against the real
 * server: it knows legacy discovery only, and with validation on (its default) `create -f` and
 * `apply -f` first download /openapi/v2 in gnostic protobuf and check the manifest against it;
 * `explain` reads the same document. A 404 or an unparsable document makes them abort.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { Kubectl, type KubectlWatch } from '../clients/kubectl';
import { KUBECTL_120_VERSION, ensureKubectl120 } from '../clients/kubectl120';
import { createNamespace, fixtureNamed, parseTable, rowNamed, type Manifest } from '../kubectl/support';
import { createCustomResourceDefinition } from './support';
import { TestServer } from '../../support/server';

/** INSTALL_TIMEOUT_MS allows for apt-get update and an 8 MB download on a fresh machine. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;
/** LINE_TIMEOUT_MS bounds the wait for one line of `get -w`. */
const LINE_TIMEOUT_MS = 20_000;

const NS = 'kubectl-old';

interface VersionOutput {
  clientVersion: { gitVersion: string };
  serverVersion: { gitVersion: string; minor: string };
}

describe('kubectl 1.20 (legacy discovery, OpenAPI v2 validation)', function () {
  let server: TestServer;
  let kubectl: Kubectl;
  let scratch: string;

  /** manifestFile writes a manifest as YAML for `-f` and returns its path. */
  const manifestFile = (name: string, manifest: Manifest): string => {
    const file = path.join(scratch, `${name}.yaml`);
    fs.writeFileSync(file, toYaml(manifest));
    return file;
  };

  before(async function () {
    this.timeout(INSTALL_TIMEOUT_MS);
    const binary = await ensureKubectl120();
    server = await TestServer.start();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-kubectl120-'));
    kubectl = new Kubectl({ kubeconfig: server.kubeconfig, cacheDir: path.join(scratch, 'cache'), binary });
    await createNamespace(server, NS);
  });

  after(async function () {
    await kubectl?.dispose();
    await server?.dispose();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('is kubectl 1.20 and reads the server version', async function () {
    const v = await kubectl.json<VersionOutput>(['version']);
    assert.match(v.clientVersion.gitVersion, KUBECTL_120_VERSION);
    assert.match(v.serverVersion.gitVersion, /^v1\.35\./);
  });

  it('gets namespaces as a table and one as JSON', async function () {
    const table = parseTable((await kubectl.run(['get', 'namespaces'])).stdout);
    assert.deepEqual(table.headers, ['NAME', 'STATUS', 'AGE']);
    assert.equal(rowNamed(table, NS).STATUS, 'Active');
    const ns = await kubectl.json<Manifest>(['get', 'namespace', 'default']);
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.metadata.name, 'default');
  });

  it('creates with `create -f`, after validating against /openapi/v2 downloaded in protobuf', async function () {
    const file = manifestFile('deployment', fixtureNamed('deployment.yaml', 'old-web', NS));
    const r = await kubectl.run(['create', '-f', file, '-v=6']);
    assert.equal(r.stdout.trim(), 'deployment.apps/old-web created');
    assert.match(r.stderr, /GET https:\/\/\S+\/openapi\/v2\?timeout=\d+s 200 OK/);
    const res = await server.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/old-web`);
    assert.equal(res.status, 200);
    assert.equal(res.json<{ spec: { replicas: number } }>().spec.replicas, 2);
  });

  it('rejects an unknown field client-side, naming it and its definition', async function () {
    const manifest = fixtureNamed('deployment.yaml', 'old-typo', NS);
    (manifest.spec as Record<string, unknown>).replicaz = 2;
    const r = await kubectl.run(['create', '-f', manifestFile('typo', manifest)], { allowFailure: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ValidationError\(Deployment\.spec\): unknown field "replicaz" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
    const res = await server.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/old-typo`);
    assert.equal(res.status, 404, 'nothing reached the server');
  });

  it('applies with `apply -f`: creates, then patches and records the last-applied configuration', async function () {
    const manifest = fixtureNamed('configmap.yaml', 'old-config', NS);
    assert.equal((await kubectl.run(['apply', '-f', manifestFile('cm-1', manifest)])).stdout.trim(), 'configmap/old-config created');
    manifest.data = { greeting: 'bonjour' };
    assert.equal((await kubectl.run(['apply', '-f', manifestFile('cm-2', manifest)])).stdout.trim(), 'configmap/old-config configured');
    const stored = await kubectl.json<Manifest & { data: Record<string, string> }>(['get', 'configmap', 'old-config', '-n', NS]);
    assert.deepEqual(stored.data, { greeting: 'bonjour' }, 'apply removed settings.ini and changed greeting');
    const lastApplied = JSON.parse(stored.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}') as Manifest;
    assert.deepEqual(lastApplied.data, { greeting: 'bonjour' });
  });

  it('re-applies a deployment with a strategic merge patch keyed by the merge keys of /openapi/v2', async function () {
    type Container = { name: string; image: string; env?: unknown[] };
    const manifest = fixtureNamed('deployment.yaml', 'old-applied', NS) as Manifest & { spec: { template: { spec: { containers: Container[] } } } };
    await kubectl.run(['apply', '-f', manifestFile('applied-1', manifest)]);
    manifest.spec.template.spec.containers[0] = { name: 'web', image: 'nginx:1.28', env: [{ name: 'MODE', value: 'test' }] };
    const r = await kubectl.run(['apply', '-f', manifestFile('applied-2', manifest), '-v=8']);
    assert.match(r.stdout, /^deployment\.apps\/old-applied configured$/m);
    assert.match(r.stderr, /Content-Type: application\/strategic-merge-patch\+json/);
    const stored = await kubectl.json<{ spec: { template: { spec: { containers: Container[] } } } }>(['get', 'deployment', 'old-applied', '-n', NS]);
    const containers = stored.spec.template.spec.containers;
    assert.deepEqual(
      containers.map((c) => [c.name, c.image, c.env]),
      [['web', 'nginx:1.28', [{ name: 'MODE', value: 'test' }]]],
    );
  });

  it('explains a kind and a field from the OpenAPI v2 document', async function () {
    const field = (await kubectl.run(['explain', 'deployment.spec.replicas'])).stdout;
    assert.match(field, /^KIND:\s+Deployment$/m);
    assert.match(field, /^VERSION:\s+apps\/v1$/m);
    assert.match(field, /^FIELD:\s+replicas <integer>$/m);
    assert.match(field, /Number of desired pods/);
    const kind = (await kubectl.run(['explain', 'pods'])).stdout;
    assert.match(kind, /^KIND:\s+Pod$/m);
    assert.match(kind, /Pod is a collection of containers/);
    assert.match(kind, /^\s+spec\s+<Object>$/m);
  });

  it('describes the deployment', async function () {
    const out = (await kubectl.run(['describe', 'deployment', 'old-web', '-n', NS])).stdout;
    assert.match(out, /^Name:\s+old-web$/m);
    assert.match(out, new RegExp(`^Namespace:\\s+${NS}$`, 'm'));
    assert.match(out, /^Selector:\s+app=crud-deployment$/m);
    assert.match(out, /^Replicas:\s+2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    assert.match(out, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(out, /^\s+Image:\s+nginx:1\.27$/m);
  });

  it('prints objects created after `get -w` started', async function () {
    const watch = kubectl.spawnWatch(['get', 'configmaps', '-n', NS, '-w']);
    try {
      const lines = watch.lines[Symbol.asyncIterator]();
      assert.match(await nextLine(lines, watch), /^NAME\s+DATA\s+AGE$/);
      // The initial list (kube-root-ca.crt may come first) ends with old-config: the watch is on.
      assert.match(await lineMatching(lines, watch, /^old-config\s/), /^old-config\s+1\s+\S+$/);
      const created = await server.request('POST', `/api/v1/namespaces/${NS}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { a: '1', b: '2' } },
      });
      assert.equal(created.status, 201, created.body);
      assert.match(await lineMatching(lines, watch, /^watched\s/), /^watched\s+2\s+\S+$/);
    } finally {
      await watch.stop();
    }
  });

  it('explains and validates a custom resource of a CRD made through the API', async function () {
    await createCustomResourceDefinition(server, 'monitoring.coreos.com_servicemonitors.yaml');
    const explained = (await kubectl.run(['explain', 'servicemonitors.spec.endpoints'])).stdout;
    assert.match(explained, /^KIND:\s+ServiceMonitor$/m);
    assert.match(explained, /^VERSION:\s+monitoring\.coreos\.com\/v1$/m);
    assert.match(explained, /^RESOURCE:\s+endpoints <\[\]Object>$/m);
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'old-monitor', namespace: NS },
      spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'web', interval: '30s' }] },
    } as unknown as Manifest;
    assert.equal((await kubectl.run(['create', '-f', manifestFile('monitor', monitor)])).stdout.trim(), 'servicemonitor.monitoring.coreos.com/old-monitor created');
    (monitor.metadata as { name: string }).name = 'old-typo-monitor';
    (monitor.spec as { endpoints: Record<string, unknown>[] }).endpoints[0].intervalz = '30s';
    const r = await kubectl.run(['create', '-f', manifestFile('monitor-typo', monitor)], { allowFailure: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ValidationError\(ServiceMonitor\.spec\.endpoints\[0\]\): unknown field "intervalz"/);
  });

  it('deletes with `delete -f` and by name; then the objects are gone', async function () {
    const file = manifestFile('deployment', fixtureNamed('deployment.yaml', 'old-web', NS));
    assert.equal((await kubectl.run(['delete', '-f', file])).stdout.trim(), 'deployment.apps "old-web" deleted');
    assert.equal((await kubectl.run(['delete', 'configmap', 'old-config', 'watched', '-n', NS])).stdout.trim(), 'configmap "old-config" deleted\nconfigmap "watched" deleted');
    const r = await kubectl.run(['get', 'deployment', 'old-web', '-n', NS], { allowFailure: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): deployments\.apps "old-web" not found/);
  });
});

/** lineMatching reads watch lines until one matches, failing instead of hanging. */
async function lineMatching(lines: AsyncIterator<string>, watch: KubectlWatch, re: RegExp): Promise<string> {
  for (;;) {
    const line = await nextLine(lines, watch);
    if (re.test(line)) return line;
  }
}

/** nextLine reads the next non-empty stdout line of a watch, failing instead of hanging. */
async function nextLine(lines: AsyncIterator<string>, watch: KubectlWatch): Promise<string> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), LINE_TIMEOUT_MS)));
    const r = await Promise.race([lines.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') throw new Error(`kubectl get -w printed nothing for ${LINE_TIMEOUT_MS} ms; stderr:\n${watch.stderr()}`);
    if (r.done) throw new Error(`kubectl get -w ended; stderr:\n${watch.stderr()}`);
    if (r.value.trim() !== '') return r.value.trim();
  }
}

/**
 * helm 4 against the real server, as a user drives it: `helm create` a chart, then install,
 * list, upgrade with `--set replicaCount=3`, history, rollback and uninstall, each step checked
 * with kubectl. helm 4 applies the chart's objects with server-side apply (no
 * `--server-side=false` here) and writes its release records, Secrets of type
 * helm.sh/release.v1, in protobuf.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Helm } from '../clients/helm';
import { ensureClients } from '../clients/install';
import { createNamespace, type Manifest } from '../kubectl/support';
import { TestServer } from '../../support/server';

const NS = 'helm-e2e';
const RELEASE = 'web';
/** OBJECT is the name `helm create`'s templates give every object: `<release>-<chart>`. */
const OBJECT = `${RELEASE}-mychart`;

interface ReleaseSecret extends Manifest {
  type: string;
}

interface ListedRelease {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
}

interface HistoryEntry {
  revision: number;
  status: string;
  description: string;
}

describe('helm 4 (server-side apply, protobuf release records)', function () {
  let server: TestServer;
  let helm: Helm;
  let scratch: string;
  let chart: string;

  /** releaseSecrets lists helm's records of the release, as helm itself selects them. */
  const releaseSecrets = async (): Promise<ReleaseSecret[]> => {
    const list = await server.kubectl.json<{ items: ReleaseSecret[] }>(['get', 'secrets', '-n', NS, '-l', `owner=helm,name=${RELEASE}`]);
    return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };

  /** recordSummary is what the records' labels say, by name: `<status> v<version>`. */
  const recordSummary = (secrets: ReleaseSecret[]) =>
    Object.fromEntries(secrets.map((s) => [s.metadata.name, `${s.metadata.labels?.status} v${s.metadata.labels?.version}`]));

  const replicas = async (): Promise<number> => {
    const d = await server.kubectl.json<{ spec: { replicas: number } }>(['get', 'deployment', OBJECT, '-n', NS]);
    return d.spec.replicas;
  };

  before(async function () {
    this.timeout(120_000);
    await ensureClients();
    server = await TestServer.start();
    await createNamespace(server, NS);
    helm = new Helm({ kubeconfig: server.kubeconfig });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-helm-e2e-'));
    chart = path.join(scratch, 'mychart');
    await helm.run(['create', chart]);
  });

  after(async function () {
    await helm?.dispose();
    await server?.dispose();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps its state out of $HOME', function () {
    const env = helm.env();
    assert.notEqual(env.HOME, os.homedir());
    for (const key of ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']) assert.ok(env[key]?.startsWith(env.HOME ?? '\0'), key);
  });

  it('installs the chart: objects applied server-side, one release record', async function () {
    const r = await helm.run(['install', RELEASE, chart, '-n', NS]);
    assert.match(r.stdout, /^STATUS: deployed$/m);
    assert.match(r.stdout, /^REVISION: 1$/m);

    for (const kind of ['deployment', 'service', 'serviceaccount']) {
      const obj = await server.kubectl.json<Manifest & { metadata: { managedFields?: { manager: string; operation: string }[] } }>(['get', kind, OBJECT, '-n', NS, '--show-managed-fields']);
      assert.equal(obj.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm', kind);
      assert.equal(obj.metadata.annotations?.['meta.helm.sh/release-name'], RELEASE, kind);
      assert.ok(
        obj.metadata.managedFields?.some((f) => f.manager === 'helm' && f.operation === 'Apply'),
        `${kind} was not server-side applied by helm: ${JSON.stringify(obj.metadata.managedFields)}`,
      );
    }
    assert.equal(await replicas(), 1);

    const records = await releaseSecrets();
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record.metadata.name, `sh.helm.release.v1.${RELEASE}.v1`);
    assert.equal(record.type, 'helm.sh/release.v1');
    assert.deepEqual(
      { owner: record.metadata.labels?.owner, name: record.metadata.labels?.name, status: record.metadata.labels?.status, version: record.metadata.labels?.version },
      { owner: 'helm', name: RELEASE, status: 'deployed', version: '1' },
    );
    assert.ok(((record as unknown as { data: Record<string, string> }).data.release ?? '').length > 100, 'the record holds the encoded release');
  });

  it('lists the release', async function () {
    const list = await helm.json<ListedRelease[]>(['list', '-n', NS]);
    assert.deepEqual(
      list.map((r) => ({ name: r.name, namespace: r.namespace, revision: r.revision, status: r.status, chart: r.chart })),
      [{ name: RELEASE, namespace: NS, revision: '1', status: 'deployed', chart: 'mychart-0.1.0' }],
    );
  });

  it('upgrades with --set replicaCount=3: the deployment scales and a second record supersedes the first', async function () {
    const r = await helm.run(['upgrade', RELEASE, chart, '-n', NS, '--set', 'replicaCount=3']);
    assert.match(r.stdout, /^REVISION: 2$/m);
    assert.equal(await replicas(), 3);
    assert.deepEqual(recordSummary(await releaseSecrets()), {
      [`sh.helm.release.v1.${RELEASE}.v1`]: 'superseded v1',
      [`sh.helm.release.v1.${RELEASE}.v2`]: 'deployed v2',
    });
  });

  it('shows the history', async function () {
    const history = await helm.json<HistoryEntry[]>(['history', RELEASE, '-n', NS]);
    assert.deepEqual(
      history.map((h) => [h.revision, h.status, h.description]),
      [
        [1, 'superseded', 'Install complete'],
        [2, 'deployed', 'Upgrade complete'],
      ],
    );
  });

  it('rolls back to revision 1: one replica again, as a third revision', async function () {
    const r = await helm.run(['rollback', RELEASE, '1', '-n', NS]);
    assert.match(r.stdout, /Rollback was a success/);
    assert.equal(await replicas(), 1);
    const history = await helm.json<HistoryEntry[]>(['history', RELEASE, '-n', NS]);
    assert.deepEqual(history.map((h) => [h.revision, h.status, h.description]).at(-1), [3, 'deployed', 'Rollback to 1']);
    assert.deepEqual(recordSummary(await releaseSecrets()), {
      [`sh.helm.release.v1.${RELEASE}.v1`]: 'superseded v1',
      [`sh.helm.release.v1.${RELEASE}.v2`]: 'superseded v2',
      [`sh.helm.release.v1.${RELEASE}.v3`]: 'deployed v3',
    });
  });

  it('uninstalls: the chart objects and every release record are gone', async function () {
    const r = await helm.run(['uninstall', RELEASE, '-n', NS], { allowFailure: true });
    assert.equal(r.code, 0, `helm uninstall failed:\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`release "${RELEASE}" uninstalled`));
    for (const kind of ['deployment', 'service', 'serviceaccount']) {
      const get = await server.kubectl.run(['get', kind, OBJECT, '-n', NS], { allowFailure: true });
      assert.match(get.stderr, /\(NotFound\)/, `${kind} ${OBJECT} still exists`);
    }
    assert.deepEqual(recordSummary(await releaseSecrets()), {});
    assert.deepEqual(await helm.json<ListedRelease[]>(['list', '-n', NS]), []);
    assert.deepEqual(await helm.json<ListedRelease[]>(['list', '-n', NS, '--uninstalling']), [], 'a release left half-uninstalled');
  });
});

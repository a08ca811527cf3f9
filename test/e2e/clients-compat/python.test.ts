/**
 * The official Python client (Debian's python3-kubernetes, 22.6) against the real server: one
 * scripted session (python_session.py beside this file) of CRUD, label selectors, a subresource
 * patch and a watch with a server-side timeout. Its generated models validate every response,
 * so a missing required field fails the session even where kubectl would not care.
 *
 * It runs Debian's /usr/bin/python3: the `python3` first on PATH may be another interpreter that
 * cannot import the Debian package. `.ci/run` installs python3-kubernetes.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isolatedEnv, repositoryRoot, runProcess } from '../clients/install';
import { TestServer } from '../../support/server';

const PYTHON = '/usr/bin/python3';
const SESSION = path.join(repositoryRoot(), 'test', 'e2e', 'clients-compat', 'python_session.py');
const SESSION_TIMEOUT_MS = 60_000;

interface SessionOutput {
  version: string;
  created: { name: string; uid: boolean; resourceVersion: string };
  replaced: { data: Record<string, string>; resourceVersionChanged: boolean };
  patchedLabels: Record<string, string>;
  selected: string[];
  selectedSet: string[];
  deployment: { replicas: number; strategy: string; created: string };
  scaled: number;
  watch: [string, string, string | null][];
  watchSeconds: number;
  afterDelete: { status: number; reason: string } | string;
}

describe('Python client (python3-kubernetes)', function () {
  let server: TestServer;
  let out: SessionOutput;

  before(async function () {
    const probe = await runProcess(PYTHON, ['-c', 'import kubernetes; print(kubernetes.__version__)'], { allowFailure: true });
    assert.equal(probe.code, 0, `${PYTHON} cannot import kubernetes (apt-get install python3-kubernetes): ${probe.stderr}`);
    server = await TestServer.start();
  });

  after(async function () {
    await server?.dispose();
  });

  it('runs the whole session without an error', async function () {
    const r = await runProcess(PYTHON, [SESSION, server.kubeconfig, 'python-session'], {
      env: isolatedEnv({ PYTHONDONTWRITEBYTECODE: '1' }),
      timeoutMs: SESSION_TIMEOUT_MS,
      allowFailure: true,
    });
    assert.equal(r.code, 0, `python session failed:\n${r.stderr}`);
    out = JSON.parse(r.stdout) as SessionOutput;
  });

  it('reads the version with every field its model requires', function () {
    assert.match(out.version, /^v1\.35\./);
  });

  it('creates, reads, replaces and patches', function () {
    assert.equal(out.created.name, 'cm-a');
    assert.ok(out.created.uid);
    assert.match(out.created.resourceVersion, /^\d+$/);
    assert.deepEqual(out.replaced, { data: { k: 'v2' }, resourceVersionChanged: true });
    assert.deepEqual(out.patchedLabels, { tier: 'py', keep: 'yes', patched: 'true' });
  });

  it('lists with equality and set-based label selectors', function () {
    assert.deepEqual(out.selected, ['cm-a', 'cm-b']);
    assert.deepEqual(out.selectedSet, ['cm-a', 'cm-c']);
  });

  it('creates a deployment from a dict, reads it into the typed model, and scales it', function () {
    assert.equal(out.deployment.replicas, 2);
    assert.equal(out.deployment.strategy, 'RollingUpdate');
    assert.match(out.deployment.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    assert.equal(out.scaled, 4);
  });

  it('watches from a resourceVersion: the later changes in order, then the server ends it at timeoutSeconds', function () {
    assert.deepEqual(out.watch, [
      ['MODIFIED', 'cm-b', 'b2'],
      ['DELETED', 'cm-b', 'b2'],
    ]);
    assert.ok(out.watchSeconds >= 1.5 && out.watchSeconds < 10, `watch lasted ${out.watchSeconds}s, timeoutSeconds=2`);
  });

  it('gets a NotFound ApiException after delete', function () {
    assert.deepEqual(out.afterDelete, { status: 404, reason: 'NotFound' });
  });
});

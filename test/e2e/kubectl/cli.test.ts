/**
 * `kapi serve` refuses to start, with a non-zero exit and a message that says why, when it is
 * misconfigured: a supervisor (systemd, a test harness, a person) must see the failure at once
 * instead of a server that hangs or half-starts.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { repositoryRoot } from '../clients/install';

/** EXIT_TIMEOUT_MS bounds how long a misconfigured server may take to give up. */
const EXIT_TIMEOUT_MS = 30_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** timedOut is set when the process had to be killed: it did not exit by itself. */
  timedOut: boolean;
}

/** runServe runs `node dist/src/cli/main.js serve <args>` to its end (killing it after a timeout). */
function runServe(args: string[]): Promise<Exit> {
  return runMain(['serve', ...args]);
}

/** runMain runs `node dist/src/cli/main.js <args>` to its end (killing it after a timeout). */
function runMain(args: string[]): Promise<Exit> {
  const main = path.join(repositoryRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, EXIT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** assertFailedToStart checks the process exited by itself with a non-zero code. */
function assertFailedToStart(exit: Exit): void {
  assert.equal(exit.timedOut, false, `kapi serve did not exit by itself:\n${exit.stdout}\n${exit.stderr}`);
  assert.equal(exit.signal, null);
  assert.notEqual(exit.code, 0, `kapi serve must exit non-zero:\n${exit.stdout}\n${exit.stderr}`);
  assert.doesNotMatch(exit.stdout, /serving the Kubernetes/, 'it must not claim to be serving');
}

describe('kapi serve command line', function () {
  let scratch: string;

  before(function () {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-cli-test-'));
  });

  after(function () {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('exits non-zero naming an unknown flag (--nope) on stderr', async function () {
    const exit = await runServe(['--nope', '--data-dir', path.join(scratch, 'unknown-flag'), '--secure-port', '0']);
    assertFailedToStart(exit);
    assert.match(exit.stderr, /unknown flag: --nope/);
  });

  it('exits non-zero on a flag value of the wrong type (--secure-port abc)', async function () {
    const exit = await runServe(['--secure-port', 'abc', '--data-dir', path.join(scratch, 'bad-port')]);
    assertFailedToStart(exit);
    assert.match(exit.stderr, /--secure-port/);
    assert.match(exit.stderr, /abc/);
  });

  it('exits non-zero on a negative audit log rotation setting (--audit-log-maxbackup=-1)', async function () {
    const exit = await runServe(['--audit-log-maxbackup=-1', '--data-dir', path.join(scratch, 'bad-rotation'), '--secure-port', '0']);
    assertFailedToStart(exit);
    assert.match(exit.stderr, /invalid argument "-1" for "--audit-log-maxbackup" flag: must not be negative/);
  });

  it('exits non-zero naming the address when the port is already in use', async function () {
    const blocker = net.createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const exit = await runServe(['--secure-port', String(port), '--bind-address', '127.0.0.1', '--data-dir', path.join(scratch, 'port-in-use')]);
      assertFailedToStart(exit);
      assert.ok(exit.stderr.includes(`127.0.0.1:${port}`), `stderr names 127.0.0.1:${port}:\n${exit.stderr}`);
      assert.match(exit.stderr, /address already in use/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('exits non-zero naming the data dir when it cannot be created (a path under a regular file)', async function () {
    const file = path.join(scratch, 'a-regular-file');
    fs.writeFileSync(file, 'not a directory\n');
    const dataDir = path.join(file, 'data');
    const exit = await runServe(['--secure-port', '0', '--bind-address', '127.0.0.1', '--data-dir', dataDir]);
    assertFailedToStart(exit);
    assert.ok(exit.stderr.includes(dataDir), `stderr names ${dataDir}:\n${exit.stderr}`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'not a directory\n', 'the file must be left alone');
  });

  it('exits non-zero on an unknown command', async function () {
    const exit = await runMain(['frobnicate']);
    assertFailedToStart(exit);
    assert.match(exit.stderr, /frobnicate/);
  });
});

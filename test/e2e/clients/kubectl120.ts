/**
 * kubectl 1.20, the old client the compatibility suite drives: it knows only legacy discovery
 * and validates `create -f` / `apply -f` against /openapi/v2 in protobuf.
 *
 * It comes from Debian's `kubernetes-client` package (1.20.2 on bookworm). The package is not
 * installed (that would replace the machine's kubectl): `apt-get download` fetches the .deb into
 * a staging directory and `dpkg-deb -x` unpacks it; only `usr/bin/kubectl` is kept, as
 * `<repo>/node_modules/.cache/kapi-kubectl-1.20/kubectl`. Like install.ts, the directory is
 * published by one rename once the binary runs, and a stamp makes later calls a no-op.
 *
 * Run as a program (`node dist/test/e2e/clients/kubectl120.js`, as .ci/run does) it installs
 * when missing and prints the version. It needs Debian's apt (run `apt-get update` first on a
 * fresh machine: as root, it does so itself when the package is unknown).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandError, isolatedEnv, repositoryRoot, runProcess } from './install';

/** KUBECTL_120_DEB is the Debian package that carries kubectl 1.20. */
export const KUBECTL_120_DEB = 'kubernetes-client';
/** KUBECTL_120_VERSION matches the gitVersion the binary must report. */
export const KUBECTL_120_VERSION = /^v1\.20\.\d+$/;

const CACHE_DIR_NAME = 'kapi-kubectl-1.20';
const STAMP_FILE = 'stamp.json';
/** Bump when the layout changes, so old caches are unpacked again. */
const STAMP_FORMAT = 1;
/** apt-get download fetches ~8 MB from the Debian mirror; apt-get update may run first. */
const APT_TIMEOUT_MS = 5 * 60_000;
const VERSION_TIMEOUT_MS = 30_000;

interface Stamp {
  format: number;
  deb: string;
  gitVersion: string;
}

/** kubectl120Dir is where the unpacked binary lives. */
export function kubectl120Dir(): string {
  return path.join(repositoryRoot(), 'node_modules', '.cache', CACHE_DIR_NAME);
}

/** kubectl120Path is the binary's path, whether or not it is installed yet. */
export function kubectl120Path(): string {
  return path.join(kubectl120Dir(), 'kubectl');
}

/** Kubectl120Install says what {@link installKubectl120} did. */
export interface Kubectl120Install {
  path: string;
  /** gitVersion reported by `kubectl version --client`. */
  gitVersion: string;
  /** deb is the package file that was unpacked. */
  deb: string;
  /** false when a complete unpacked copy was already there. */
  unpacked: boolean;
}

let ensured: Promise<string> | undefined;

/** ensureKubectl120 installs kubectl 1.20 unless it is there, and returns its path (memoized per process). */
export function ensureKubectl120(): Promise<string> {
  ensured ??= installKubectl120().then(
    (r) => r.path,
    (err: unknown) => {
      ensured = undefined;
      throw err;
    },
  );
  return ensured;
}

function readStamp(dir: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
    const st = fs.statSync(path.join(dir, 'kubectl'));
    if (stamp.format === STAMP_FORMAT && st.isFile() && (st.mode & 0o111) !== 0) return stamp;
  } catch {
    // missing or unreadable: not installed
  }
  return undefined;
}

/** installKubectl120 is {@link ensureKubectl120} without the memo, reporting what it did. */
export async function installKubectl120(): Promise<Kubectl120Install> {
  const dir = kubectl120Dir();
  const existing = readStamp(dir);
  if (existing) return { path: kubectl120Path(), gitVersion: existing.gitVersion, deb: existing.deb, unpacked: false };

  await fs.promises.mkdir(path.dirname(dir), { recursive: true });
  const staging = await fs.promises.mkdtemp(`${dir}.tmp-${process.pid}-`);
  try {
    await aptDownload(staging);
    const deb = (await fs.promises.readdir(staging)).find((f) => f.startsWith(`${KUBECTL_120_DEB}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download left no ${KUBECTL_120_DEB}_*.deb in ${staging}`);
    const unpacked = path.join(staging, 'root');
    await runProcess('dpkg-deb', ['-x', path.join(staging, deb), unpacked], { timeoutMs: APT_TIMEOUT_MS });
    const binary = path.join(staging, 'kubectl');
    await fs.promises.rename(path.join(unpacked, 'usr', 'bin', 'kubectl'), binary);
    await fs.promises.chmod(binary, 0o755);
    await fs.promises.rm(unpacked, { recursive: true, force: true });
    await fs.promises.rm(path.join(staging, deb), { force: true });

    const gitVersion = await kubectlVersion(binary);
    if (!KUBECTL_120_VERSION.test(gitVersion)) throw new Error(`${deb} holds kubectl ${gitVersion}, not 1.20`);
    await fs.promises.writeFile(path.join(staging, STAMP_FILE), `${JSON.stringify({ format: STAMP_FORMAT, deb, gitVersion } satisfies Stamp, null, 2)}\n`);
    await fs.promises.chmod(staging, 0o755);
    await publish(staging, dir);
    return { path: kubectl120Path(), gitVersion, deb, unpacked: true };
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

/** aptDownload fetches the .deb into dir, refreshing the package lists once (as root) if apt does not know it. */
async function aptDownload(dir: string): Promise<void> {
  // The sandbox user `_apt` cannot write into a private temp dir; download as the caller.
  const download = () =>
    runProcess('apt-get', ['-o', 'APT::Sandbox::User=root', 'download', KUBECTL_120_DEB], { cwd: dir, allowFailure: true, timeoutMs: APT_TIMEOUT_MS });
  let result = await download();
  if (result.code !== 0 && /Unable to locate package|no installation candidate|Can't select/i.test(result.stderr) && process.getuid?.() === 0) {
    await runProcess('apt-get', ['update', '-qq'], { timeoutMs: APT_TIMEOUT_MS });
    result = await download();
  }
  if (result.code !== 0) {
    throw new Error(`apt-get download ${KUBECTL_120_DEB} failed (exit ${result.code}); on Debian run \`apt-get update\` first:\n${result.stderr.trim()}`);
  }
}

async function kubectlVersion(binary: string): Promise<string> {
  const home = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kapi-kubectl120-version-'));
  try {
    const out = await runProcess(binary, ['version', '--client', '-o', 'json'], { env: isolatedEnv({ HOME: home }), timeoutMs: VERSION_TIMEOUT_MS });
    const gitVersion: unknown = (JSON.parse(out.stdout) as { clientVersion?: { gitVersion?: unknown } }).clientVersion?.gitVersion;
    if (typeof gitVersion !== 'string') throw new Error(`kubectl version has no gitVersion: ${out.stdout}`);
    return gitVersion;
  } finally {
    await fs.promises.rm(home, { recursive: true, force: true });
  }
}

/** publish renames staging onto dir; a concurrent install that got there first wins. */
async function publish(staging: string, dir: string): Promise<void> {
  try {
    await fs.promises.rename(staging, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    if (readStamp(dir)) return;
    // An incomplete leftover (no stamp): replace it.
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.rename(staging, dir);
  }
}

async function main(): Promise<void> {
  const r = await installKubectl120();
  console.log(`kubectl ${r.gitVersion}  ${r.path}  (${r.unpacked ? `unpacked from ${r.deb}` : 'already unpacked'})`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`install kubectl 1.20: ${err instanceof CommandError || err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}

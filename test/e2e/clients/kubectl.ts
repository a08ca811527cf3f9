/**
 * Kubectl drives the project's own kubectl 1.35 binary (see install.ts) from tests.
 *
 * Every call passes `--kubeconfig` and `--cache-dir` and runs with a private HOME: kubectl caches
 * discovery for hours under `~/.kube/cache`, so a shared cache would hide a changed API surface,
 * and a `~/.kube/kuberc` or `KUBECONFIG` from the machine must not leak into tests. It never looks
 * for `kubectl` on PATH: the machine may have a different program by that name there.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import {
  CommandError,
  DEFAULT_RUN_TIMEOUT_MS,
  clientPaths,
  isolatedEnv,
  runProcess,
  type RunResult,
} from './install';

/** KubectlOptions configure a {@link Kubectl}. */
export interface KubectlOptions {
  /** Path of the kubeconfig file, passed as `--kubeconfig` on every call. */
  kubeconfig: string;
  /** Discovery and HTTP cache directory, passed as `--cache-dir`; give each server its own. */
  cacheDir: string;
  /** The kubectl binary; defaults to the one {@link ensureClients} extracts. */
  binary?: string;
  /** Extra environment, applied over the isolated one (which already sets HOME). */
  env?: NodeJS.ProcessEnv;
}

/** KubectlRunOptions tune one {@link Kubectl.run} call. */
export interface KubectlRunOptions {
  /** Written to stdin (for `-f -`), which is then closed. */
  input?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** Kill and reject after this long (default {@link DEFAULT_RUN_TIMEOUT_MS}), even with allowFailure. */
  timeoutMs?: number;
}

/** WatchExit is how a watched command ended. */
export interface WatchExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** KubectlWatch is a long-running kubectl (`get -w`, `proxy`, `port-forward`, `logs -f`). */
export interface KubectlWatch {
  /**
   * lines yields stdout line by line, buffered from the start so none is lost before iteration
   * begins. Breaking out of a `for await` leaves the process running and the remaining lines
   * queued: a later loop continues where the last one stopped. Iteration ends after the process
   * exits and the queue is drained; it throws a {@link CommandError} when the process failed
   * (non-zero exit, or could not start) rather than being stopped.
   */
  lines: AsyncIterable<string>;
  /** stop ends the process (SIGTERM, then SIGKILL after a grace period) and waits for it. */
  stop(): Promise<void>;
  /** exited settles when the process has ended, however it ended; it never rejects. */
  exited: Promise<WatchExit>;
  /** stderr returns what the process has written to stderr so far. */
  stderr(): string;
}

/** STOP_GRACE_MS is how long a stopped watch may take to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 2_000;

/** Kubectl runs kubectl against one kubeconfig with an isolated cache and HOME. */
export class Kubectl {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly cacheDir: string;
  readonly #extraEnv: NodeJS.ProcessEnv;
  #home: string | undefined;
  readonly #watches = new Set<KubectlWatch>();

  constructor(opts: KubectlOptions) {
    this.binary = opts.binary ?? clientPaths().kubectl;
    this.kubeconfig = opts.kubeconfig;
    this.cacheDir = opts.cacheDir;
    this.#extraEnv = opts.env ?? {};
  }

  /** argv returns the complete argument list a call with args passes to kubectl. */
  argv(args: readonly string[]): string[] {
    // Global flags go first, so args may end in `-- command ...` (exec, run).
    return [`--kubeconfig=${this.kubeconfig}`, `--cache-dir=${this.cacheDir}`, ...args];
  }

  /** env returns the environment kubectl runs with: isolated, with a private HOME. */
  env(): NodeJS.ProcessEnv {
    return isolatedEnv({ HOME: this.#homeDir(), ...this.#extraEnv });
  }

  /**
   * run runs `kubectl <args>` to completion. It rejects with a {@link CommandError} naming the
   * arguments, exit code, stdout and stderr when kubectl fails and allowFailure is not set.
   */
  async run(args: readonly string[], opts: KubectlRunOptions = {}): Promise<RunResult> {
    this.#assertBinary();
    return runProcess(this.binary, this.argv(args), {
      env: this.env(),
      input: opts.input,
      allowFailure: opts.allowFailure,
      timeoutMs: opts.timeoutMs,
    });
  }

  /** json runs `kubectl <args> -o json` (unless args choose an output already) and parses stdout. */
  async json<T = unknown>(args: readonly string[], opts: Omit<KubectlRunOptions, 'allowFailure'> = {}): Promise<T> {
    const result = await this.run(withJsonOutput(args), opts);
    try {
      return JSON.parse(result.stdout) as T;
    } catch (err) {
      throw new Error(
        `kubectl ${args.join(' ')} printed invalid JSON (${err instanceof Error ? err.message : String(err)}):\n${result.stdout}`,
      );
    }
  }

  /** spawnWatch starts `kubectl <args>` and streams its stdout lines until it exits or is stopped. */
  spawnWatch(args: readonly string[]): KubectlWatch {
    this.#assertBinary();
    const watch = startWatch(this.binary, this.argv(args), this.env());
    this.#watches.add(watch);
    void watch.exited.then(() => this.#watches.delete(watch));
    return watch;
  }

  /** dispose stops the watches still running and removes the private HOME. */
  async dispose(): Promise<void> {
    await Promise.all([...this.#watches].map((watch) => watch.stop()));
    if (this.#home !== undefined) {
      await fs.promises.rm(this.#home, { recursive: true, force: true });
      this.#home = undefined;
    }
  }

  #homeDir(): string {
    this.#home ??= fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-kubectl-home-'));
    return this.#home;
  }

  #assertBinary(): void {
    if (!fs.existsSync(this.binary)) {
      throw new Error(
        `kubectl not found at ${this.binary}: await ensureClients() first ` +
          `(or run \`node dist/test/e2e/clients/install.js\`)`,
      );
    }
  }
}

/** withJsonOutput appends `-o json` unless args already choose an output format. */
export function withJsonOutput(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  const flags = end < 0 ? args : args.slice(0, end);
  const hasOutput = flags.some(
    (arg) => arg === '-o' || arg === '--output' || arg.startsWith('-o') || arg.startsWith('--output='),
  );
  if (hasOutput) return [...args];
  return end < 0 ? [...args, '-o', 'json'] : [...args.slice(0, end), '-o', 'json', ...args.slice(end)];
}

/** startWatch spawns command and exposes its stdout as a queue of lines. */
function startWatch(command: string, args: readonly string[], env: NodeJS.ProcessEnv): KubectlWatch {
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // the child may exit before we close its stdin
  child.stdin.end();

  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: Error | undefined;
  let stopping = false;
  let stderr = '';
  let stdoutClosed = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  const notify = (): void => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };

  let resolveExited!: (exit: WatchExit) => void;
  const exited = new Promise<WatchExit>((resolve) => (resolveExited = resolve));

  // The queue ends once the process has exited and stdout is fully read, whichever comes last.
  const maybeEnd = (): void => {
    if (ended || exit === undefined || !stdoutClosed) return;
    ended = true;
    if (!stopping && exit.code !== 0) {
      const what = exit.code !== null ? `exit code ${exit.code}` : `killed by ${exit.signal}`;
      failure ??= new CommandError(what, { command, args, code: exit.code, signal: exit.signal, stdout: '', stderr });
    }
    resolveExited({ ...exit, stderr });
    notify();
  };

  readline
    .createInterface({ input: child.stdout, crlfDelay: Infinity })
    .on('line', (line) => {
      queue.push(line);
      notify();
    })
    .on('close', () => {
      stdoutClosed = true;
      maybeEnd();
    });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.on('error', (err) => {
    failure ??= new CommandError(`cannot start: ${err.message}`, {
      command, args, code: null, signal: null, stdout: '', stderr, cause: err,
    });
    // A process that never started emits no 'close' of its own on every Node version.
    exit ??= { code: null, signal: null };
    stdoutClosed = true;
    maybeEnd();
  });
  child.on('close', (code, signal) => {
    exit ??= { code, signal };
    maybeEnd();
  });

  const lines: AsyncIterable<string> = {
    [Symbol.asyncIterator](): AsyncIterator<string> {
      return {
        async next(): Promise<IteratorResult<string>> {
          for (;;) {
            const line = queue.shift();
            if (line !== undefined) return { value: line, done: false };
            if (ended) {
              if (failure !== undefined) {
                const err = failure;
                failure = undefined; // report it once
                throw err;
              }
              return { value: undefined, done: true };
            }
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        // Breaking out of a loop leaves the process and the queued lines alone: see KubectlWatch.
        async return(): Promise<IteratorResult<string>> {
          return { value: undefined, done: true };
        },
      };
    },
  };

  const stop = async (): Promise<void> => {
    if (ended) return;
    stopping = true;
    if (exit === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  };

  return { lines, stop, exited, stderr: () => stderr };
}

export { CommandError, DEFAULT_RUN_TIMEOUT_MS, type RunResult };

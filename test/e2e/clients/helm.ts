/**
 * Helm drives the project's own helm 4 binary (see install.ts) from tests.
 *
 * Every call passes `--kubeconfig` and runs with a private HOME and private HELM_CACHE_HOME,
 * HELM_CONFIG_HOME and HELM_DATA_HOME, so repositories, plugins and caches of the machine (or
 * of another test) never leak in; any HELM_* variable of the machine is dropped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientPaths, isolatedEnv, runProcess, type RunResult } from './install';
import { withJsonOutput } from './kubectl';

/** HelmOptions configure a {@link Helm}. */
export interface HelmOptions {
  /** Path of the kubeconfig file, passed as `--kubeconfig` on every call. */
  kubeconfig: string;
  /** The helm binary; defaults to the one {@link ensureClients} extracts. */
  binary?: string;
  /** Extra environment, applied over the isolated one (e.g. HELM_DRIVER). */
  env?: NodeJS.ProcessEnv;
}

/** HelmRunOptions tune one {@link Helm.run} call. */
export interface HelmRunOptions {
  /** Written to stdin (for `-f -` values), which is then closed. */
  input?: string;
  /** Resolve with a non-zero exit code instead of rejecting. */
  allowFailure?: boolean;
  /** Kill and reject after this long (default {@link HELM_TIMEOUT_MS}), even with allowFailure. */
  timeoutMs?: number;
}

/** HELM_TIMEOUT_MS is longer than kubectl's default: an install applies many objects and may `--wait`. */
export const HELM_TIMEOUT_MS = 120_000;

/** Helm runs helm against one kubeconfig with isolated state directories. */
export class Helm {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly #extraEnv: NodeJS.ProcessEnv;
  #home: string | undefined;

  constructor(opts: HelmOptions) {
    this.binary = opts.binary ?? clientPaths().helm;
    this.kubeconfig = opts.kubeconfig;
    this.#extraEnv = opts.env ?? {};
  }

  /** argv returns the complete argument list a call with args passes to helm. */
  argv(args: readonly string[]): string[] {
    return [`--kubeconfig=${this.kubeconfig}`, ...args];
  }

  /** env returns the environment helm runs with: isolated HOME and HELM_*_HOME directories. */
  env(): NodeJS.ProcessEnv {
    const home = this.#homeDir();
    return isolatedEnv({
      HOME: home,
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_DATA_HOME: path.join(home, 'data'),
      ...this.#extraEnv,
    });
  }

  /**
   * run runs `helm <args>` to completion. It rejects with a {@link CommandError} naming the
   * arguments, exit code, stdout and stderr when helm fails and allowFailure is not set.
   */
  async run(args: readonly string[], opts: HelmRunOptions = {}): Promise<RunResult> {
    if (!fs.existsSync(this.binary)) {
      throw new Error(
        `helm not found at ${this.binary}: await ensureClients() first ` +
          `(or run \`node dist/test/e2e/clients/install.js\`)`,
      );
    }
    return runProcess(this.binary, this.argv(args), {
      env: this.env(),
      input: opts.input,
      allowFailure: opts.allowFailure,
      timeoutMs: opts.timeoutMs ?? HELM_TIMEOUT_MS,
    });
  }

  /** json runs `helm <args> -o json` (unless args choose an output already) and parses stdout. */
  async json<T = unknown>(args: readonly string[], opts: Omit<HelmRunOptions, 'allowFailure'> = {}): Promise<T> {
    const result = await this.run(withJsonOutput(args), opts);
    try {
      return JSON.parse(result.stdout) as T;
    } catch (err) {
      throw new Error(
        `helm ${args.join(' ')} printed invalid JSON (${err instanceof Error ? err.message : String(err)}):\n${result.stdout}`,
      );
    }
  }

  /** dispose removes the private HOME and helm state. */
  async dispose(): Promise<void> {
    if (this.#home !== undefined) {
      await fs.promises.rm(this.#home, { recursive: true, force: true });
      this.#home = undefined;
    }
  }

  #homeDir(): string {
    this.#home ??= fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-helm-home-'));
    return this.#home;
  }
}

/**
 * LoadClient is the parent's handle on the load generator process (loadgen.ts): it sends runs
 * over IPC and brackets each with the server's CPU time, read from /proc.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { LoadRequest, LoadResponse, RunResult, RunSpec, Target } from './loadgen';
import { cpuTimeMs, machineBusyMs } from './procstat';

/** MeasuredRun is a run as the client saw it plus what the server process spent. */
export interface MeasuredRun extends RunResult {
  /** serverCpuMs is the server process's CPU time during the run (NaN when unknown). */
  serverCpuMs: number;
  /** otherCpuMs is what every other process on the machine used meanwhile (noise). */
  otherCpuMs: number;
}

export class LoadClient {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: RunResult): void; reject(e: Error): void }>();

  constructor() {
    this.child = fork(path.join(__dirname, 'loadgen.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: LoadResponse) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.result) p.resolve(msg.result);
      else p.reject(new Error(`load generator failed: ${msg.error}`));
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`load generator exited with ${code}`));
      this.pending.clear();
    });
  }

  /** run executes one run against a server whose CPU time is read from serverPid. */
  async run(target: Target, serverPid: number, spec: RunSpec): Promise<MeasuredRun> {
    const id = this.nextId++;
    const result = new Promise<RunResult>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const cpu0 = cpuTimeMs(serverPid);
    const machine0 = machineBusyMs();
    this.child.send({ id, target, spec } satisfies LoadRequest);
    const r = await result;
    const serverCpuMs = cpuTimeMs(serverPid) - cpu0;
    const otherCpuMs = machineBusyMs() - machine0 - serverCpuMs - r.clientCpuMs;
    return { ...r, serverCpuMs, otherCpuMs: Math.max(0, otherCpuMs) };
  }

  close(): void {
    this.child.disconnect();
  }
}

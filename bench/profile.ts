/**
 * profile runs each server workload against a kapi started with `node --cpu-prof`, one server
 * per workload so each profile shows one thing, and prints where the server's CPU went
 * (`node dist/bench/main.js --profile`; not part of the timed bench).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatSummary, summarizeProfile } from './cpuprofile';
import { KapiProcess } from './kapi';
import { LoadClient } from './loadclient';
import { createBenchNamespace } from './namespaces';
import type { Target } from './loadgen';
import { printLine, printStep } from './report';
import { requestOk } from './request';
import { fmtInt, fmtMs } from './stats';
import { applySpec, createSpec, getSpec, listSpec, patchSpec, podTemplate, podsPath } from './workloads';

/** PROFILE_PODS is the number of pods created under the profiler (and then listed). */
const PROFILE_PODS = 10_000;
/** PROFILE_GET_MS is how long GETs run under the profiler. */
const PROFILE_GET_MS = 8_000;
/** PROFILE_PATCH_MS is how long PATCHes, then applies, run under the profiler. */
const PROFILE_PATCH_MS = 5_000;
/** PROFILE_LISTS is how many LISTs run under the profiler. */
const PROFILE_LISTS = 10;

async function profiled(dataDir: string, profDir: string, work: (kapi: KapiProcess, target: Target) => Promise<string>): Promise<void> {
  const kapi = await KapiProcess.start({ dataDir, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
  const target: Target = { ...kapi.creds };
  const note = await work(kapi, target);
  await kapi.stop();
  const file = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'))[0];
  if (!file) throw new Error(`no profile written to ${profDir}`);
  printLine(note);
  for (const line of formatSummary(summarizeProfile(path.join(profDir, file)))) printLine(line);
  printLine(`profile: ${path.join(profDir, file)} (open in Chrome DevTools > Performance)`);
}

export async function profileServer(): Promise<void> {
  const tpl = podTemplate();
  const client = new LoadClient();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-bench-prof-'));
  const podsDir = path.join(root, 'data-pods');
  const getDir = path.join(root, 'data-get');
  try {
    printStep(`Profile: ${fmtInt(PROFILE_PODS)} durable creates, 32 clients (includes start-up and 2,000 warm-up creates)`);
    await profiled(podsDir, path.join(root, 'prof-create'), async (kapi, target) => {
      for (const ns of ['warmup', 'bench']) await createBenchNamespace(kapi.creds, ns);
      await client.run(target, kapi.pid, createSpec(tpl, 'warmup', 2000));
      const r = await client.run(target, kapi.pid, createSpec(tpl, 'bench', PROFILE_PODS));
      return `${fmtInt(r.perSecond)} creates/s under the profiler, p99 ${fmtMs(r.p99Ms)}, errors ${r.errors}`;
    });

    printStep(`Profile: GET of one pod for ${PROFILE_GET_MS / 1000} s, 32 clients (includes start-up)`);
    await profiled(getDir, path.join(root, 'prof-get'), async (kapi, target) => {
      await createBenchNamespace(kapi.creds, 'bench');
      await client.run(target, kapi.pid, createSpec(tpl, 'bench', 1));
      const r = await client.run(target, kapi.pid, getSpec(`${podsPath('bench')}/web-0`, PROFILE_GET_MS));
      return `${fmtInt(r.perSecond)} GET/s under the profiler, p99 ${fmtMs(r.p99Ms)}, errors ${r.errors}`;
    });

    printStep('Profile: start-up on an existing data dir, until ready');
    await profiled(getDir, path.join(root, 'prof-start'), async () => 'start-up only');

    printStep(`Profile: ${PROFILE_LISTS} LISTs of ${fmtInt(PROFILE_PODS)} pods (includes start-up, which loads ~12,000 pods into the watch cache)`);
    await profiled(podsDir, path.join(root, 'prof-list'), async (kapi, target) => {
      const r = await client.run(target, kapi.pid, listSpec('bench', PROFILE_LISTS));
      return `LIST median ${fmtMs(r.p50Ms)} under the profiler, errors ${r.errors}`;
    });

    printStep(`Profile: strategic-merge PATCH then server-side apply for ${PROFILE_PATCH_MS / 1000} s each, 32 clients, over 1,000 pods (includes start-up)`);
    await profiled(podsDir, path.join(root, 'prof-patch'), async (kapi, target) => {
      const p = await client.run(target, kapi.pid, patchSpec('bench', 1_000, PROFILE_PATCH_MS));
      const a = await client.run(target, kapi.pid, applySpec('bench', 1_000, PROFILE_PATCH_MS));
      return `${fmtInt(p.perSecond)} PATCH/s and ${fmtInt(a.perSecond)} applies/s under the profiler, errors ${p.errors + a.errors}`;
    });
  } finally {
    client.close();
    fs.rmSync(podsDir, { recursive: true, force: true });
    fs.rmSync(getDir, { recursive: true, force: true });
  }
}

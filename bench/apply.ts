/**
 * Field management and patches of the fixture pod (bench/fixtures/pod.json, 3 containers with
 * env, probes and volumes), two ways:
 *
 * - benchApply, in-process, CPU µs per operation: managedFields on a create and on an update that
 *   changes one label (what the store runs on every write), a strategic-merge patch changing one
 *   container image, and server-side apply of the pod creating it and applying it again.
 * - benchPatchAndApply, end to end over HTTPS against the running server with the load
 *   generator: strategic-merge PATCH of one label and server-side apply of the whole pod, spread
 *   over existing pods, beside the create rate.
 */
import * as fs from 'node:fs';
import { builtinTypeTable } from '../generated/typeinfo';
import { applyPatch, updateManagedFields, type ApplyOptions, type UpdateOptions } from '../src/apply';
import { strategicMergePatch } from '../src/patch/strategic';
import type { KapiProcess } from './kapi';
import type { LoadClient, MeasuredRun } from './loadclient';
import type { Target } from './loadgen';
import { printFigure, printLine, printStep, type Figure } from './report';
import { fmtInt, fmtMs, median } from './stats';
import { APPLY_MANAGER, CONCURRENCY, FIXTURE, applySpec, patchSpec } from './workloads';

/** RUNS is the number of timed runs of each operation; the median is reported. */
const RUNS = 9;
/** RUN_MS is about how long one timed run of an operation lasts (long enough for the timer, short enough for nine). */
const RUN_MS = 40;

/**
 * Targets per operation on the fixture pod: a small share of a write's budget (4,000 durable
 * creates/s on 2 cores leave 500 µs of CPU per create, for everything).
 */
const TARGET_CREATE_US = 30;
const TARGET_UPDATE_US = 60;
const TARGET_APPLY_US = 150;

/** PATCH_SLOTS is how many existing pods the PATCHes and applies spread over (32 clients rarely meet on one). */
const PATCH_SLOTS = 1_000;
/** HTTP_WARMUP_MS and HTTP_RUN_MS time the HTTP runs; HTTP_RUNS runs of each kind are measured. */
const HTTP_WARMUP_MS = 2_000;
const HTTP_RUN_MS = 4_000;
const HTTP_RUNS = 3;

type Json = Record<string, unknown>;

/** ApplyBench is benchApply's result, in µs of CPU per operation. */
export interface ApplyBench {
  /** managedFieldsCreateUs is updateManagedFields(undefined, pod): the field manager on a create. */
  managedFieldsCreateUs: number;
  /** managedFieldsUpdateUs is updateManagedFields(stored, changed) where one label changed. */
  managedFieldsUpdateUs: number;
  /** strategicPatchUs is a strategic-merge patch of the stored pod changing one container image. */
  strategicPatchUs: number;
  /** applyCreateUs is applyPatch(undefined, pod): a server-side apply that creates the pod. */
  applyCreateUs: number;
  /** reapplyUs is applyPatch(stored, pod): the same configuration applied again. */
  reapplyUs: number;
  /** parseUs is JSON.parse of the stored pod, which every write pays: the scale for the others. */
  parseUs: number;
}

/**
 * WARMUP_MS is how long every operation runs, all of them in turn, before any is timed: the
 * optimizing compiler needs a while, longer on a busy machine, and the operations share code
 * whose type feedback should have seen them all.
 */
const WARMUP_MS = 400;

/**
 * timeOps runs fn ops times and returns the CPU µs per call. CPU time rather than wall time: the
 * bench machine is small and shared, and a runnable process waiting for a core is not slower.
 */
function timeOps(fn: () => unknown, ops: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < ops; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ops;
}

/** opsPerRun sizes a run of fn to about RUN_MS, and warms fn up meanwhile. */
function opsPerRun(fn: () => unknown): number {
  let ops = 10;
  const until = Date.now() + WARMUP_MS;
  while (Date.now() < until) ops = Math.max(10, Math.round((RUN_MS * 1000) / timeOps(fn, ops)));
  return ops;
}

/** microsPerOp times fn RUNS times in runs of the given size and returns the median CPU µs per call. */
function microsPerOp(fn: () => unknown, ops: number): number {
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) runs.push(timeOps(fn, ops));
  return median(runs);
}

/** stored plays the store: the object as it comes back from storage, with its identity. */
function stored(obj: Json): Json {
  const s = JSON.parse(JSON.stringify(obj)) as Json & { metadata: Json };
  s.metadata = { ...s.metadata, uid: '0b7e8f4e-7d8a-4c52-9a53-6f7c3d1e2a90', resourceVersion: '123456', creationTimestamp: '2024-05-01T12:00:00Z' };
  return s;
}

/**
 * benchApply measures the field manager and patches on the fixture pod in this process (see
 * the file comment). The engine keeps no per-object state between calls, so the same input
 * objects are reused.
 */
export async function benchApply(): Promise<ApplyBench> {
  const pod = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Json & { metadata: Json };
  pod.metadata = { ...pod.metadata, namespace: 'bench' };
  const root = builtinTypeTable.kinds['/v1/Pod'];
  const now = new Date('2024-05-01T12:00:00Z');
  const update: UpdateOptions = { manager: 'kubectl-create', table: builtinTypeTable, root, apiVersion: 'v1', now };
  const apply: ApplyOptions = { manager: APPLY_MANAGER, table: builtinTypeTable, root, apiVersion: 'v1', kind: 'Pod', now, force: false };

  const created = stored(updateManagedFields(undefined, pod, update).object);
  const relabelled = structuredClone(created) as Json & { metadata: { labels: Json } };
  relabelled.metadata.labels = { ...relabelled.metadata.labels, tier: 'backend' };
  const imagePatch = { spec: { containers: [{ name: 'envoy', image: 'docker.io/envoyproxy/envoy:v1.32.0' }] } };
  const applied = stored(applyPatch(undefined, pod, apply).object);
  const createdJSON = JSON.stringify(created);

  const ops = {
    managedFieldsCreateUs: () => updateManagedFields(undefined, pod, update),
    managedFieldsUpdateUs: () => updateManagedFields(created, relabelled, update),
    strategicPatchUs: () => strategicMergePatch(created, imagePatch, builtinTypeTable, root),
    applyCreateUs: () => applyPatch(undefined, pod, apply),
    reapplyUs: () => applyPatch(applied, pod, apply),
    parseUs: () => JSON.parse(createdJSON),
  };
  const names = Object.keys(ops) as (keyof ApplyBench)[];
  const sizes = new Map(names.map((n) => [n, opsPerRun(ops[n])]));
  const result = {} as ApplyBench;
  for (const n of names) result[n] = microsPerOp(ops[n], sizes.get(n)!);
  return result;
}

function fmtUs(us: number): string {
  return `${us.toFixed(1)} µs`;
}

/** applyFigures are benchApply's results as figures beside JSON.parse of the pod. */
export function applyFigures(b: ApplyBench): Figure[] {
  const ceiling = `JSON.parse of the stored pod ${fmtUs(b.parseUs)}`;
  const figure = (name: string, us: number, targetUs?: number): Figure => ({
    name: `${name} (in-process CPU, fixture pod)`,
    kapi: fmtUs(us),
    ceiling,
    ratio: us / b.parseUs,
    ratioMeaning: 'of parsing the pod; lower is better',
    target: targetUs === undefined ? '-' : `<= ${targetUs} µs`,
    met: targetUs === undefined ? undefined : us <= targetUs,
  });
  return [
    figure('managedFields on create', b.managedFieldsCreateUs, TARGET_CREATE_US),
    figure('managedFields on a one-label update', b.managedFieldsUpdateUs, TARGET_UPDATE_US),
    figure('strategic-merge patch of one image', b.strategicPatchUs),
    figure('server-side apply creating the pod', b.applyCreateUs, TARGET_APPLY_US),
    figure('server-side apply of the same pod again', b.reapplyUs, TARGET_APPLY_US),
  ];
}

/** leadingRate reads the `12,345/s` a rate figure starts with. */
function leadingRate(f: Figure | undefined): number | undefined {
  const m = f ? /^([\d,]+)\/s/.exec(f.kapi) : null;
  return m ? Number(m[1].replace(/,/g, '')) : undefined;
}

/**
 * benchPatchAndApply measures strategic-merge PATCH (one label) and server-side apply (the whole
 * pod, one label changed) over HTTPS, CONCURRENCY clients spread over the pods web-0 ...
 * web-999 of a namespace the create runs filled. create is the create figure, shown beside.
 */
export async function benchPatchAndApply(kapi: KapiProcess, target: Target, client: LoadClient, namespace: string, create: Figure | undefined): Promise<Figure[]> {
  printStep(
    `PATCH and server-side apply over HTTPS: ${HTTP_RUNS} runs of ${HTTP_RUN_MS / 1000} s each after a ${HTTP_WARMUP_MS / 1000} s warm-up, ${CONCURRENCY} clients, spread over ${fmtInt(PATCH_SLOTS)} pods of ${namespace}`,
  );
  const createRate = leadingRate(create);
  const kinds = [
    { name: 'PATCH strategic merge (one label)', spec: (ms: number) => patchSpec(namespace, PATCH_SLOTS, ms) },
    { name: `server-side apply of the pod (fieldManager=${APPLY_MANAGER}, force)`, spec: (ms: number) => applySpec(namespace, PATCH_SLOTS, ms) },
  ];
  const figures: Figure[] = [];
  for (const k of kinds) {
    const w = await client.run(target, kapi.pid, k.spec(HTTP_WARMUP_MS));
    printLine(`${k.name} warm-up: ${fmtInt(w.perSecond)}/s, ${w.errors} errors${w.firstError ? ` (first: ${w.firstError})` : ''}`);
    const runs: MeasuredRun[] = [];
    for (let i = 0; i < HTTP_RUNS; i++) {
      const r = await client.run(target, kapi.pid, k.spec(HTTP_RUN_MS));
      runs.push(r);
      printLine(`${k.name} run ${i + 1}: ${fmtInt(r.perSecond)}/s, p50 ${fmtMs(r.p50Ms)}, p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors`);
    }
    const perSecond = median(runs.map((r) => r.perSecond));
    const errors = runs.reduce((n, r) => n + r.errors, 0);
    const f: Figure = {
      name: `${k.name}, ${CONCURRENCY} clients`,
      kapi: `${fmtInt(perSecond)}/s, p50 ${fmtMs(median(runs.map((r) => r.p50Ms)))}, p99 ${fmtMs(median(runs.map((r) => r.p99Ms)))}`,
      ceiling: create ? `durable creates ${create.kapi}` : 'durable creates: not measured',
      ratio: createRate ? perSecond / createRate : NaN,
      ratioMeaning: 'of the create rate; higher is better',
      target: '-',
      detail: [
        `server CPU per request ${fmtInt(median(runs.map((r) => (r.serverCpuMs * 1000) / Math.max(1, r.requests))))} µs; ${errors ? `${errors} errors (first: ${runs.find((r) => r.firstError)?.firstError})` : 'no errors'}`,
      ],
    };
    printFigure(f);
    figures.push(f);
  }
  return figures;
}

if (require.main === module) {
  benchApply().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

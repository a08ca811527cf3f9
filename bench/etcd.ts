/**
 * The etcd step of `npm run bench`: the same creates, GET and LIST as on SQLite, against kapi
 * on a single-member etcd (Debian's etcd-server) started for the run, with raw etcd puts from the
 * same etcd3 client (1 and 64 in flight, the same ~2 KiB pod body) as the ceiling for creates,
 * and the SQLite figures of the same run as the reference for reads. Every figure here runs
 * through etcd: a GET or LIST without resourceVersion is a consistent read, which first asks
 * etcd for its current revision (concurrent requests share one such read).
 */
import { Etcd3 } from 'etcd3';
import { performance } from 'node:perf_hooks';
import { EtcdCluster, etcdAvailable } from '../test/support/etcd';
import { KapiProcess } from './kapi';
import type { LoadClient, MeasuredRun } from './loadclient';
import type { Target } from './loadgen';
import { cpuTimeMs } from './procstat';
import { printFigure, printLine, printStep, type Figure } from './report';
import { createBenchNamespace } from './namespaces';
import { fmtInt, fmtMs, fmtPct, median } from './stats';
import { CONCURRENCY, createSpec, getSpec, listSpec, podsPath, type PodTemplate } from './workloads';

/** ETCD_PODS is what the etcd LIST lists, as the SQLite one: each create run makes this many. */
const ETCD_PODS = 10_000;
/** ETCD_CREATE_RUNS: fewer than on SQLite (etcd is slower); the last fills the listed namespace. */
const ETCD_CREATE_RUNS = 2;
const ETCD_WARMUP_CREATES = 1_000;
/** CEILING_MS is one raw-put run; they alternate with kapi's create runs. */
const CEILING_MS = 1_500;
/** CEILING_IN_FLIGHT are the raw put concurrencies: one at a time, and etcd's sweet spot. */
const CEILING_IN_FLIGHT = [1, 64] as const;
const GET_WARMUP_MS = 2_000;
const GET_RUN_MS = 4_000;
const GET_RUNS = 3;
const LIST_RUNS = 5;
const NAMESPACES = ['etcd-warmup', 'etcd-1', 'etcd-bench'];

/** SqliteReference carries the SQLite figures of the same run, for the ratios. */
export interface SqliteReference {
  createsPerSecond?: number;
  getPerSecond?: number;
  listMs?: number;
}

interface CeilingRun {
  inFlight: number;
  perSecond: number;
}

/** rawPuts puts `body` under fresh keys for durationMs with `inFlight` puts outstanding. */
async function rawPuts(client: Etcd3, body: Buffer, inFlight: number, durationMs: number, run: number): Promise<CeilingRun> {
  const deadline = performance.now() + durationMs;
  let done = 0;
  let seq = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await client.kv.put({ key: Buffer.from(`/bench-ceiling/${run}/${inFlight}/${seq++}`), value: body });
        done++;
      }
    }),
  );
  return { inFlight, perSecond: (done * 1000) / (performance.now() - t0) };
}

function cpuLine(label: string, runs: readonly MeasuredRun[], etcdCpuMs: number[]): string {
  const share = (cpu: number, r: MeasuredRun) => cpu / r.elapsedMs;
  const server = median(runs.map((r) => share(r.serverCpuMs, r)));
  const etcd = median(runs.map((r, i) => share(etcdCpuMs[i] ?? NaN, r)));
  const client = median(runs.map((r) => share(r.clientCpuMs, r)));
  return `${label} CPU (median, 100% = one core): kapi ${fmtPct(server)}, etcd ${fmtPct(etcd)}, load generator ${fmtPct(client)}`;
}

/** measure runs one load run and brackets it with etcd's CPU time. */
async function measure(client: LoadClient, target: Target, kapi: KapiProcess, etcdPid: number, spec: Parameters<LoadClient['run']>[2]) {
  const e0 = cpuTimeMs(etcdPid);
  const r = await client.run(target, kapi.pid, spec);
  return { r, etcdCpuMs: cpuTimeMs(etcdPid) - e0 };
}

/** benchEtcd is step 7 of the benchmark; it returns its figures (none when etcd is not installed). */
export async function benchEtcd(client: LoadClient, tpl: PodTemplate, sqlite: SqliteReference): Promise<Figure[]> {
  printStep(`7. etcd: kapi on a single-member etcd 3.4 (same creates, GET, LIST); ceiling: raw etcd puts from the same etcd3 client, ${CEILING_IN_FLIGHT.join(' and ')} in flight`);
  if (!etcdAvailable()) {
    printLine('etcd is not installed (apt-get install etcd-server): no etcd figures');
    return [];
  }
  const cluster = await EtcdCluster.start({ members: 1 });
  const etcdPid = cluster.pid(0)!;
  const raw = new Etcd3({ hosts: cluster.endpoints, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  let kapi: KapiProcess | undefined;
  const figures: Figure[] = [];
  try {
    kapi = await KapiProcess.start({ args: ['--etcd-servers', cluster.endpoints.join(',')] });
    const target: Target = { ...kapi.creds };
    for (const ns of NAMESPACES) await createBenchNamespace(kapi.creds, ns);
    const body = Buffer.from(`${tpl.prefix}web-0000${tpl.suffix}`);

    // ---- creates ----
    const w = await client.run(target, kapi.pid, createSpec(tpl, NAMESPACES[0], ETCD_WARMUP_CREATES));
    printLine(`warm-up: ${fmtInt(ETCD_WARMUP_CREATES)} creates, ${fmtInt(w.perSecond)}/s, ${w.errors} errors`);
    const ceilings: CeilingRun[] = [];
    const creates: MeasuredRun[] = [];
    const createEtcdCpu: number[] = [];
    for (let i = 0; i < ETCD_CREATE_RUNS; i++) {
      const c = [];
      for (const n of CEILING_IN_FLIGHT) c.push(await rawPuts(raw, body, n, CEILING_MS, i));
      ceilings.push(...c);
      const { r, etcdCpuMs } = await measure(client, target, kapi, etcdPid, createSpec(tpl, NAMESPACES[i + 1], ETCD_PODS));
      creates.push(r);
      createEtcdCpu.push(etcdCpuMs);
      printLine(
        `run ${i + 1}: kapi ${fmtInt(r.perSecond)} creates/s (p50 ${fmtMs(r.p50Ms)}, p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors)` +
          ` | raw etcd put ${c.map((x) => `${x.inFlight} in flight ${fmtInt(x.perSecond)}/s`).join(', ')}`,
      );
    }
    const perSecond = median(creates.map((r) => r.perSecond));
    const ceilingOf = (n: number) => median(ceilings.filter((c) => c.inFlight === n).map((c) => c.perSecond));
    const ceiling64 = ceilingOf(64);
    const createFigure: Figure = {
      name: `Creates on etcd, ${CONCURRENCY} clients, ~2 KiB pod`,
      kapi: `${fmtInt(perSecond)}/s, p50 ${fmtMs(median(creates.map((r) => r.p50Ms)))}, p99 ${fmtMs(median(creates.map((r) => r.p99Ms)))}`,
      ceiling: `raw etcd put (same client) 64 in flight ${fmtInt(ceiling64)}/s, 1 in flight ${fmtInt(ceilingOf(1))}/s`,
      ratio: perSecond / ceiling64,
      ratioMeaning: `of raw puts 64 in flight; ${sqlite.createsPerSecond ? `${(perSecond / sqlite.createsPerSecond).toFixed(2)}x of kapi on SQLite; ` : ''}higher is better`,
      target: '-',
      detail: [cpuLine('create', creates, createEtcdCpu), `${creates.reduce((n, r) => n + r.errors, 0)} errors`],
    };
    printFigure(createFigure);
    figures.push(createFigure);

    // ---- GET ----
    const podPath = `${podsPath(NAMESPACES[2])}/web-0`;
    await client.run(target, kapi.pid, getSpec(podPath, GET_WARMUP_MS));
    const gets: MeasuredRun[] = [];
    const getEtcdCpu: number[] = [];
    for (let i = 0; i < GET_RUNS; i++) {
      const { r, etcdCpuMs } = await measure(client, target, kapi, etcdPid, getSpec(podPath, GET_RUN_MS));
      gets.push(r);
      getEtcdCpu.push(etcdCpuMs);
      printLine(`run ${i + 1}: ${fmtInt(r.perSecond)} GET/s, p50 ${fmtMs(r.p50Ms)}, p99 ${fmtMs(r.p99Ms)}, ${r.errors} errors`);
    }
    const getRate = median(gets.map((r) => r.perSecond));
    // The same GET with resourceVersion=0 is served from the cache without asking etcd: what consistency costs.
    const any = await client.run(target, kapi.pid, getSpec(`${podPath}?resourceVersion=0`, GET_RUN_MS));
    printLine(`resourceVersion=0 (no etcd round trip): ${fmtInt(any.perSecond)} GET/s, p50 ${fmtMs(any.p50Ms)}, p99 ${fmtMs(any.p99Ms)}, ${any.errors} errors`);
    const getFigure: Figure = {
      name: `GET one pod on etcd (consistent read), ${CONCURRENCY} clients`,
      kapi: `${fmtInt(getRate)}/s, p50 ${fmtMs(median(gets.map((r) => r.p50Ms)))}, p99 ${fmtMs(median(gets.map((r) => r.p99Ms)))}`,
      ceiling: sqlite.getPerSecond ? `kapi on SQLite ${fmtInt(sqlite.getPerSecond)}/s` : 'kapi on SQLite: not measured',
      ratio: sqlite.getPerSecond ? getRate / sqlite.getPerSecond : NaN,
      ratioMeaning: 'of the SQLite GET; higher is better',
      target: '-',
      detail: [
        cpuLine('GET', gets, getEtcdCpu),
        `each GET first reads etcd's current revision (linearizable; one read per event-loop turn, at most 4 in flight); with resourceVersion=0 it does not: ${fmtInt(any.perSecond)}/s`,
      ],
    };
    printFigure(getFigure);
    figures.push(getFigure);

    // ---- LIST ----
    await client.run(target, kapi.pid, listSpec(NAMESPACES[2], 1));
    const l = await client.run(target, kapi.pid, listSpec(NAMESPACES[2], LIST_RUNS));
    const listMs = median(l.samples ?? []);
    printLine(`LIST times: ${(l.samples ?? []).map((s) => fmtMs(s)).join(', ')}; ${l.errors} errors`);
    const listFigure: Figure = {
      name: `LIST ${fmtInt(ETCD_PODS)} pods on etcd (JSON, no limit)`,
      kapi: fmtMs(listMs),
      ceiling: sqlite.listMs ? `kapi on SQLite ${fmtMs(sqlite.listMs)}` : 'kapi on SQLite: not measured',
      ratio: sqlite.listMs ? listMs / sqlite.listMs : NaN,
      ratioMeaning: 'of the SQLite LIST; lower is better (both are served from the watch cache)',
      target: '-',
    };
    printFigure(listFigure);
    figures.push(listFigure);
  } finally {
    raw.close();
    await kapi?.dispose();
    await cluster.destroy();
  }
  return figures;
}

/** rateOf reads the leading `12,345/s` of a figure's kapi value. */
export function rateOf(f: Figure | undefined): number | undefined {
  const m = f ? /^([\d,]+)\/s/.exec(f.kapi) : null;
  return m ? Number(m[1].replace(/,/g, '')) : undefined;
}

/** msOf reads the leading `123 ms` of a figure's kapi value. */
export function msOf(f: Figure | undefined): number | undefined {
  const m = f ? /^([\d,.]+) ms/.exec(f.kapi) : null;
  return m ? Number(m[1].replace(/,/g, '')) : undefined;
}

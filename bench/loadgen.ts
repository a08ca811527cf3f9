/**
 * loadgen is the HTTP load generator. It runs in its own process (forked by LoadClient), so its
 * CPU never competes inside the server's event loop, and takes runs over IPC. Every virtual
 * client is a loop of plain https.request calls on one keep-alive agent with as many sockets as
 * clients: no promises, no body buffering, nothing that would make the client the bottleneck.
 */
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { percentileSorted } from './stats';

/** Target is the server and the TLS identity to use. */
export interface Target {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
}

/** RunSpec is one measured run. Exactly one of durationMs and count bounds it. */
export interface RunSpec {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** body of POSTs: `${prefix}${namePrefix}${index}${suffix}`, so every create has its own name. */
  body?: { prefix: string; namePrefix: string; suffix: string };
  /**
   * spread, instead of body, spreads the requests over `slots` existing objects (PATCHes): in
   * the path and in `body`, SLOT_MARK becomes the request's index modulo slots and INDEX_MARK
   * its index, so each request writes a new value to one of the objects.
   */
  spread?: { slots: number; body: string };
  contentType?: string;
  /** accept is the Accept header (default application/json). */
  accept?: string;
  concurrency: number;
  durationMs?: number;
  count?: number;
  /** expectStatus is the only status that counts as success. */
  expectStatus: number;
  /** keepSamples returns every latency (small runs, such as LISTs). */
  keepSamples?: boolean;
}

/** RunResult is what one run measured, from the client's side. */
export interface RunResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesReceived: number;
  /** clientCpuMs is the load generator's own CPU time (user + system) during the run. */
  clientCpuMs: number;
  /** samples are the latencies (request to last byte) when the spec asked to keep them. */
  samples?: number[];
  /** headerSamples are request-to-response-headers times, kept with samples. */
  headerSamples?: number[];
}

export interface LoadRequest {
  id: number;
  target: Target;
  spec: RunSpec;
}

export interface LoadResponse {
  id: number;
  result?: RunResult;
  error?: string;
}

/** INDEX_MARK and SLOT_MARK stand for a request's index and its slot in a spread run's path and body. */
export const INDEX_MARK = '{{index}}';
export const SLOT_MARK = '{{slot}}';

/** splitMarks splits a text around its marks once per run: text, mark, text, mark, ..., text. */
function splitMarks(text: string): string[] {
  return text.split(/(\{\{index\}\}|\{\{slot\}\})/);
}

function fillMarks(parts: readonly string[], index: number, slots: number): string {
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) out += (parts[i] === INDEX_MARK ? index : index % slots) + parts[i + 1];
  return out;
}

const agents = new Map<string, https.Agent>();

function agentFor(t: Target, sockets: number): https.Agent {
  const k = `${t.host}:${t.port}:${sockets}`;
  let agent = agents.get(k);
  if (!agent) {
    agent = new https.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ca: t.ca, cert: t.cert, key: t.key, scheduling: 'fifo' });
    agents.set(k, agent);
  }
  return agent;
}

/** run drives one run to completion and summarizes it. */
export function run(target: Target, spec: RunSpec): Promise<RunResult> {
  const agent = agentFor(target, spec.concurrency);
  const latencies: number[] = [];
  const headerTimes: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  let active = spec.concurrency;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = spec.durationMs !== undefined ? t0 + spec.durationMs : Infinity;
  const count = spec.count ?? Infinity;
  const baseHeaders: Record<string, string> = { accept: spec.accept ?? 'application/json' };
  if (spec.body || spec.spread) baseHeaders['content-type'] = spec.contentType ?? 'application/json';
  const spreadPath = spec.spread && splitMarks(spec.path);
  const spreadBody = spec.spread && splitMarks(spec.spread.body);

  return new Promise<RunResult>((resolve) => {
    const finish = () => {
      const elapsedMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const sorted = Float64Array.from(latencies).sort();
      resolve({
        requests: latencies.length,
        errors,
        firstError,
        elapsedMs,
        perSecond: ((latencies.length - errors) * 1000) / elapsedMs,
        p50Ms: percentileSorted(sorted, 50),
        p90Ms: percentileSorted(sorted, 90),
        p99Ms: percentileSorted(sorted, 99),
        maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
        bytesReceived: bytes,
        clientCpuMs: (cpu.user + cpu.system) / 1000,
        samples: spec.keepSamples ? latencies : undefined,
        headerSamples: spec.keepSamples ? headerTimes : undefined,
      });
    };
    const fail = (message: string) => {
      errors++;
      firstError ??= message;
    };
    const next = () => {
      if (issued >= count || performance.now() >= deadline) {
        if (--active === 0) finish();
        return;
      }
      const index = issued++;
      let body: string | undefined;
      const headers = { ...baseHeaders };
      if (spec.body) {
        body = `${spec.body.prefix}${spec.body.namePrefix}${index}${spec.body.suffix}`;
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      let urlPath = spec.path;
      if (spec.spread && spreadPath && spreadBody) {
        urlPath = fillMarks(spreadPath, index, spec.spread.slots);
        body = fillMarks(spreadBody, index, spec.spread.slots);
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const start = performance.now();
      const req = https.request({ agent, host: target.host, port: target.port, method: spec.method, path: urlPath, headers }, (res) => {
        if (spec.keepSamples) headerTimes.push(performance.now() - start);
        let n = 0;
        let text = '';
        const ok = res.statusCode === spec.expectStatus;
        res.on('data', (chunk: Buffer) => {
          n += chunk.length;
          if (!ok && text.length < 500) text += chunk.toString();
        });
        res.on('end', () => {
          latencies.push(performance.now() - start);
          bytes += n;
          if (!ok) fail(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
          next();
        });
      });
      req.on('error', (e) => {
        latencies.push(performance.now() - start);
        fail(e.message);
        next();
      });
      req.end(body);
    };
    for (let i = 0; i < spec.concurrency; i++) next();
  });
}

if (require.main === module) {
  process.on('message', (msg: LoadRequest) => {
    run(msg.target, msg.spec).then(
      (result) => process.send!({ id: msg.id, result } satisfies LoadResponse),
      (e: unknown) => process.send!({ id: msg.id, error: e instanceof Error ? e.message : String(e) } satisfies LoadResponse),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

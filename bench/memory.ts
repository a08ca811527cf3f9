/**
 * memory measures what the watch cache costs in heap per pod. It runs in a child started with
 * `node --expose-gc`, builds storage and registry in-process (as APIServer does), creates pods
 * through the pods Store, and compares the heap growth, after full collections, with the JSON
 * size of the cached values. The same-run ceiling is the heap growth of a bare Map holding
 * copies of the same keys and JSON strings: the least a cache of serialized objects can cost.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resources } from '../generated/resources';
import { validatorModules } from '../generated/validators';
import type { KubeObject } from '../src/meta/object';
import type { RequestContext } from '../src/registry/context';
import { Registry } from '../src/registry/registry';
import { SqliteStorage } from '../src/storage/sqlite/store';
import { everything } from '../src/watch/predicate';

/** WARMUP_PODS load the validators and warm the code paths before the baseline is taken. */
const WARMUP_PODS = 100;
/** CREATE_CONCURRENCY is how many creates are in flight, so group commit batches them as under load. */
const CREATE_CONCURRENCY = 64;
/** GC_PASSES full collections settle the heap before a reading. */
const GC_PASSES = 4;

export interface MemoryResult {
  pods: number;
  jsonBytes: number;
  heapDeltaBytes: number;
  rssDeltaBytes: number;
  ratio: number;
  ceilingHeapDeltaBytes: number;
  ceilingRatio: number;
  createMs: number;
}

/** measureMemory runs this file in a child `node --expose-gc` and returns its result. */
export function measureMemory(fixture: string, pods: number): Promise<MemoryResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', __filename, fixture, String(pods)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`memory bench failed: ${err.message}\n${stderr}`));
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1]) as MemoryResult);
    });
  });
}

function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < GC_PASSES; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** copyString makes a flat copy that shares no storage with the original. */
function copyString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

async function main(fixture: string, pods: number): Promise<MemoryResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-bench-mem-'));
  const storage = new SqliteStorage({ file: path.join(dir, 'kapi.db') });
  const registry = new Registry({ storage, resources, validators: validatorModules });
  await registry.start();
  const store = registry.storeFor('', 'pods');
  if (!store) throw new Error('no pods store');
  const text = fs.readFileSync(fixture, 'utf8');
  const user = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

  const createAll = async (namespace: string, n: number) => {
    const ctx: RequestContext = { namespace, user };
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const obj = JSON.parse(text) as KubeObject;
        obj.metadata.name = `pod-${next++}`;
        await store.create(ctx, obj);
      }
    };
    await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  };

  await createAll('warmup', WARMUP_PODS);
  const heap0 = settledHeap();
  const rss0 = process.memoryUsage().rss;
  const t0 = Date.now();
  await createAll('bench', pods);
  const createMs = Date.now() - t0;
  const heap1 = settledHeap();
  const rss1 = process.memoryUsage().rss;

  const listed = store.cache.list({ prefix: store.prefixFor('bench'), predicate: everything });
  if (listed.items.length !== pods) throw new Error(`expected ${pods} cached pods, found ${listed.items.length}`);
  let jsonBytes = 0;
  for (const kv of listed.items) jsonBytes += Buffer.byteLength(kv.value);

  // The ceiling: the same keys and values, copied, in a plain Map.
  const copies = new Map<string, string>();
  for (const kv of listed.items) copies.set(copyString(kv.key), copyString(kv.value));
  const heap2 = settledHeap();
  const ceilingHeapDeltaBytes = heap2 - heap1;
  if (copies.size !== pods) throw new Error('lost copies');

  registry.stop();
  await storage.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const heapDeltaBytes = heap1 - heap0;
  return {
    pods,
    jsonBytes,
    heapDeltaBytes,
    rssDeltaBytes: rss1 - rss0,
    ratio: heapDeltaBytes / jsonBytes,
    ceilingHeapDeltaBytes,
    ceilingRatio: ceilingHeapDeltaBytes / jsonBytes,
    createMs,
  };
}

if (require.main === module) {
  const [fixture, pods] = process.argv.slice(2);
  main(fixture, Number(pods)).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

/**
 * LIST of the 10,000 pods step 1 created, in protobuf (`Accept: application/vnd.kubernetes.protobuf`,
 * as client-go asks), with the same LIST in JSON as the reference: runs alternate JSON and
 * protobuf on the same server and data, so machine noise hits both alike. In-process, the same
 * items are encoded with src/protobuf's encodeList beside JSON.stringify (what a server that
 * encodes per request pays), and the body decoded beside JSON.parse (what a client pays).
 */
import { performance } from 'node:perf_hooks';
import { PROTOBUF_CONTENT_TYPE, decodeObject, encodeList } from '../src/protobuf';
import type { KapiProcess } from './kapi';
import type { LoadClient, MeasuredRun } from './loadclient';
import type { Target } from './loadgen';
import { printFigure, printLine, printStep, type Figure } from './report';
import { requestOk } from './request';
import { fmtBytes, fmtInt, fmtMs, median } from './stats';
import { listSpec, podsPath } from './workloads';

/** PROTOBUF_MAGIC starts every `application/vnd.kubernetes.protobuf` body (`k8s\0`). */
const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Json = Record<string, unknown>;

/** timeMs runs fn `runs` times and returns the median wall time in ms. */
function timeMs(runs: number, fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** benchListProtobuf measures the protobuf LIST against the JSON one; `pods` is the expected item count. */
export async function benchListProtobuf(kapi: KapiProcess, target: Target, client: LoadClient, namespace: string, pods: number, runs: number): Promise<Figure> {
  printStep(`3b. LIST ${fmtInt(pods)} pods in protobuf (Accept: ${PROTOBUF_CONTENT_TYPE}) and in JSON, ${runs} alternating runs each`);
  const protoBody = (await requestOk(kapi.creds, 'GET', podsPath(namespace), 200, undefined, PROTOBUF_CONTENT_TYPE)).body;
  if (!protoBody.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw new Error(`the protobuf LIST answered something else: ${protoBody.subarray(0, 80).toString()}`);
  const jsonBody = (await requestOk(kapi.creds, 'GET', podsPath(namespace), 200)).body.toString();

  await client.run(target, kapi.pid, listSpec(namespace, 1));
  await client.run(target, kapi.pid, listSpec(namespace, 1, PROTOBUF_CONTENT_TYPE));
  const json: MeasuredRun[] = [];
  const proto: MeasuredRun[] = [];
  for (let i = 0; i < runs; i++) {
    json.push(await client.run(target, kapi.pid, listSpec(namespace, 1)));
    proto.push(await client.run(target, kapi.pid, listSpec(namespace, 1, PROTOBUF_CONTENT_TYPE)));
  }
  const jsonMs = median(json.flatMap((r) => r.samples ?? []));
  const protoMs = median(proto.flatMap((r) => r.samples ?? []));
  const serverCpu = (rs: MeasuredRun[]) => median(rs.map((r) => r.serverCpuMs / Math.max(1, r.requests)));
  const errors = [...json, ...proto].reduce((n, r) => n + r.errors, 0);
  printLine(`protobuf LIST: ${proto.map((r) => fmtMs(r.samples?.[0] ?? NaN)).join(', ')} (${fmtBytes(protoBody.length)}) | JSON LIST: ${json.map((r) => fmtMs(r.samples?.[0] ?? NaN)).join(', ')} (${fmtBytes(jsonBody.length)}) | ${errors} errors`);

  const list = JSON.parse(jsonBody) as { metadata?: Json; items: Json[] };
  if (list.items.length !== pods) printLine(`WARNING: the list has ${list.items.length} items, not ${pods}`);
  const encodeMs = timeMs(runs, () => encodeList({ apiVersion: 'v1', kind: 'PodList', metadata: list.metadata, items: list.items }));
  const stringifyMs = timeMs(runs, () => JSON.stringify(list));
  const decodeMs = timeMs(runs, () => decodeObject(protoBody));
  const parseMs = timeMs(runs, () => JSON.parse(jsonBody));
  const decoded = decodeObject(protoBody).object as { items?: unknown[] };
  if (decoded.items?.length !== list.items.length) throw new Error(`the protobuf LIST decodes to ${decoded.items?.length} items, the JSON one has ${list.items.length}`);

  const figure: Figure = {
    name: `LIST ${fmtInt(pods)} pods (protobuf)`,
    kapi: `${fmtMs(protoMs)}, ${fmtBytes(protoBody.length)}`,
    ceiling: `the same LIST in JSON ${fmtMs(jsonMs)}, ${fmtBytes(jsonBody.length)}`,
    ratio: protoMs / jsonMs,
    ratioMeaning: 'of the JSON LIST time; lower is better',
    target: 'none (JSON is the reference)',
    detail: [
      `server CPU per LIST: protobuf ${fmtMs(serverCpu(proto))}, JSON ${fmtMs(serverCpu(json))}`,
      `in this process, the same ${fmtInt(list.items.length)} items: encodeList ${fmtMs(encodeMs)} vs JSON.stringify ${fmtMs(stringifyMs)}; decoding the body ${fmtMs(decodeMs)} vs JSON.parse ${fmtMs(parseMs)}`,
    ],
  };
  printFigure(figure);
  return figure;
}

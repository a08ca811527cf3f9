/**
 * The cost of the protobuf codec per pod beside JSON.stringify / JSON.parse: the fixture pod
 * (bench/fixtures/pod.json, ~2.2 KB as compact JSON) with the metadata a stored pod carries
 * (namespace, uid, resourceVersion, creationTimestamp), encoded to and decoded from
 * `application/vnd.kubernetes.protobuf` by src/protobuf.
 */
import * as fs from 'node:fs';
import { decodeObject, encodeObject } from '../src/protobuf';
import { median } from './stats';
import { FIXTURE } from './workloads';

/** OPS_PER_RUN is long enough (~10-50 ms) for the timer to be exact, short enough for several runs. */
const OPS_PER_RUN = 2_000;
/** RUNS are measured after one warm-up run each; the median of them is reported. */
const RUNS = 9;

type Json = Record<string, unknown>;

function storedPod(): Json {
  const pod = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Json & { metadata: Json };
  pod.metadata = {
    ...pod.metadata,
    namespace: 'default',
    uid: '0b7e8f4e-7d8a-4c52-9a53-6f7c3d1e2a90',
    resourceVersion: '123456',
    creationTimestamp: '2024-05-01T12:00:00Z',
  };
  return pod;
}

/** microsPerOp times fn over OPS_PER_RUN calls, RUNS times after a warm-up, and returns the median µs per call. */
function microsPerOp(fn: () => number): number {
  let sink = 0;
  for (let i = 0; i < OPS_PER_RUN; i++) sink += fn();
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPS_PER_RUN; i++) sink += fn();
    runs.push(Number(process.hrtime.bigint() - start) / 1e3 / OPS_PER_RUN);
  }
  if (sink === -1) console.log(sink); // keeps the results alive
  return median(runs);
}

/**
 * benchProtobuf measures encode and decode of one pod in protobuf and in JSON, in µs per
 * operation (median of RUNS), plus the sizes and the one-time cost of the codec's first use
 * (loading the descriptors and building the pod's plans).
 */
export async function benchProtobuf(): Promise<Record<string, number>> {
  const pod = storedPod();
  const firstStart = process.hrtime.bigint();
  const proto = encodeObject(pod);
  const firstUseMs = Number(process.hrtime.bigint() - firstStart) / 1e6;
  const json = JSON.stringify(pod);
  return {
    protobufEncodeUs: microsPerOp(() => encodeObject(pod).length),
    protobufDecodeUs: microsPerOp(() => (decodeObject(proto).object.metadata === undefined ? 0 : 1)),
    jsonStringifyUs: microsPerOp(() => JSON.stringify(pod).length),
    jsonParseUs: microsPerOp(() => ((JSON.parse(json) as Json).metadata === undefined ? 0 : 1)),
    protobufBytes: proto.length,
    jsonBytes: Buffer.byteLength(json),
    firstUseMs,
  };
}

if (require.main === module) {
  benchProtobuf().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/**
 * workloads are the requests the benchmark sends, shared by the measured runs and the profiled
 * ones: pod creates from the fixture, GETs of one pod, LISTs of a namespace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './kapi';
import { INDEX_MARK, SLOT_MARK, type RunSpec } from './loadgen';

/** FIXTURE is the realistic pod every create sends (under its own name). */
export const FIXTURE = path.join(repoRoot, 'bench', 'fixtures', 'pod.json');
/** CONCURRENCY is the number of concurrent clients (keep-alive connections) of the issue. */
export const CONCURRENCY = 32;
/** NAME_MARK stands for the pod name in the body template. */
const NAME_MARK = '@@NAME@@';

/** PodTemplate is the fixture serialized once, split around the name. */
export interface PodTemplate {
  prefix: string;
  suffix: string;
  /** bytes is the size of one request body. */
  bytes: number;
}

export function podTemplate(): PodTemplate {
  const pod = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { metadata: { name: string } };
  pod.metadata.name = NAME_MARK;
  const [prefix, suffix] = JSON.stringify(pod).split(NAME_MARK);
  return { prefix, suffix, bytes: prefix.length + suffix.length + 'web-0000'.length };
}

export function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/pods`;
}

/** createSpec creates `count` pods named web-0, web-1, ... in a namespace. */
export function createSpec(t: PodTemplate, namespace: string, count: number): RunSpec {
  return {
    method: 'POST',
    path: podsPath(namespace),
    body: { prefix: t.prefix, namePrefix: 'web-', suffix: t.suffix },
    concurrency: CONCURRENCY,
    count,
    expectStatus: 201,
  };
}

/** getSpec reads one path for durationMs with every client. */
export function getSpec(urlPath: string, durationMs: number): RunSpec {
  return { method: 'GET', path: urlPath, concurrency: CONCURRENCY, durationMs, expectStatus: 200 };
}

/** listSpec lists a namespace `count` times, one at a time, keeping every latency (in JSON unless accept says otherwise). */
export function listSpec(namespace: string, count: number, accept?: string): RunSpec {
  return { method: 'GET', path: podsPath(namespace), concurrency: 1, count, expectStatus: 200, keepSamples: true, accept };
}

/** APPLY_MANAGER is the field manager of the benchmark's server-side applies. */
export const APPLY_MANAGER = 'bench-apply';

/**
 * patchSpec sends strategic-merge PATCHes to the pods web-0 ... web-(slots-1) of a namespace for
 * durationMs with every client, each setting one label to a new value.
 */
export function patchSpec(namespace: string, slots: number, durationMs: number): RunSpec {
  return {
    method: 'PATCH',
    path: `${podsPath(namespace)}/web-${SLOT_MARK}`,
    spread: { slots, body: `{"metadata":{"labels":{"bench-patch":"p${INDEX_MARK}"}}}` },
    contentType: 'application/strategic-merge-patch+json',
    concurrency: CONCURRENCY,
    durationMs,
    expectStatus: 200,
  };
}

/**
 * applySpec server-side applies the whole fixture pod to the pods web-0 ... web-(slots-1) of a
 * namespace for durationMs with every client (as `kubectl apply --server-side` sends it: JSON,
 * which is YAML), each time with a new value of one label. The pods were created by POST, and
 * the first apply by another manager conflicts, as upstream, where defaulting changed an atomic
 * field (env[].valueFrom.fieldRef gains its apiVersion): it is forced, as controllers do.
 */
export function applySpec(namespace: string, slots: number, durationMs: number): RunSpec {
  const pod = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { metadata: { name: string; labels?: Record<string, string> } };
  pod.metadata.name = `web-${SLOT_MARK}`;
  pod.metadata.labels = { ...pod.metadata.labels, 'bench-apply': `a${INDEX_MARK}` };
  return {
    method: 'PATCH',
    path: `${podsPath(namespace)}/web-${SLOT_MARK}?fieldManager=${APPLY_MANAGER}&force=true`,
    spread: { slots, body: JSON.stringify(pod) },
    contentType: 'application/apply-patch+yaml',
    concurrency: CONCURRENCY,
    durationMs,
    expectStatus: 200,
  };
}

/**
 * Helpers the CustomResourceDefinition e2e suites share: the CRD manifests of
 * test/fixtures/crd-api (kapi's own small CRDs and custom resources) and test/fixtures/crds
 * (real upstream CRDs), applying a CRD with kubectl and waiting for it to be Established, and
 * reading the causes of a refused request.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repositoryRoot } from '../clients/install';
import type { HttpResponse, TestServer } from '../../support/server';
import type { Manifest, StatusBody } from '../kubectl/support';

/** ESTABLISH_TIMEOUT is how long `kubectl wait` may wait for a CRD condition. */
export const ESTABLISH_TIMEOUT = '30s';

/** apiFixturePath is a file of test/fixtures/crd-api (the suites' own CRDs and objects). */
export function apiFixturePath(file: string): string {
  return path.join(repositoryRoot(), 'test', 'fixtures', 'crd-api', file);
}

/** realCRDPath is a verbatim upstream CRD of test/fixtures/crds. */
export function realCRDPath(file: string): string {
  return path.join(repositoryRoot(), 'test', 'fixtures', 'crds', file);
}

/** readManifestFile parses the one YAML document of a fixture file. */
export function readManifestFile(file: string): Manifest {
  return parseYaml(fs.readFileSync(file, 'utf8')) as Manifest;
}

/** CRDManifest is the part of a CustomResourceDefinition the tests read and change. */
export interface CRDManifest extends Manifest {
  spec: {
    group: string;
    scope: string;
    names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    versions: { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema: Record<string, unknown> }; [key: string]: unknown }[];
    conversion?: Record<string, unknown>;
    [key: string]: unknown;
  };
  status?: CRDStatus;
}

/** CRDCondition is one entry of a CustomResourceDefinition's status.conditions. */
export interface CRDCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** CRDStatus is a CustomResourceDefinition's status. */
export interface CRDStatus {
  acceptedNames?: Record<string, unknown>;
  conditions?: CRDCondition[] | null;
  storedVersions?: string[];
}

/**
 * crdVariant returns a fixture CRD renamed into another group or plural, so a test can create
 * its own copy (a CRD's name must be `<plural>.<group>`).
 */
export function crdVariant(file: string, change: (crd: CRDManifest) => void): CRDManifest {
  const crd = readManifestFile(apiFixturePath(file)) as CRDManifest;
  change(crd);
  crd.metadata.name = `${crd.spec.names.plural}.${crd.spec.group}`;
  return crd;
}

/** applyCRDFile runs `kubectl apply -f <file>` and `kubectl wait --for condition=established`. */
export async function applyCRDFile(server: TestServer, file: string): Promise<CRDManifest> {
  const crd = readManifestFile(file) as CRDManifest;
  await server.kubectl.run(['apply', '-f', file]);
  await waitEstablished(server, crd.metadata.name);
  return crd;
}

/** applyCRD applies a CRD given as an object (through stdin) and waits until it is Established. */
export async function applyCRD(server: TestServer, crd: CRDManifest): Promise<void> {
  await server.kubectl.run(['apply', '-f', '-'], { input: JSON.stringify(crd) });
  await waitEstablished(server, crd.metadata.name);
}

/** waitEstablished is `kubectl wait --for condition=established crd/<name>`, as the README says to run. */
export async function waitEstablished(server: TestServer, name: string): Promise<void> {
  const out = await server.kubectl.run(['wait', '--for', 'condition=established', `crd/${name}`, `--timeout=${ESTABLISH_TIMEOUT}`]);
  assert.match(out.stdout, new RegExp(`customresourcedefinition.apiextensions.k8s.io/${name.replace(/\./g, '\\.')} condition met`));
}

/** getCRD reads a CustomResourceDefinition over HTTP. */
export async function getCRD(server: TestServer, name: string): Promise<CRDManifest> {
  const res = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  assert.equal(res.status, 200, `GET crd ${name}: ${res.body}`);
  return res.json<CRDManifest>();
}

/** postCRD creates a CustomResourceDefinition over HTTP and returns the raw response. */
export function postCRD(server: TestServer, crd: object): Promise<HttpResponse> {
  return server.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
}

/** conditionOf finds a condition of a CRD's status by type. */
export function conditionOf(crd: CRDManifest, type: string): CRDCondition | undefined {
  return (crd.status?.conditions ?? []).find((c) => c.type === type);
}

/** Cause is one entry of a Status's details.causes. */
export interface Cause {
  reason?: string;
  message?: string;
  field?: string;
}

/** invalidCauses checks that a response is kube-apiserver's 422 Invalid Status and returns its causes. */
export function invalidCauses(res: HttpResponse): Cause[] {
  assert.equal(res.status, 422, `expected 422 Invalid, got ${res.status}: ${res.body}`);
  const status = res.json<StatusBody>();
  assert.equal(status.kind, 'Status', res.body);
  assert.equal(status.reason, 'Invalid', res.body);
  const causes = status.details?.causes ?? [];
  assert.ok(causes.length > 0, `a 422 must name the fields in details.causes: ${res.body}`);
  return causes;
}

/** causeAt returns the cause for a field (with a reason, when given), failing with all causes when absent. */
export function causeAt(causes: readonly Cause[], field: string, reason?: string): Cause {
  const cause = causes.find((c) => c.field === field && (reason === undefined || c.reason === reason));
  assert.ok(cause, `no cause${reason ? ` ${reason}` : ''} at ${field} among ${JSON.stringify(causes, null, 1)}`);
  return cause;
}

/** warningsOf returns the texts of a response's `Warning: 299 - "..."` headers. */
export function warningsOf(res: HttpResponse): string[] {
  const raw = res.headers.warning;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  // Several warnings may also arrive in one header, comma-separated.
  const out: string[] = [];
  for (const v of values) for (const m of v.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)) out.push(m[1].replace(/\\(.)/g, '$1'));
  return out;
}

/** namespacedPath is the collection URL of a namespaced custom resource. */
export function namespacedPath(group: string, version: string, namespace: string, plural: string): string {
  return `/apis/${group}/${version}/namespaces/${namespace}/${plural}`;
}

/** EVENTUALLY_MS bounds how long a test waits for an asynchronous controller to act. */
export const EVENTUALLY_MS = 30_000;
/** POLL_MS is how often such a wait looks again. */
const POLL_MS = 100;

/**
 * eventually re-runs check until it returns without throwing, and rethrows its last failure
 * after EVENTUALLY_MS: for what a controller does after the request that triggered it returned
 * (establishing a CRD, deleting its objects). It asserts nothing about how long that took.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = EVENTUALLY_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** sectionsOf splits the output of `kubectl get` for several kinds into one block per kind. */
export function sectionsOf(stdout: string): string[] {
  return stdout.split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s !== '');
}

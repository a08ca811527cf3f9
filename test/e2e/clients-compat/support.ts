/**
 * Helpers the client compatibility suites share.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repositoryRoot } from '../clients/install';
import type { TestServer } from '../../support/server';

/** ESTABLISH_TIMEOUT_MS bounds the wait for a new CRD's Established condition. */
const ESTABLISH_TIMEOUT_MS = 15_000;

interface CustomResourceDefinition {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/**
 * createCustomResourceDefinition creates a CRD from test/fixtures/crds/<file> over HTTP and waits
 * until it is Established (its kinds are served), returning its name.
 */
export async function createCustomResourceDefinition(server: TestServer, file: string): Promise<string> {
  const crd = parseYaml(fs.readFileSync(path.join(repositoryRoot(), 'test', 'fixtures', 'crds', file), 'utf8')) as CustomResourceDefinition;
  const created = await server.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
  assert.equal(created.status, 201, `creating CRD ${crd.metadata.name}: ${created.body}`);
  const deadline = Date.now() + ESTABLISH_TIMEOUT_MS;
  for (;;) {
    const res = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
    const conditions = res.json<CustomResourceDefinition>().status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return crd.metadata.name;
    if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established after ${ESTABLISH_TIMEOUT_MS} ms: ${JSON.stringify(conditions)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Helpers shared by the apply tests: the hand-written TypeTable of testdata/types.json (a
 * Deployment, a Pod, a ConfigMap and a custom resource that preserves unknown fields, with the
 * list and map types of the upstream OpenAPI), and request options.
 */

import type { TypeTable } from '../../../src/schema/typeinfo';
import type { ApplyOptions, UpdateOptions } from '../../../src/apply';
import types from './testdata/types.json';

/** table is testdata/types.json as a TypeTable. */
export const table = types as unknown as TypeTable;

export const DEPLOYMENT = table.kinds['apps/v1/Deployment'];
export const CONFIGMAP = table.kinds['/v1/ConfigMap'];
export const POD = table.kinds['/v1/Pod'];
export const WIDGET = table.kinds['example.com/v1/Widget'];

/** T0 and the instants after it stamp managedFields entries. */
export const T0 = new Date('2024-05-01T10:00:00Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

export function applyOpts(manager: string, over: Partial<ApplyOptions> = {}): ApplyOptions {
  return { manager, force: false, table, root: DEPLOYMENT, apiVersion: 'apps/v1', kind: 'Deployment', now: T0, ...over };
}

export function updateOpts(manager: string, over: Partial<UpdateOptions> = {}): UpdateOptions {
  return { manager, table, root: DEPLOYMENT, apiVersion: 'apps/v1', now: T0, ...over };
}

/** managedFieldsOf returns metadata.managedFields of an object (a test assertion helper). */
export function managedFieldsOf(obj: object): unknown[] {
  const meta = (obj as { metadata?: { managedFields?: unknown[] } }).metadata;
  return meta?.managedFields ?? [];
}

/** entryOf finds the managedFields entry of a manager and operation. */
export function entryOf(obj: object, manager: string, operation = 'Apply'): Record<string, unknown> | undefined {
  return managedFieldsOf(obj).find((e) => {
    const r = e as Record<string, unknown>;
    return r['manager'] === manager && r['operation'] === operation;
  }) as Record<string, unknown> | undefined;
}

/** nginx is a small Deployment as `kubectl apply --server-side` sends it. */
export function nginx(over: { replicas?: number; image?: string } = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas: over.replicas ?? 2,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'nginx', image: over.image ?? 'nginx:1.25', ports: [{ containerPort: 80 }] }],
        },
      },
    },
  };
}

/** stored plays the registry: it gives a created object a uid, as the store would. */
export function stored(obj: Record<string, unknown>): Record<string, unknown> {
  const meta = { ...(obj['metadata'] as Record<string, unknown>), uid: 'b3a1c4de-0000-4000-8000-000000000001' };
  return { ...obj, metadata: meta };
}

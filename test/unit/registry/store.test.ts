/**
 * Store, through a Registry built from the real generated resource table and validators, over
 * SQLite in a temporary file: the fixed hook order of create and update, the errors clients
 * parse (reasons, messages and causes as kube-apiserver writes them), finalizers, and the
 * resourceVersion semantics of LIST (continue tokens, Exact, compaction).
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { resources } from '../../../generated/resources';
import { validatorModules } from '../../../generated/validators';
import { StatusError } from '../../../src/apierrors';
import type { KubeObject } from '../../../src/meta/object';
import type { RequestContext } from '../../../src/registry/context';
import { Registry } from '../../../src/registry/registry';
import type { Store } from '../../../src/registry/store';
import { SqliteStorage } from '../../../src/storage/sqlite/store';

// The module object itself (not an import namespace), so a test can swap randomInt the way
// meta.ts reads it at each call.
import nodeCrypto = require('node:crypto');

/** NOW is the registry's injected clock. */
const NOW = new Date('2024-06-01T12:00:00.456Z');
const NOW_RFC3339 = '2024-06-01T12:00:00Z';
/** GENERATED_SUFFIX is what upstream's names.SimpleNameGenerator appends: five characters of this alphabet. */
const GENERATED_SUFFIX = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;
/** MAX_GENERATE_NAME_ATTEMPTS is upstream's retry bound for generated names (RetryGenerateName). */
const MAX_GENERATE_NAME_ATTEMPTS = 8;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const ctx: RequestContext = { namespace: 'default', user: { name: 'tester', groups: ['system:masters'] } };

type Obj = KubeObject & { data?: Record<string, string>; spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** specOf reads a spec as an object to spread. */
const specOf = (o: KubeObject | undefined): Record<string, unknown> => (o?.spec ?? {}) as Record<string, unknown>;

const parse = (kv: { value: string }): Obj => JSON.parse(kv.value) as Obj;

function configMap(name: string, data: Record<string, string> = {}, meta: Partial<KubeObject['metadata']> = {}): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...meta }, data };
}

function pod(name: string, containers: unknown[] = [{ name: 'app', image: 'nginx' }]): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers } };
}

function deployment(name: string, replicas = 1): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    },
  };
}

/** statusError runs a registry call that must fail with a StatusError and returns it. */
async function statusError(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    assert.fail(`expected a StatusError, got ${String(e)}`);
  }
  assert.fail('expected a StatusError, but the call succeeded');
}

/** withRandomInts makes crypto.randomInt return the given values in turn (the generated-name suffixes). */
async function withRandomInts<T>(values: () => number, body: () => Promise<T>): Promise<T> {
  const original = nodeCrypto.randomInt;
  (nodeCrypto as { randomInt: unknown }).randomInt = () => values();
  try {
    return await body();
  } finally {
    (nodeCrypto as { randomInt: unknown }).randomInt = original;
  }
}

describe('Store (registry over SQLite)', () => {
  let dir: string;
  let storage: SqliteStorage;
  let registry: Registry;
  let configmaps: Store;
  let pods: Store;
  let deployments: Store;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-registry-'));
    storage = new SqliteStorage({ file: path.join(dir, 'state.db'), durable: false });
    registry = new Registry({ storage, resources, validators: validatorModules, now: () => NOW });
    await registry.start();
    configmaps = registry.storeFor('', 'configmaps')!;
    pods = registry.storeFor('', 'pods')!;
    deployments = registry.storeFor('apps', 'deployments')!;
    assert.ok(configmaps && pods && deployments, 'the generated table serves configmaps, pods and deployments');
  });

  afterEach(async () => {
    registry.stop();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('create', () => {
    it('fills uid, creationTimestamp and resourceVersion, overriding what the client sent', async () => {
      const kv = await configmaps.create(ctx, configMap('a', { k: 'v' }, { uid: 'client-uid', creationTimestamp: '2000-01-01T00:00:00Z' }));
      const obj = parse(kv);
      assert.match(obj.metadata.uid!, UUID);
      assert.notEqual(obj.metadata.uid, 'client-uid');
      assert.equal(obj.metadata.creationTimestamp, NOW_RFC3339);
      assert.equal(obj.metadata.resourceVersion, String(kv.rev));
      assert.equal(obj.metadata.namespace, 'default', 'the namespace comes from the request');
      assert.equal(obj.metadata.generation, undefined, 'kinds without a status do not track generation');
      assert.deepEqual(parse(await configmaps.get(ctx, 'a')), obj);
    });

    it('starts a deployment at generation 1 whatever the client sent, with an empty status', async () => {
      const d = deployment('web');
      d.metadata.generation = 7;
      d.status = { replicas: 5 };
      const obj = parse(await deployments.create(ctx, d));
      assert.equal(obj.metadata.generation, 1);
      assert.deepEqual(obj.status, {});
    });

    it('generates a name from generateName: the prefix and five random characters', async () => {
      const obj = parse(await configmaps.create(ctx, configMap('', {}, { generateName: 'web-' })));
      assert.ok(obj.metadata.name!.startsWith('web-'));
      assert.match(obj.metadata.name!.slice('web-'.length), GENERATED_SUFFIX);
      assert.equal(obj.metadata.generateName, 'web-');
      assert.ok(await configmaps.get(ctx, obj.metadata.name!));
    });

    it('draws another generated name when the first one is taken, instead of failing the create', async () => {
      await configmaps.create(ctx, configMap('web-bbbbb'));
      // The first five draws spell "bbbbb" (taken); the rest spell "ccccc".
      let draws = 0;
      const obj = await withRandomInts(
        () => (draws++ < 5 ? 0 : 1),
        async () => parse(await configmaps.create(ctx, configMap('', { mine: 'yes' }, { generateName: 'web-' }))),
      );
      assert.equal(obj.metadata.name, 'web-ccccc');
      assert.deepEqual(parse(await configmaps.get(ctx, 'web-bbbbb')).data, {}, 'the existing object is untouched');
    });

    it('answers a generated name that keeps colliding with upstream\'s generate-name conflict', async () => {
      await configmaps.create(ctx, configMap('web-bbbbb'));
      let draws = 0;
      const err = await withRandomInts(
        () => (draws++, 0),
        () => statusError(configmaps.create(ctx, configMap('', {}, { generateName: 'web-' }))),
      );
      assert.equal(draws, MAX_GENERATE_NAME_ATTEMPTS * 5, 'every attempt draws a fresh name');
      assert.equal(err.code, 409);
      assert.equal(err.reason, 'AlreadyExists');
      assert.equal(err.message, 'configmaps "web-bbbbb" already exists, the server was not able to generate a unique name for the object');
      assert.equal(err.details?.retryAfterSeconds, 1, 'clients are told to retry shortly');
    });

    it('refuses an object that already carries a resourceVersion, as kube-apiserver\'s storage does', async () => {
      const err = await statusError(configmaps.create(ctx, configMap('a', {}, { resourceVersion: '12' })));
      assert.equal(err.code, 500);
      assert.equal(err.message, 'resourceVersion should not be set on objects to be created');
      // Upstream's storage returns a plain error, which becomes a Status with no reason (Unknown).
      assert.equal(err.reason || undefined, undefined, `reason must be empty (StatusReasonUnknown), got ${err.reason}`);
      await assert.rejects(configmaps.get(ctx, 'a'), (e) => e instanceof StatusError && e.code === 404);
    });

    it('answers a second create of one name with 409 AlreadyExists', async () => {
      await configmaps.create(ctx, configMap('a'));
      const err = await statusError(configmaps.create(ctx, configMap('a')));
      assert.equal(err.code, 409);
      assert.equal(err.reason, 'AlreadyExists');
      assert.equal(err.message, 'configmaps "a" already exists');
    });

    it('refuses a body whose namespace differs from the request with 400', async () => {
      const err = await statusError(configmaps.create(ctx, configMap('a', {}, { namespace: 'other' })));
      assert.equal(err.code, 400);
      assert.equal(err.reason, 'BadRequest');
      assert.equal(err.message, 'the namespace of the provided object does not match the namespace sent on the request');
    });

    it('refuses an invalid name with 422 Invalid, the cause on metadata.name and upstream\'s message', async () => {
      const err = await statusError(configmaps.create(ctx, configMap('Bad_Name')));
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.message, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MESSAGE}`);
      assert.deepEqual(err.details, {
        name: 'Bad_Name',
        kind: 'ConfigMap',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: "Bad_Name": ${SUBDOMAIN_MESSAGE}`, field: 'metadata.name' }],
      });
    });

    it('refuses a pod whose container lacks a name with FieldValueRequired on spec.containers[0].name', async () => {
      const err = await statusError(pods.create(ctx, pod('p', [{ image: 'nginx' }])));
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(err.message, 'Pod "p" is invalid: spec.containers[0].name: Required value');
      assert.deepEqual(err.details?.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].name' }]);
    });

    it('refuses a value of the wrong type with FieldValueTypeInvalid on its field', async () => {
      const err = await statusError(pods.create(ctx, pod('p', [{ name: 'app', image: 42 }])));
      assert.equal(err.code, 422);
      const causes = err.details?.causes ?? [];
      assert.deepEqual(causes.map((c) => [c.reason, c.field]), [['FieldValueTypeInvalid', 'spec.containers[0].image']]);
    });

    it('words a type error as kube-apiserver\'s schema validation does, naming the JSON type it got', async () => {
      const err = await statusError(pods.create(ctx, pod('p', [{ name: 'app', image: 42 }])));
      assert.equal(
        err.details?.causes?.[0]?.message,
        'Invalid value: "integer": spec.containers[0].image in body must be of type string: "integer"',
      );
    });

    it('stores nothing when validation fails', async () => {
      await statusError(pods.create(ctx, pod('p', [{ image: 'nginx' }])));
      assert.deepEqual((await pods.list(ctx, {})).items, []);
    });
  });

  describe('update', () => {
    it('refuses a stale resourceVersion with 409 Conflict and the optimistic-lock message', async () => {
      const first = parse(await configmaps.create(ctx, configMap('a', { v: '1' })));
      await configmaps.update(ctx, 'a', (cur) => ({ ...cur!, data: { v: '2' } }));
      const err = await statusError(configmaps.update(ctx, 'a', () => ({ ...first, data: { v: 'stale' } })));
      assert.equal(err.code, 409);
      assert.equal(err.reason, 'Conflict');
      assert.equal(err.message, `Operation cannot be fulfilled on configmaps "a": ${OPTIMISTIC_LOCK}`);
      assert.deepEqual(parse(await configmaps.get(ctx, 'a')).data, { v: '2' });
    });

    it('applies an update without a resourceVersion unconditionally', async () => {
      await configmaps.create(ctx, configMap('a', { v: '1' }));
      await configmaps.update(ctx, 'a', (cur) => ({ ...cur!, data: { v: '2' } }));
      const { kv } = await configmaps.update(ctx, 'a', () => configMap('a', { v: 'blind' }));
      assert.deepEqual(parse(kv).data, { v: 'blind' });
      assert.equal(parse(kv).metadata.resourceVersion, String(kv.rev));
    });

    it('keeps uid and creationTimestamp whatever the update body says', async () => {
      const created = parse(await configmaps.create(ctx, configMap('a')));
      const { kv } = await configmaps.update(ctx, 'a', () => configMap('a', { v: '2' }));
      assert.equal(parse(kv).metadata.uid, created.metadata.uid);
      assert.equal(parse(kv).metadata.creationTimestamp, created.metadata.creationTimestamp);
    });

    it('does not write, nor move the resourceVersion, for an update that changes nothing', async () => {
      const created = await configmaps.create(ctx, configMap('a', { v: '1' }));
      const { kv } = await configmaps.update(ctx, 'a', (cur) => cur!);
      assert.equal(kv.rev, created.rev);
      assert.equal(await storage.currentRevision(), created.rev);
    });

    it('preserves status on a main-resource update and moves generation only when the spec changes', async () => {
      await deployments.create(ctx, deployment('web'));
      await deployments.update(ctx, 'web', (cur) => ({ ...cur!, status: { replicas: 3, observedGeneration: 1 } }), { subresource: 'status' });

      // A main-resource write may not touch status; a metadata-only change keeps the generation.
      const relabelled = parse(
        (await deployments.update(ctx, 'web', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { tier: 'front' } }, status: { replicas: 99 } }))).kv,
      );
      assert.deepEqual(relabelled.status, { replicas: 3, observedGeneration: 1 });
      assert.equal(relabelled.metadata.generation, 1);
      assert.deepEqual(relabelled.metadata.labels, { tier: 'front' });

      const scaled = parse((await deployments.update(ctx, 'web', (cur) => ({ ...cur!, spec: { ...specOf(cur), replicas: 2 } }))).kv);
      assert.equal(scaled.metadata.generation, 2);
      assert.deepEqual(scaled.status, { replicas: 3, observedGeneration: 1 });

      // A status write may not touch the spec, and so never moves the generation.
      const statusWrite = parse(
        (await deployments.update(ctx, 'web', (cur) => ({ ...cur!, spec: { ...specOf(cur), replicas: 9 }, status: { replicas: 2, observedGeneration: 2 } }), { subresource: 'status' })).kv,
      );
      assert.equal((statusWrite.spec as { replicas: number }).replicas, 2);
      assert.equal(statusWrite.metadata.generation, 2);
      assert.deepEqual(statusWrite.status, { replicas: 2, observedGeneration: 2 });
    });

    it('answers an update of a missing object with 404', async () => {
      const err = await statusError(configmaps.update(ctx, 'missing', () => configMap('missing')));
      assert.equal(err.code, 404);
      assert.equal(err.message, 'configmaps "missing" not found');
    });
  });

  describe('delete', () => {
    it('marks an object with finalizers for deletion and keeps it; removing the last finalizer deletes it', async () => {
      await configmaps.create(ctx, configMap('held', {}, { finalizers: ['example.com/a', 'example.com/b'] }));
      const first = await configmaps.delete(ctx, 'held');
      assert.equal(first.deleted, false);
      const marked = parse(first.kv);
      assert.equal(marked.metadata.deletionTimestamp, NOW_RFC3339);
      assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
      assert.deepEqual(parse(await configmaps.get(ctx, 'held')), marked, 'the object stays while finalizers remain');

      // Deleting again changes nothing.
      const again = await configmaps.delete(ctx, 'held');
      assert.equal(again.deleted, false);
      assert.equal(again.kv.rev, first.kv.rev);

      // Removing one finalizer keeps it; removing the last deletes it.
      await configmaps.update(ctx, 'held', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: ['example.com/b'] } }));
      assert.ok(await configmaps.get(ctx, 'held'));
      await configmaps.update(ctx, 'held', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
      const err = await statusError(configmaps.get(ctx, 'held'));
      assert.equal(err.code, 404);
      assert.equal(await storage.get('/registry/configmaps/default/held'), undefined, 'gone from storage, not only from the cache');
    });

    it('refuses a new finalizer on an object being deleted', async () => {
      await configmaps.create(ctx, configMap('held', {}, { finalizers: ['example.com/a'] }));
      await configmaps.delete(ctx, 'held');
      const err = await statusError(
        configmaps.update(ctx, 'held', (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: ['example.com/a', 'example.com/late'] } })),
      );
      assert.equal(err.code, 422);
      assert.deepEqual(err.details?.causes?.map((c) => c.field), ['metadata.finalizers']);
    });

    it('deletes an object without finalizers at once and answers a second delete with 404', async () => {
      await configmaps.create(ctx, configMap('a'));
      const r = await configmaps.delete(ctx, 'a');
      assert.equal(r.deleted, true);
      assert.equal(parse(r.kv).metadata.resourceVersion, String(r.kv.rev));
      const err = await statusError(configmaps.delete(ctx, 'a'));
      assert.equal(err.code, 404);
    });
  });

  describe('list', () => {
    const names = Array.from({ length: 10 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);

    it('returns every object exactly once across continue pages, as of the first page, even with writes between pages', async () => {
      const created = new Map<string, string>();
      for (const n of names) created.set(n, (await configmaps.create(ctx, configMap(n, { v: 'original' }))).value);

      const first = await configmaps.list(ctx, { limit: 4 });
      assert.equal(first.items.length, 4);
      assert.ok(first.continue, 'a full page carries a continue token');
      assert.equal(first.remainingItemCount, 6);

      // Writes behind and ahead of the cursor, between pages.
      await configmaps.create(ctx, configMap('cm-01a'));
      await configmaps.create(ctx, configMap('cm-99'));
      await configmaps.delete(ctx, 'cm-05');
      await configmaps.update(ctx, 'cm-06', (cur) => ({ ...cur!, data: { v: 'changed' } }));

      const pages = [first];
      while (pages[pages.length - 1].continue) {
        pages.push(await configmaps.list(ctx, { limit: 4, continue: pages[pages.length - 1].continue }));
        assert.ok(pages.length < 10, 'the continue chain must end');
      }
      assert.equal(pages.length, 3);
      const seen = pages.flatMap((p) => p.items.map((kv) => parse(kv).metadata.name!));
      assert.deepEqual(seen, names, 'each object of the snapshot once, in order, and nothing written later');
      for (const p of pages) for (const kv of p.items) assert.equal(kv.value, created.get(parse(kv).metadata.name!), 'values as of the first page');
      for (const p of pages) assert.equal(p.revision, first.revision, 'every page reports the snapshot revision');
    });

    it('answers a continue token whose revision was compacted with 410 Expired', async () => {
      for (const n of names.slice(0, 5)) await configmaps.create(ctx, configMap(n));
      const first = await configmaps.list(ctx, { limit: 2 });
      await configmaps.create(ctx, configMap('later'));
      await storage.compact(await storage.currentRevision());
      const err = await statusError(configmaps.list(ctx, { limit: 2, continue: first.continue }));
      assert.equal(err.code, 410);
      assert.equal(err.reason, 'Expired');
      assert.match(err.message, /^The provided continue parameter is too old to display a consistent list result\./);
    });

    it('lists the old state with resourceVersionMatch=Exact at an older revision', async () => {
      const a1 = await configmaps.create(ctx, configMap('a', { v: '1' }));
      await configmaps.create(ctx, configMap('b'));
      await configmaps.update(ctx, 'a', (cur) => ({ ...cur!, data: { v: '2' } }));
      await configmaps.delete(ctx, 'b');
      await configmaps.create(ctx, configMap('c'));
      const old = await configmaps.list(ctx, { resourceVersion: String(a1.rev), resourceVersionMatch: 'Exact' });
      assert.equal(old.revision, a1.rev);
      assert.deepEqual(old.items.map((kv) => [parse(kv).metadata.name, parse(kv).data]), [['a', { v: '1' }]]);
      const now = await configmaps.list(ctx, {});
      assert.deepEqual(now.items.map((kv) => parse(kv).metadata.name), ['a', 'c']);
    });

    it('refuses resourceVersionMatch without resourceVersion with 422 on ListOptions', async () => {
      const err = await statusError(configmaps.list(ctx, { resourceVersionMatch: 'NotOlderThan' }));
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(
        err.message,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
      assert.deepEqual(err.details, {
        name: '',
        group: 'meta.k8s.io',
        kind: 'ListOptions',
        causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided', field: 'resourceVersionMatch' }],
      });
    });

    it('narrows a list to the request namespace', async () => {
      await configmaps.create(ctx, configMap('a'));
      await configmaps.create({ ...ctx, namespace: 'other' }, configMap('b'));
      assert.deepEqual((await configmaps.list(ctx, {})).items.map((kv) => parse(kv).metadata.name), ['a']);
      assert.deepEqual((await configmaps.list({ ...ctx, namespace: '' }, {})).items.map((kv) => parse(kv).metadata.name), ['a', 'b']);
    });
  });
});

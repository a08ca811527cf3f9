/**
 * The optimized engine (src/apply) against the reference engine (./reference, the engine
 * before it was optimized) on random objects and random histories of writes: every result,
 * error, managedFields entry and field set must be the same. The histories interleave creates,
 * updates (with the client keeping, dropping, resetting or garbling managedFields), applies
 * (forced or not, some conflicting, some invalid) and status writes by several managers.
 *
 * A failure prints the kind and seed; `EQUIVALENCE_SEEDS=n` runs more seeds.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as opt from '../../../src/apply';
import { builtinTypeTable } from '../../../generated/typeinfo';
import type { TypeNode, TypeRef, TypeTable } from '../../../src/schema/typeinfo';
import * as ref from './reference';
import { Gen, Rng, clone, deepFreeze, sharesWith, type Obj } from './random';
import { WIDGET, table as testTable } from './support';

interface Kind {
  label: string;
  table: TypeTable;
  root: TypeRef;
  apiVersion: string;
  kind: string;
  /** start, when given, is what histories start from (perturbed), instead of a random object. */
  start?: Obj;
}

/** FIXTURE_POD is the benchmark's realistic pod: env from fields, probes, ports keyed by port and protocol. */
const FIXTURE_POD = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'bench', 'fixtures', 'pod.json'), 'utf8')) as Obj;

const KINDS: Kind[] = [
  { label: 'Pod', table: builtinTypeTable, root: builtinTypeTable.kinds['/v1/Pod'], apiVersion: 'v1', kind: 'Pod' },
  { label: 'Pod (the benchmark fixture)', table: builtinTypeTable, root: builtinTypeTable.kinds['/v1/Pod'], apiVersion: 'v1', kind: 'Pod', start: FIXTURE_POD },
  { label: 'Deployment', table: builtinTypeTable, root: builtinTypeTable.kinds['apps/v1/Deployment'], apiVersion: 'apps/v1', kind: 'Deployment' },
  { label: 'ConfigMap', table: builtinTypeTable, root: builtinTypeTable.kinds['/v1/ConfigMap'], apiVersion: 'v1', kind: 'ConfigMap' },
  { label: 'Widget (preserves unknown fields)', table: testTable, root: WIDGET, apiVersion: 'example.com/v1', kind: 'Widget' },
];

/** SEEDS per kind: enough histories to meet every branch many times in a few seconds. */
const SEEDS = Number(process.env['EQUIVALENCE_SEEDS'] ?? 60);
/** STEPS is the length of one history. */
const STEPS = 10;
const MANAGERS = ['alice', 'bob', 'kubectl', 'ctrl'];
const T0 = Date.parse('2024-05-01T10:00:00Z');
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Outcome = { ok: unknown } | { error: { name: string; message: string; status?: unknown } };

/** outcome runs f and captures its result or its error in a form both engines share. */
function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const status = (e as { toStatus?: () => unknown }).toStatus?.();
    return { error: { name: e.name, message: e.message, status } };
  }
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * identify gives an object the type and name every write of one history targets: a new root
 * and metadata, everything else shared with v (which may be frozen).
 */
function identify(k: Kind, v: unknown): Obj {
  const o: Obj = isObj(v) ? { ...v } : {};
  o['apiVersion'] = k.apiVersion;
  o['kind'] = k.kind;
  o['metadata'] = { ...(isObj(o['metadata']) ? (o['metadata'] as Obj) : {}), name: 'x' };
  return o;
}

function metaOf(o: Obj): Obj {
  return o['metadata'] as Obj;
}

/** stored plays the store: JSON out and back, and a uid. */
function stored(o: unknown): Obj {
  const s = JSON.parse(JSON.stringify(o)) as Obj;
  metaOf(s)['uid'] = 'u-1';
  return s;
}

/** resetSets are the reset fields of a write, in each engine's FieldSet. */
function resetSets(rng: Rng, subresource: string | undefined): { opt?: opt.FieldSet; ref?: ref.FieldSet } {
  if (subresource === 'status') return { opt: opt.FieldSet.fromFieldsV1({ 'f:spec': {} }), ref: ref.FieldSet.fromFieldsV1({ 'f:spec': {} }) };
  if (rng.chance(0.3)) return { opt: opt.FieldSet.fromFieldsV1({ 'f:status': {} }), ref: ref.FieldSet.fromFieldsV1({ 'f:status': {} }) };
  return {};
}

/** clientManagedFields is what a client sends back: usually what it read, sometimes not. */
function clientManagedFields(rng: Rng, live: Obj | undefined): unknown {
  const r = rng.next();
  const current = live ? metaOf(live)['managedFields'] : undefined;
  if (r < 0.7) return current === undefined ? undefined : clone(current);
  if (r < 0.8) return undefined;
  if (r < 0.85) return [];
  if (r < 0.9) return [{}];
  if (r < 0.95) return [{ manager: 'x', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
  return [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': {} } }];
}

/** randomSubset keeps about a third of a set's paths, in each engine's FieldSet. */
function randomSubset(rng: Rng, set: ref.FieldSet): { opt: opt.FieldSet; ref: ref.FieldSet } {
  const paths = set.paths().filter(() => rng.chance(0.3));
  return { opt: opt.FieldSet.of(...paths), ref: ref.FieldSet.of(...paths) };
}

const granularTables = new Map<TypeTable, TypeTable>();

/**
 * granular is a table's schema with every atomic struct and map made granular and every atomic
 * list a set: field sets built with it own parts of what the real schema keeps whole, which is
 * what reconcileFieldSetWithSchema has to collapse (a CRD whose schema made a field atomic).
 */
function granular(table: TypeTable): TypeTable {
  let g = granularTables.get(table);
  if (!g) {
    const types: Record<string, TypeNode> = {};
    const loosen = (n: TypeRef): TypeRef => {
      if (typeof n === 'string') return n;
      switch (n.kind) {
        case 'struct':
          return { ...n, mapType: 'granular', fields: Object.fromEntries(Object.entries(n.fields).map(([k, v]) => [k, loosen(v)])) };
        case 'map':
          return { ...n, mapType: 'granular', values: loosen(n.values) };
        case 'list':
          return { ...n, listType: n.listType === 'atomic' ? 'set' : n.listType, items: loosen(n.items) };
        default:
          return n;
      }
    };
    for (const [name, node] of Object.entries(table.types)) types[name] = loosen(node) as TypeNode;
    g = { ...table, types };
    granularTables.set(table, g);
  }
  return g;
}

/** checkTyped compares the typed building blocks on one pair of objects. */
function checkTyped(rng: Rng, k: Kind, a: unknown, b: unknown): void {
  const os = opt.schemaFor(k.table);
  const rs = ref.schemaFor(k.table);
  const ser = (c: { removed: { serialize(): string }; modified: { serialize(): string }; added: { serialize(): string } }) => [c.removed.serialize(), c.modified.serialize(), c.added.serialize()];
  assert.deepEqual(
    outcome(() => ser(opt.compareTyped(os, k.root, a, b))),
    outcome(() => ser(ref.compareTyped(rs, k.root, a, b))),
    'compareTyped',
  );
  assert.deepEqual(
    outcome(() => opt.mergeTyped(os, k.root, a, b)),
    outcome(() => ref.mergeTyped(rs, k.root, a, b)),
    'mergeTyped',
  );
  assert.deepEqual(opt.validateTyped(os, k.root, b), ref.validateTyped(rs, k.root, b), 'validateTyped');

  const refA = ref.toFieldSet(rs, k.root, a);
  const refB = ref.toFieldSet(rs, k.root, b);
  const optA = opt.toFieldSet(os, k.root, a);
  const optB = opt.toFieldSet(os, k.root, b);
  assert.equal(optB.serialize(), refB.serialize(), 'toFieldSet');
  const removal = randomSubset(rng, refB);
  assert.deepEqual(opt.removeItems(os, k.root, b, removal.opt), ref.removeItems(rs, k.root, b, removal.ref), 'removeItems');
  assert.equal(opt.ensureNamedFieldsAreMembers(os, k.root, removal.opt).serialize(), ref.ensureNamedFieldsAreMembers(rs, k.root, removal.ref).serialize(), 'ensureNamedFieldsAreMembers');

  // Set algebra on sets built independently by each engine.
  const ops = ['union', 'intersection', 'difference', 'recursiveDifference'] as const;
  for (const op of ops) {
    assert.equal(optA[op](optB).serialize(), refA[op](refB).serialize(), op);
    assert.equal(optB[op](optA).serialize(), refB[op](refA).serialize(), op);
    assert.equal(optA[op](optA).serialize(), refA[op](refA).serialize(), `${op} with itself`);
  }
  assert.equal(optA.leaves().serialize(), refA.leaves().serialize(), 'leaves');
  assert.equal(optA.equals(optB), refA.equals(refB), 'equals');
  assert.equal(optA.size(), refA.size(), 'size');
  assert.deepEqual(optA.paths().map(opt.pathString), refA.paths().map(opt.pathString), 'paths');
  for (const p of refB.paths()) assert.equal(optA.has(p), refA.has(p), 'has');
  // Sets recorded under a more granular schema, reconciled with the real one.
  const loose = ref.toFieldSet(ref.schemaFor(granular(k.table)), k.root, b).paths();
  const reconciled = (set: { serialize(): string } | undefined) => set?.serialize();
  assert.equal(
    reconciled(opt.reconcileFieldSetWithSchema(os, k.root, opt.FieldSet.of(...loose))),
    reconciled(ref.reconcileFieldSetWithSchema(rs, k.root, ref.FieldSet.of(...loose))),
    'reconcileFieldSetWithSchema',
  );
  // FieldsV1 read back, then written again (not always the same bytes: a lone surrogate comes back as U+FFFD).
  const fields = refB.toFieldsV1();
  assert.equal(opt.FieldSet.fromFieldsV1(fields).serialize(), ref.FieldSet.fromFieldsV1(fields).serialize(), 'fromFieldsV1');
}

/** checkUpdate compares one ordinary write; it returns the reference's stored result. */
function checkUpdate(rng: Rng, gen: Gen, k: Kind, live: Obj | undefined, now: Date): Obj | undefined {
  // next shares what it did not change with the old object, as a patched object would.
  const optOld = live && deepFreeze(clone(live));
  const next = identify(k, gen.perturb(k.root, optOld ?? (k.start ? clone(k.start) : gen.value(k.root, 0)), 0));
  if (rng.chance(0.2)) {
    // What `kubectl apply` (client-side) leaves behind: the applied configuration, as JSON.
    const lastApplied = JSON.stringify(identify(k, gen.perturb(k.root, next, 0)));
    const meta = metaOf(next);
    meta['annotations'] = { ...(isObj(meta['annotations']) ? (meta['annotations'] as Obj) : {}), [LAST_APPLIED]: lastApplied };
  }
  const managedFields = clientManagedFields(rng, live);
  if (managedFields === undefined) delete metaOf(next)['managedFields'];
  else metaOf(next)['managedFields'] = managedFields;
  const subresource = live && rng.chance(0.15) ? 'status' : undefined;
  const reset = resetSets(rng, subresource);
  const base = { manager: rng.pick(MANAGERS), table: k.table, root: k.root, apiVersion: k.apiVersion, now, subresource };

  const optNext = deepFreeze(next);
  const refOld = live && clone(live);
  const got = outcome(() => opt.updateManagedFields(optOld, optNext, { ...base, resetFields: reset.opt }).object);
  const want = outcome(() => ref.updateManagedFields(refOld, clone(next), { ...base, resetFields: reset.ref }).object);
  assert.deepEqual(got, want, 'updateManagedFields');
  if (!('ok' in got) || !('ok' in want)) return live;
  if (live) {
    // The store puts back timestamps of a write that changed nothing else.
    assert.deepEqual(
      opt.revertNoopManagedFieldsTimestamps(clone(got.ok) as object, deepFreeze(clone(live))),
      ref.revertNoopManagedFieldsTimestamps(clone(want.ok) as object, clone(live)),
      'revertNoopManagedFieldsTimestamps',
    );
    checkTyped(rng, k, live, next);
  }
  return stored(want.ok);
}

/** checkApply compares one server-side apply; it returns the reference's stored result. */
function checkApply(rng: Rng, gen: Gen, k: Kind, live: Obj | undefined, now: Date): Obj | undefined {
  const optLive = live && deepFreeze(clone(live));
  const source = optLive && rng.chance(0.8) ? gen.perturb(k.root, optLive, 0) : gen.perturb(k.root, k.start ? clone(k.start) : gen.value(k.root, 0), 0);
  const config = identify(k, source);
  delete metaOf(config)['managedFields'];
  delete metaOf(config)['uid'];
  if (rng.chance(0.03)) metaOf(config)['managedFields'] = [];
  if (rng.chance(0.03)) config['kind'] = 'Other';
  const subresource = live && rng.chance(0.1) ? 'status' : undefined;
  const reset = resetSets(rng, subresource);
  const base = { manager: rng.pick(MANAGERS), table: k.table, root: k.root, apiVersion: k.apiVersion, kind: k.kind, now, subresource, force: rng.chance(0.3) };

  const optConfig = deepFreeze(config);
  const got = outcome(() => opt.applyPatch(optLive, optConfig, { ...base, resetFields: reset.opt }));
  const want = outcome(() => ref.applyPatch(live && clone(live), clone(config), { ...base, resetFields: reset.ref }));
  assert.deepEqual(got, want, 'applyPatch');
  if (!('ok' in got) || !('ok' in want)) return live;
  // The caller modifies the result (defaults): it must share nothing with the inputs.
  const object = (got.ok as { object: Obj }).object;
  assert.ok(!sharesWith(object, optConfig) && !sharesWith(object, optLive), 'applyPatch result shares objects with its inputs');
  checkTyped(rng, k, live ?? {}, config);
  return stored((want.ok as { object: Obj }).object);
}

describe('apply/equivalence with the reference engine', () => {
  for (const k of KINDS) {
    it(`gives the same results on ${SEEDS} random histories of ${STEPS} writes to a ${k.label}`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const rng = new Rng(seed * 7919 + k.label.length);
        // Updates may carry explicitly undefined fields (objects built in code); applied
        // configurations come from a decoder and never do.
        const updates = new Gen(rng, k.table, true);
        const applies = new Gen(rng, k.table, false);
        let live: Obj | undefined;
        try {
          for (let step = 0; step < STEPS; step++) {
            const now = new Date(T0 + step * 700);
            live = !live || rng.chance(0.5) ? checkUpdate(rng, updates, k, live, now) : checkApply(rng, applies, k, live, now);
          }
        } catch (e) {
          if (e instanceof Error) {
            const where = `${k.label}, seed ${seed}: `;
            e.message = where + e.message;
            e.stack = where + (e.stack ?? '');
          }
          throw e;
        }
      }
    });
  }
});

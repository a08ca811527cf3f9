import * as assert from 'node:assert/strict';

import { ConflictsError, FieldSet, Schema, Updater, pathString, type ManagedFields } from '../../../src/apply';
import type { TypeTable } from '../../../src/schema/typeinfo';
import scenarios from './testdata/smd-scenarios.json';

type Obj = Record<string, unknown>;

interface Op {
  op: string;
  manager: string;
  version: string;
  object: Obj;
  conflicts?: string[][];
}

const schema = new Schema(scenarios.table as unknown as TypeTable);

describe('apply/Updater (upstream merge/ scenarios)', () => {
  for (const c of scenarios.cases) {
    it(c.name, () => {
      let live: Obj = {};
      const managers: ManagedFields = new Map();
      for (const op of c.ops as Op[]) {
        const updater = new Updater({ schema, root: c.root, version: op.version });
        if (op.op === 'update') {
          updater.update(live, op.object, managers, op.manager);
          live = op.object;
          continue;
        }
        try {
          const out = updater.apply(live, op.object, managers, op.manager, op.op === 'forceApply');
          assert.ok(!op.conflicts, 'expected conflicts');
          if (out) live = out;
        } catch (e) {
          if (!(e instanceof ConflictsError) || !op.conflicts) throw e;
          assert.deepEqual(
            e.conflicts.map((x) => [x.manager, pathString(x.path)]),
            op.conflicts,
          );
        }
      }
      assert.deepEqual(live, c.object);
      const got: Record<string, string> = {};
      for (const [m, vs] of managers) got[m] = vs.set.serialize();
      const want: Record<string, string> = {};
      for (const [m, fields] of Object.entries(c.managed)) want[m] = FieldSet.fromFieldsV1(fields).serialize();
      assert.deepEqual(got, want);
    });
  }
});

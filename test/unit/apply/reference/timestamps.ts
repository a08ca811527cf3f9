/**
 * Keeping no-op writes no-ops: managedFields timestamps alone must not make a new revision.
 */

import { managedFieldsOf, setManagedFields } from './managedfields';
import { deepCopy, equalValues, isMap, type JsonMap } from './value';

function asMap(o: object): JsonMap {
  return isMap(o) ? o : {};
}

function withoutManagedFields(o: JsonMap): JsonMap {
  const c = deepCopy(o);
  setManagedFields(c, undefined);
  return c;
}

/**
 * revertNoopManagedFieldsTimestamps is IgnoreManagedFieldsTimestampsTransformer (the store
 * runs it on every update): when an update changes nothing but managedFields timestamps, the
 * old timestamps are put back so the write is a no-op. It modifies and returns newObj.
 */
export function revertNoopManagedFieldsTimestamps(newObj: object, oldObj: object): object {
  const n = asMap(newObj);
  const o = asMap(oldObj);
  const newMF = managedFieldsOf(n);
  const oldMF = managedFieldsOf(o);
  if (!Array.isArray(newMF) || !Array.isArray(oldMF)) return newObj;
  if (newMF.length !== oldMF.length || newMF.length === 0) return newObj;
  const timeOf = (e: unknown): unknown => (isMap(e) ? e['time'] : undefined);
  if (newMF.every((e, i) => equalValues(timeOf(e), timeOf(oldMF[i])))) return newObj;
  const untimed = (e: unknown): unknown => {
    if (!isMap(e)) return e;
    const c = { ...e };
    delete c['time'];
    return c;
  };
  if (!newMF.every((e, i) => equalValues(untimed(e), untimed(oldMF[i])))) return newObj;
  if (!equalValues(withoutManagedFields(n), withoutManagedFields(o))) return newObj;
  newMF.forEach((e, i) => {
    if (!isMap(e)) return;
    const t = timeOf(oldMF[i]);
    if (t === undefined) delete e['time'];
    else e['time'] = t;
  });
  return newObj;
}

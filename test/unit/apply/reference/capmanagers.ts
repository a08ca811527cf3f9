/**
 * capUpdateManagers is capManagersManager: an object written by many controllers keeps at most
 * MAX_UPDATE_MANAGERS Update entries; beyond that the oldest are merged into one
 * "ancient-changes" entry per apiVersion.
 */

import { buildManagerIdentifier, type Managed } from './managedfields';
import { compareStrings } from './value';

/** MAX_UPDATE_MANAGERS is DefaultMaxUpdateManagers: Update entries kept before the oldest merge. */
export const MAX_UPDATE_MANAGERS = 10;

const ANCIENT_CHANGES = 'ancient-changes';

/**
 * capUpdateManagers is capManagersManager: beyond max Update entries, the oldest are merged
 * into one "ancient-changes" entry per apiVersion.
 */
export function capUpdateManagers(managed: Managed, max: number): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  const seconds = (id: string): number => {
    const t = managed.times.get(id);
    return t ? Math.floor(t.getTime() / 1000) : 0;
  };
  updaters.sort((a, b) => (seconds(a) !== seconds(b) ? seconds(a) - seconds(b) : compareStrings(a, b)));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const vs = managed.fields.get(id)!;
    const time = managed.times.get(id);
    const version = vs.apiVersion;
    const bucket = buildManagerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: version });
    const first = firstOfVersion.get(version);
    if (first === undefined) {
      firstOfVersion.set(version, id);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      const s = managed.fields.get(first)!;
      managed.fields.delete(first);
      managed.fields.set(bucket, s);
    }
    managed.fields.set(bucket, { ...vs, set: vs.set.union(managed.fields.get(bucket)!.set) });
    managed.fields.delete(id);
    length--;
    // The bucket takes the time of the newest update merged into it.
    managed.times.set(bucket, time);
  }
}

/**
 * metadata.managedFields on the wire and in memory (apimachinery's managedfields/internal
 * managedfields.go). In memory each entry is keyed by a manager identifier: the JSON of the
 * entry's manager, operation, apiVersion (Update entries only) and subresource, so there is one
 * entry per manager and operation and subresource, and Update entries are further split by
 * apiVersion while a manager's Apply entry follows it from version to version.
 */

import { FieldsV1Error } from './fieldpath';
import { FieldSet } from './set';
import { compareStrings, goJSONString, hasOwn, isMap, type JsonMap } from './value';

/** ManagedFieldsEntry is metav1.ManagedFieldsEntry as JSON. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Operation is a managedFields entry's operation. */
export type Operation = 'Apply' | 'Update';

/** VersionedSet is what a manager owns, in which version, and whether it applied it. */
export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/** ManagedFields maps manager identifiers to what they own. */
export type ManagedFields = Map<string, VersionedSet>;

/** Managed is a decoded managedFields list: sets and the time of each manager's last change. */
export interface Managed {
  fields: ManagedFields;
  times: Map<string, Date | undefined>;
}

/** emptyManaged is a Managed without entries. */
export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

/** ManagedFieldsError reports a managedFields list that cannot be decoded. */
export class ManagedFieldsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedFieldsError';
  }
}

/** IdentifierParts are the entry fields that make up a manager identifier. */
export interface IdentifierParts {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
}

/**
 * buildManagerIdentifier is BuildManagerIdentifier: the entry without fieldsType, fieldsV1 and
 * time (and without apiVersion for Apply), marshalled in metav1's field order with omitempty.
 */
export function buildManagerIdentifier(parts: IdentifierParts): string {
  const fields: string[] = [];
  if (parts.manager) fields.push(`"manager":${goJSONString(parts.manager)}`);
  if (parts.operation) fields.push(`"operation":${goJSONString(parts.operation)}`);
  if (parts.apiVersion && parts.operation !== 'Apply') fields.push(`"apiVersion":${goJSONString(parts.apiVersion)}`);
  if (parts.subresource) fields.push(`"subresource":${goJSONString(parts.subresource)}`);
  return '{' + fields.join(',') + '}';
}

/** parseManagerIdentifier reads an identifier back; undefined when it is not one. */
export function parseManagerIdentifier(identifier: string): IdentifierParts | undefined {
  let v: unknown;
  try {
    v = JSON.parse(identifier);
  } catch {
    return undefined;
  }
  if (!isMap(v)) return undefined;
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  return { manager: str('manager'), operation: str('operation'), apiVersion: str('apiVersion'), subresource: str('subresource') };
}

/** formatTime renders a metav1.Time: RFC 3339 in UTC with whole seconds. */
export function formatTime(t: Date): string {
  return t.toISOString().replace(/\.\d+Z$/, 'Z');
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** parseTime reads a metav1.Time; it throws on anything but RFC 3339. */
export function parseTime(s: string): Date {
  const d = new Date(s);
  if (!RFC3339.test(s) || Number.isNaN(d.getTime())) throw new ManagedFieldsError(`parsing time ${JSON.stringify(s)} as RFC3339`);
  return d;
}

function optionalString(entry: JsonMap, key: string, i: number): string | undefined {
  const v = hasOwn(entry, key) ? entry[key] : undefined;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ManagedFieldsError(`managed fields entry ${i}: ${key} must be a string`);
  return v;
}

/**
 * decodeManagedFields is DecodeManagedFields: it validates each entry (operation Apply or
 * Update, an apiVersion, fieldsType FieldsV1) and reads its field set. It throws
 * ManagedFieldsError on the first bad entry; a later entry with the same identifier wins.
 */
export function decodeManagedFields(list: unknown): Managed {
  const managed = emptyManaged();
  if (list === undefined || list === null) return managed;
  if (!Array.isArray(list)) throw new ManagedFieldsError('managedFields must be a list');
  list.forEach((raw: unknown, i: number) => {
    if (!isMap(raw)) throw new ManagedFieldsError(`managed fields entry ${i} must be an object`);
    const operation = optionalString(raw, 'operation', i);
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = optionalString(raw, 'apiVersion', i) ?? '';
    if (apiVersion.length < 1) throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = optionalString(raw, 'fieldsType', i) ?? '';
    if (fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(fieldsType)} in managed fields entry ${i}`);
    const manager = optionalString(raw, 'manager', i);
    const subresource = optionalString(raw, 'subresource', i);
    const timeText = optionalString(raw, 'time', i);
    const time = timeText === undefined ? undefined : parseTime(timeText);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(hasOwn(raw, 'fieldsV1') ? raw['fieldsV1'] : undefined);
    } catch (e) {
      if (e instanceof FieldsV1Error) throw new ManagedFieldsError(`error decoding versioned set from entry ${i}: ${e.message}`);
      throw e;
    }
    const id = buildManagerIdentifier({ manager, operation, apiVersion, subresource });
    managed.fields.set(id, { set, apiVersion, applied: operation === 'Apply' });
    managed.times.set(id, time);
  });
  return managed;
}

/**
 * encodeManagedFields is encodeManagedFields: one entry per manager, sorted by operation (Apply
 * first), then time (whole seconds, none first), manager, apiVersion and subresource. An empty
 * Managed encodes to undefined (the field is dropped).
 */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.fields.size === 0) return undefined;
  const entries: { entry: ManagedFieldsEntry; seconds: number }[] = [];
  for (const [id, vs] of managed.fields) {
    const parts = parseManagerIdentifier(id) ?? {};
    const entry: ManagedFieldsEntry = {};
    if (parts.manager) entry.manager = parts.manager;
    const operation = vs.applied ? 'Apply' : parts.operation;
    if (operation) entry.operation = operation;
    if (vs.apiVersion) entry.apiVersion = vs.apiVersion;
    const t = managed.times.get(id);
    if (t) entry.time = formatTime(t);
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = vs.set.toFieldsV1();
    if (parts.subresource) entry.subresource = parts.subresource;
    entries.push({ entry, seconds: t ? Math.floor(t.getTime() / 1000) : 0 });
  }
  entries.sort((p, q) => {
    const a = p.entry;
    const b = q.entry;
    if ((a.operation ?? '') !== (b.operation ?? '')) return compareStrings(a.operation ?? '', b.operation ?? '');
    if (p.seconds !== q.seconds) return p.seconds < q.seconds ? -1 : 1;
    if ((a.manager ?? '') !== (b.manager ?? '')) return compareStrings(a.manager ?? '', b.manager ?? '');
    if ((a.apiVersion ?? '') !== (b.apiVersion ?? '')) return compareStrings(a.apiVersion ?? '', b.apiVersion ?? '');
    return compareStrings(a.subresource ?? '', b.subresource ?? '');
  });
  return entries.map((e) => e.entry);
}

const ENTRY_KEYS = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource'];

/**
 * isResetManagedFields reports a request asking to clear managedFields: an empty list, or a
 * list of one entry with nothing in it.
 */
export function isResetManagedFields(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  if (list.length === 0) return true;
  if (list.length !== 1) return false;
  const e: unknown = list[0];
  if (!isMap(e)) return false;
  // Keys metav1.ManagedFieldsEntry does not know are ignored by its decoder, and so here.
  return ENTRY_KEYS.every((k) => {
    const v = hasOwn(e, k) ? e[k] : undefined;
    return v === null || v === undefined || v === '';
  });
}

/** managedFieldsOf reads metadata.managedFields of an object (undefined when absent). */
export function managedFieldsOf(obj: JsonMap): unknown {
  const meta = hasOwn(obj, 'metadata') ? obj['metadata'] : undefined;
  if (!isMap(meta) || !hasOwn(meta, 'managedFields')) return undefined;
  return meta['managedFields'];
}

/** setManagedFields writes (or with undefined, removes) metadata.managedFields in place. */
export function setManagedFields(obj: JsonMap, entries: ManagedFieldsEntry[] | undefined): void {
  let meta = hasOwn(obj, 'metadata') ? obj['metadata'] : undefined;
  if (entries === undefined) {
    if (isMap(meta)) delete meta['managedFields'];
    return;
  }
  if (!isMap(meta)) {
    meta = {};
    obj['metadata'] = meta;
  }
  (meta as JsonMap)['managedFields'] = entries;
}

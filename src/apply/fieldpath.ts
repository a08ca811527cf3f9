/**
 * Field paths as sigs.k8s.io/structured-merge-diff names them. A path is a list of elements; an
 * element selects a struct field or map key (`f:<name>`), a list-map item by its key fields
 * (`k:{"name":"x"}`), a set item by its value (`v:"x"`) or an atomic-list item by index
 * (`i:0`). The order of elements and their serialized form are upstream's, because FieldsV1
 * is written in that order and clients compare it byte for byte.
 */

import { BoundedMemo, MAX_MEMO_TEXT, isMemoizable } from './memo';
import { compareStrings, compareValues, equalValues, goJSON, goJSONString, goValueString, isMap } from './value';

/** KeyField is one key field of a list-map item, e.g. `name: "nginx"`. */
export interface KeyField {
  readonly name: string;
  readonly value: unknown;
}

/** FieldElement selects a struct field or map key (`f:name`). */
export interface FieldElement {
  readonly kind: 'field';
  readonly name: string;
}

/** KeyElement selects a list-map item by its key fields (`k:{...}`). */
export interface KeyElement {
  readonly kind: 'key';
  /** key holds the item's key fields sorted by name. */
  readonly key: readonly KeyField[];
}

/** ValueElement selects a set item by value (`v:...`). */
export interface ValueElement {
  readonly kind: 'value';
  readonly value: unknown;
}

/** IndexElement selects an atomic-list item by position (`i:n`). */
export interface IndexElement {
  readonly kind: 'index';
  readonly index: number;
}

/** PathElement selects one child of a struct, map or list. */
export type PathElement = FieldElement | KeyElement | ValueElement | IndexElement;

/** Path selects a possibly deeply nested field from the root of an object. */
export type Path = readonly PathElement[];

/**
 * INTERNED_ELEMENTS bounds each table of interned elements: far more distinct field names, keys
 * and values than one process's kinds and hot objects use, yet a few MB at most.
 */
const INTERNED_ELEMENTS = 20_000;

/**
 * Elements are interned: walkers meet the same names and keys on every request, and one
 * object per element lets set operations and path prefixes compare by reference first. Nothing
 * may mutate an element (their types are readonly).
 */
const fieldElements = new BoundedMemo<string, FieldElement>(INTERNED_ELEMENTS);
const keyElements = new BoundedMemo<string, KeyElement>(INTERNED_ELEMENTS);
const valueElements = new BoundedMemo<string, ValueElement>(INTERNED_ELEMENTS);

/** serialized memoizes serializePathElement per element object. */
const serialized = new WeakMap<PathElement, string>();

/** fieldElement selects a struct field or a map key. */
export function fieldElement(name: string): FieldElement {
  const hit = fieldElements.get(name);
  if (hit) return hit;
  const pe: FieldElement = { kind: 'field', name };
  return isMemoizable(name) ? fieldElements.set(name, pe) : pe;
}

/** keyElement selects a list-map item by its key fields (sorted by name, as upstream). */
export function keyElement(fields: readonly KeyField[]): KeyElement {
  return { kind: 'key', key: [...fields].sort((a, b) => compareStrings(a.name, b.name)) };
}

/** valueElement selects a set item by its value. */
export function valueElement(value: unknown): ValueElement {
  return { kind: 'value', value };
}

function sameKeyFields(a: readonly KeyField[], b: readonly KeyField[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || !sameValue(a[i].value, b[i].value)) return false;
  }
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && equalValues(a, b));
}

/**
 * internedKeyElement is keyElement for fields already sorted by name, returning the interned
 * element of that key. Serializations can coincide for keys that are not equal (lone
 * surrogates both print as U+FFFD), so a hit is only taken when its fields are the same. Keys
 * with values other than short scalars are not interned (see MAX_MEMO_TEXT).
 */
export function internedKeyElement(sortedFields: readonly KeyField[]): KeyElement {
  let text = 'k:{';
  for (let i = 0; i < sortedFields.length; i++) {
    if (i > 0) text += ',';
    text += goJSONString(sortedFields[i].name) + ':' + goJSON(sortedFields[i].value);
  }
  text += '}';
  const hit = keyElements.get(text);
  if (hit && sameKeyFields(hit.key, sortedFields)) return hit;
  const pe: KeyElement = { kind: 'key', key: sortedFields };
  serialized.set(pe, text);
  const memoizable = !hit && text.length <= MAX_MEMO_TEXT && sortedFields.every((f) => isMemoizable(f.value));
  return memoizable ? keyElements.set(text, pe) : pe;
}

/** internedValueElement is valueElement, returning the interned element of a short scalar value. */
export function internedValueElement(value: unknown): ValueElement {
  const text = 'v:' + goJSON(value);
  const hit = valueElements.get(text);
  if (hit && sameValue(hit.value, value)) return hit;
  const pe: ValueElement = { kind: 'value', value };
  serialized.set(pe, text);
  return !hit && isMemoizable(value) && text.length <= MAX_MEMO_TEXT ? valueElements.set(text, pe) : pe;
}

/** indexElement selects an atomic-list item by position. */
export function indexElement(index: number): IndexElement {
  return { kind: 'index', index };
}

const ELEMENT_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i].name, b[i].name);
    if (c !== 0) return c;
    const v = compareValues(a[i].value, b[i].value);
    if (v !== 0) return v;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** comparePathElements orders elements: fields, then keys, then values, then indices. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a === b) return 0;
  if (a.kind !== b.kind) return ELEMENT_RANK[a.kind] < ELEMENT_RANK[b.kind] ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareStrings(a.name, (b as FieldElement).name);
    case 'key':
      return compareKeys(a.key, (b as KeyElement).key);
    case 'value':
      return compareValues(a.value, (b as ValueElement).value);
    case 'index': {
      const j = (b as IndexElement).index;
      return a.index < j ? -1 : a.index > j ? 1 : 0;
    }
  }
}

/** pathElementsEqual is PathElement.Equals. */
export function pathElementsEqual(a: PathElement, b: PathElement): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'field':
      return a.name === (b as FieldElement).name;
    case 'key': {
      const k = (b as KeyElement).key;
      if (a.key.length !== k.length) return false;
      return a.key.every((f, i) => f.name === k[i].name && equalValues(f.value, k[i].value));
    }
    case 'value':
      return equalValues(a.value, (b as ValueElement).value);
    case 'index':
      return a.index === (b as IndexElement).index;
  }
}

/** comparePaths orders paths element by element, a prefix first. */
export function comparePaths(a: Path, b: Path): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePathElements(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * pathElementString renders an element as upstream's String(): `.name`, `[name="x",port=80]`,
 * `[="value"]`, `[0]`. Conflict messages and their causes carry these strings.
 */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return '.' + pe.name;
    case 'key':
      return '[' + pe.key.map((f) => `${f.name}=${goValueString(f.value)}`).join(',') + ']';
    case 'value':
      return `[=${goValueString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

/** pathString renders a path: `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

/**
 * serializePathElement writes the FieldsV1 key of an element: `f:name`, `k:{"name":"x"}`
 * (key fields in sorted order), `v:"x"`, `i:3`.
 */
export function serializePathElement(pe: PathElement): string {
  let text = serialized.get(pe);
  if (text === undefined) {
    text = serializeUncached(pe);
    serialized.set(pe, text);
  }
  return text;
}

function serializeUncached(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return 'f:' + pe.name;
    case 'key':
      return 'k:{' + pe.key.map((f) => goJSONString(f.name) + ':' + goJSON(f.value)).join(',') + '}';
    case 'value':
      return 'v:' + goJSON(pe.value);
    case 'index':
      return 'i:' + String(pe.index);
  }
}

/** FieldsV1Error reports a FieldsV1 document that cannot be read. */
export class FieldsV1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsV1Error';
  }
}

function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FieldsV1Error(`parsing ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * parsePathElement reads a FieldsV1 key. It returns undefined for an element type it does not
 * know (upstream drops those silently, for forward compatibility) and throws FieldsV1Error for
 * a malformed one.
 */
export function parsePathElement(s: string): PathElement | undefined {
  const hit = parsedElements.get(s);
  if (hit !== undefined) return hit;
  const pe = parseUncached(s);
  return pe === undefined || s.length > MAX_MEMO_TEXT ? pe : parsedElements.set(s, pe);
}

/** parsedElements memoizes parsePathElement: decoding managedFields meets the same keys on every write. */
const parsedElements = new BoundedMemo<string, PathElement>(INTERNED_ELEMENTS);

function parseUncached(s: string): PathElement | undefined {
  if (s.length < 2) throw new FieldsV1Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new FieldsV1Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return internedValueElement(parseJSON(body, 'value path element'));
    case 'k': {
      const m = parseJSON(body, 'key path element');
      if (!isMap(m)) throw new FieldsV1Error(`key path element must be a JSON object: ${s}`);
      return internedKeyElement(keyElement(Object.keys(m).map((name) => ({ name, value: m[name] }))).key);
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new FieldsV1Error(`invalid index path element: ${s}`);
      return indexElement(Number.parseInt(body, 10));
    }
    default:
      return undefined;
  }
}

/** pathElementKey is a canonical string for an element, for use as a Map key. */
export function pathElementKey(pe: PathElement): string {
  return serializePathElement(pe);
}

/**
 * Conversion between the versions a kind is served in: the API the request path calls.
 *
 * Objects are stored in their kind's hub (storage) version, declared in
 * schemas/overlay/storage.yaml. A request in another version is converted to the hub on the way
 * in and back on the way out; converters come from generated/conversions/ (generated copies plus
 * the hand-written hooks beside this file). Every function here is pure: it returns a new object
 * sharing nothing with its input, and sets the apiVersion of what it returns.
 *
 * Order on the way in (create, update, and the result of a patch applied in the request's version):
 *   1. decode, check apiVersion/kind, type-check against the request version's schema and detect
 *      unknown fields (fieldValidation) there: conversion keeps only the fields the schema declares,
 *      as Go's decoder does, and a hook throws ConversionError on a value of the wrong type;
 *   2. applyVersionDefaults(obj, group, requestVersion, kind): that version's own defaults, which
 *      upstream applies while decoding (v1beta1 Ingress: pathType ImplementationSpecific);
 *   3. converterFor(group, kind).toHub(obj, requestVersion);
 *   4. the hub's defaults, admission, validation and storage, all in the hub version.
 * On the way out (get, list, watch, and the object a write returns): fromHub(obj, requestVersion),
 * without version defaulting. A list is converted item by item, or with convertList.
 */

import { conversions } from '../../generated/conversions';
import { copy, groupVersion, type ConversionScope, type JsonObject, type KindConversions } from './runtime';

export { applyVersionDefaults, hasVersionDefaults } from './defaults';
export { ConversionError, type JsonObject } from './runtime';

/** Converter converts the objects of one kind served in several versions. */
export interface Converter {
  readonly group: string;
  readonly kind: string;
  /** hub is the version objects are stored in. */
  readonly hub: string;
  /** versions lists every version the kind is served in, hub included, sorted. */
  readonly versions: readonly string[];
  /** toHub converts an object of `fromVersion` to the hub version (a copy when it is the hub already). */
  toHub(obj: JsonObject, fromVersion: string): JsonObject;
  /** fromHub converts a hub object to `toVersion` (a copy when it is the hub). */
  fromHub(obj: JsonObject, toVersion: string): JsonObject;
  /** convert converts between any two served versions, through the hub. */
  convert(obj: JsonObject, fromVersion: string, toVersion: string): JsonObject;
  /**
   * convertList converts a `<kind>List` between two served versions: its items (which, as
   * kube-apiserver writes them, need not carry apiVersion and kind) and its own apiVersion.
   */
  convertList(list: JsonObject, fromVersion: string, toVersion: string): JsonObject;
}

class KindConverter implements Converter {
  readonly hub: string;
  readonly versions: readonly string[];

  constructor(
    readonly group: string,
    readonly kind: string,
    private readonly row: KindConversions,
    private readonly listRow: KindConversions | undefined,
  ) {
    this.hub = row.hub;
    this.versions = row.versions;
  }

  #check(version: string): void {
    if (!this.versions.includes(version)) {
      throw new Error(`conversion: ${this.kind}.${this.group || 'core'} is not served in version ${JSON.stringify(version)} (served: ${this.versions.join(', ')})`);
    }
  }

  #run(row: KindConversions, kind: string, obj: JsonObject, from: string, to: string): JsonObject {
    this.#check(from);
    this.#check(to);
    if (from === to) {
      const out = copy(obj);
      out.apiVersion = groupVersion(this.group, to);
      return out;
    }
    const scope: ConversionScope = { group: this.group, kind, fromVersion: from, toVersion: to };
    if (from === row.hub) return row.fromHub[to](obj, scope);
    if (to === row.hub) return row.toHub[from](obj, scope);
    const hub = row.toHub[from](obj, { ...scope, toVersion: row.hub });
    return row.fromHub[to](hub, { ...scope, fromVersion: row.hub });
  }

  toHub(obj: JsonObject, fromVersion: string): JsonObject {
    return this.#run(this.row, this.kind, obj, fromVersion, this.hub);
  }

  fromHub(obj: JsonObject, toVersion: string): JsonObject {
    return this.#run(this.row, this.kind, obj, this.hub, toVersion);
  }

  convert(obj: JsonObject, fromVersion: string, toVersion: string): JsonObject {
    return this.#run(this.row, this.kind, obj, fromVersion, toVersion);
  }

  convertList(list: JsonObject, fromVersion: string, toVersion: string): JsonObject {
    if (!this.listRow) throw new Error(`conversion: ${this.kind}List.${this.group || 'core'} has no converters`);
    return this.#run(this.listRow, `${this.kind}List`, list, fromVersion, toVersion);
  }
}

const converters = new Map<string, Converter | undefined>();

/**
 * converterFor returns the converter of a kind served in more than one version of its group
 * (list kinds too: `IngressList`), or undefined for a kind served in one version only, which needs
 * none.
 */
export function converterFor(group: string, kind: string): Converter | undefined {
  const key = `${group}/${kind}`;
  if (!converters.has(key)) {
    const row = Object.hasOwn(conversions, key) ? conversions[key] : undefined;
    const listKey = `${group}/${kind}List`;
    const listRow = Object.hasOwn(conversions, listKey) ? conversions[listKey] : undefined;
    converters.set(key, row && new KindConverter(group, kind, row, listRow));
  }
  return converters.get(key);
}

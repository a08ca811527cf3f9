/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it
 * (k8s.io/apimachinery pkg/util/strategicpatch, StrategicMergeMapPatch with the patch metadata of
 * the kind's Go struct tags):
 *
 * - objects merge key by key; a `null` value deletes the key;
 * - a list whose field has patch strategy `merge` merges: lists of objects by the field's merge
 *   key (an element of the patch replaces nothing, it merges into the element with the same key
 *   or is appended), lists of scalars as sets; every other list is replaced whole;
 * - directives: `$patch: replace` and `$patch: delete` in an object, `$patch: replace`,
 *   `$patch: delete` (with the merge key) in a merging list, `$retainKeys`,
 *   `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`;
 * - the order of a merged list: patch elements keep the patch's order, the others the live
 *   object's, interleaved where both know the relative order.
 *
 * Only the patch strategy and merge key matter: x-kubernetes-list-type and list-map-keys do not
 * (upstream reads struct tags, from which the OpenAPI patch extensions are generated). Errors
 * carry upstream's messages and the status code kube-apiserver answers with.
 *
 * Upstream's ordering also depends on Go's slice aliasing (deleting and appending in place over
 * the live list, which `$setElementOrder` then orders by); GoSlice reproduces it for lists of
 * objects. Known differences, all on inputs no valid patch of a Kubernetes type produces: keys
 * of one object are processed in the patch's order (Go's map order is random, which matters
 * only when `foo` and `$deleteFromPrimitiveList/foo` name the same items); aliasing through
 * duplicate scalars in a live list is not reproduced; 1 and 1.0 are the same number (Go tells
 * int64 from float64); a list given for a struct field is merged as if the field were a pointer.
 */
import { newBadRequest, StatusError } from '../apierrors';
import { VARIANT_SEPARATOR } from '../schema/build';
import { resolve, type TypeRef, type TypeTable } from '../schema/typeinfo';
import { formatQ, formatS, formatV, goTypeName, GO_MAP, GO_SLICE, isObject, type JSONObject } from './golang';

const DIRECTIVE_MARKER = '$patch';
const DELETE_DIRECTIVE = 'delete';
const REPLACE_DIRECTIVE = 'replace';
const MERGE_DIRECTIVE = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';
const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

/**
 * PatchError is a patch kube-apiserver cannot apply. `code` is the status it answers with:
 * 400 for a malformed directive, 422 for lists of lists, 500 for everything else (upstream
 * returns those as plain errors, which become a 500 whose message is the error's text).
 * patchErrorToStatus renders the response.
 */
export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 | 500,
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

/** isPatchError narrows unknown errors. */
export function isPatchError(e: unknown): e is PatchError {
  return e instanceof PatchError;
}

/**
 * patchErrorToStatus is how kube-apiserver reports a failed strategic merge patch
 * (interpretStrategicMergePatchError): BadRequest with the message, Invalid with a fixed message
 * (the original text is dropped upstream too), or a 500 with reason Unknown ("") and the message.
 */
export function patchErrorToStatus(e: PatchError): StatusError {
  switch (e.code) {
    case 400:
      return newBadRequest(e.message);
    case 422:
      return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
    default:
      return new StatusError(500, '', e.message);
  }
}

// The error catalogue of k8s.io/apimachinery pkg/util/mergepatch, word for word.
const errBadPatchFormatForPrimitiveList = (): PatchError => new PatchError('invalid patch format of primitive list', 400);
const errBadPatchFormatForRetainKeys = (): PatchError => new PatchError('invalid patch format of retainKeys', 400);
const errBadPatchFormatForSetElementOrderList = (): PatchError => new PatchError('invalid patch format of setElementOrder list', 400);
const errNoListOfLists = (): PatchError => new PatchError('lists of lists are not supported', 422);
const errNoMergeKey = (m: JSONObject, key: string): PatchError => new PatchError(`map: ${formatV(m)} does not contain declared merge key: ${key}`, 500);
const errBadArgType = (expected: string, actual: unknown): PatchError => new PatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`, 500);
const errBadPatchType = (t: unknown, m: JSONObject): PatchError => new PatchError(`unknown patch type: ${formatS(t)} in map: ${formatV(m)}`, 500);
const internal = (message: string): PatchError => new PatchError(message, 500);

/**
 * strategicMergePatchSupported tells whether strategic merge patch applies to a kind: its table
 * carries Go patch metadata (built-in kinds) and the root is a struct. When it does not (custom
 * resources) kube-apiserver answers 415 UnsupportedMediaType before reading the patch.
 */
export function strategicMergePatchSupported(table: TypeTable, root: TypeRef): boolean {
  return table.patchMetadata === true && resolve(table, root).kind === 'struct';
}

/**
 * strategicMergePatch applies `patch` to `original` (the live object as JSON) and returns the
 * result; neither argument is modified. `root` is the kind's node in `table`. Like upstream's,
 * the result is not yet an object of the kind: it may hold fields the kind does not declare,
 * and a list element the patch appended or a value it replaced is taken as written, nulls and
 * nested directives (`$patch`, `$retainKeys` ...) included. kube-apiserver then decodes it into
 * the kind (FromUnstructured), which drops unknown fields (or reports them under
 * fieldValidation=Strict/Warn) and reads nulls as unset; the caller must do the same.
 * @throws PatchError when the patch cannot be applied.
 */
export function strategicMergePatch(original: unknown, patch: unknown, table: TypeTable, root: TypeRef): unknown {
  if (patch === null) return cloneJSON(original ?? {});
  if (!isObject(patch)) {
    // What decoding the body into map[string]interface{} reports (sigs.k8s.io/json).
    throw new PatchError(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type ${GO_MAP}`, 400);
  }
  const start = isObject(original) ? (cloneJSON(original) as JSONObject) : {};
  return new Merger(table).mergeMap(start, cloneJSON(patch) as JSONObject, root);
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}

/** cloneJSON deep-copies a JSON value, keeping a `__proto__` key a key. */
function cloneJSON(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJSON);
  if (isObject(v)) {
    const out: JSONObject = {};
    for (const [k, x] of Object.entries(v)) setKey(out, k, cloneJSON(x));
    return out;
  }
  return v;
}

function hasKey(o: JSONObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

/** setKey assigns o[k]; for `__proto__` it defines an own property instead of changing the prototype. */
function setKey(o: JSONObject, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** FieldMeta is what a struct field's tags say: its type, patch strategies and merge key. */
interface FieldMeta {
  type: TypeRef;
  strategies: string[];
  mergeKey: string;
}

/** ElementKind is what sliceElementType distinguishes: objects (merge by key) from the rest. */
type ElementKind = 'map' | 'other';

class Merger {
  constructor(private readonly table: TypeTable) {}

  // ---- patch metadata (PatchMetaFromStruct over the TypeTable) ----

  /** lookupStruct finds a field of the struct `type` names, as forkedjson.LookupPatchMetadataForStruct. */
  private lookupStruct(type: TypeRef, key: string): FieldMeta {
    const node = resolve(this.table, type);
    const structName = goStructName(type);
    switch (node.kind) {
      case 'struct': {
        const field = findField(node.fields, key);
        if (field === undefined) break;
        const fieldNode = resolve(this.table, field);
        const strategy = fieldNode.kind === 'scalar' ? undefined : fieldNode.patchStrategy;
        const mergeKey = fieldNode.kind === 'list' || fieldNode.kind === 'struct' ? fieldNode.patchMergeKey : undefined;
        return { type: field, strategies: (strategy ?? '').split(','), mergeKey: mergeKey ?? '' };
      }
      case 'map':
        // A named map definition is a free-form object (RawExtension, FieldsV1): in Go a struct
        // without JSON fields. An inline map is a Go map.
        if (typeof type === 'string') break;
        throw internal('merging an object in json but data type is not struct, instead is: map');
      case 'untyped':
        break;
      case 'list':
        throw internal('merging an object in json but data type is not struct, instead is: slice');
      case 'scalar':
        if (node.type === 'int-or-string') break;
        throw internal(`merging an object in json but data type is not struct, instead is: ${goScalarKind(node.type)}`);
    }
    throw internal(`unable to find api field in struct ${structName} for the json field ${formatQ(key)}`);
  }

  /** lookupSlice is lookupStruct for a list field, answering its element type. */
  private lookupSlice(type: TypeRef, key: string): FieldMeta {
    const meta = this.lookupStruct(type, key);
    const node = resolve(this.table, meta.type);
    if (node.kind === 'list') {
      if (resolve(this.table, node.items).kind === 'list') throw internal('unexpected slice of slice');
      return { ...meta, type: node.items };
    }
    // Go looks through a pointer to a struct (optional struct fields are pointers); a map or a
    // scalar is refused, naming the kind of the struct holding the field.
    if (node.kind === 'struct' || node.kind === 'untyped' || (node.kind === 'map' && typeof meta.type === 'string')) return meta;
    throw internal('expected slice or array type, but got: struct');
  }

  /** kindName is reflect's Kind of an element type, as "cannot merge lists without merge key" prints it. */
  private kindName(type: TypeRef): string {
    const node = resolve(this.table, type);
    switch (node.kind) {
      case 'map':
        return typeof type === 'string' ? 'struct' : 'map';
      case 'list':
        return 'slice';
      case 'scalar':
        return node.type === 'int-or-string' ? 'struct' : goScalarKind(node.type);
      default:
        return 'struct';
    }
  }

  // ---- maps ----

  /** mergeMap merges `patch` into `original` (both owned: mutated and returned). */
  mergeMap(original: JSONObject, patch: JSONObject, type: TypeRef): JSONObject {
    if (hasKey(patch, DIRECTIVE_MARKER)) return directiveInMergeMap(patch[DIRECTIVE_MARKER], patch);
    applyRetainKeysDirective(original, patch);
    this.mergePatchIntoOriginal(original, patch, type);

    for (const patchKey of Object.keys(patch)) {
      const patchV = patch[patchKey];
      let key = patchKey;
      let isDeleteList = false;
      if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
        const originalKey = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
        isDeleteList = true;
        if (originalKey.length > 0) key = originalKey;
      }

      if (patchV === null) {
        delete original[key];
        continue;
      }
      if (!hasKey(original, key) || goTypeName(original[key]) !== goTypeName(patchV)) {
        // A new value, or one of another type: the patch's, without nulls and directives. A
        // deletion list has nothing to delete from.
        if (!isDeleteList) {
          discardNullValues(patchV);
          this.setWithoutDirectives(original, key, patchV);
        }
        continue;
      }

      const originalV = original[key];
      if (isObject(originalV) && isObject(patchV)) {
        const meta = this.lookupStruct(type, key);
        const strategy = extractRetainKeysPatchStrategy(meta.strategies);
        setKey(original, key, strategy === REPLACE_DIRECTIVE ? patchV : this.mergeMap(originalV, patchV, meta.type));
      } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
        const meta = this.lookupSlice(type, key);
        const strategy = extractRetainKeysPatchStrategy(meta.strategies);
        setKey(original, key, this.mergeSliceHandler(originalV, patchV, meta.type, strategy, meta.mergeKey, isDeleteList));
      } else {
        this.setWithoutDirectives(original, key, patchV);
      }
    }
    return original;
  }

  private setWithoutDirectives(o: JSONObject, key: string, v: unknown): void {
    const [value, keep] = removeDirectives(v);
    if (keep) setKey(o, key, value);
    else delete o[key];
  }

  /**
   * mergePatchIntoOriginal handles every `$setElementOrder/<field>`: merges the field's list (if
   * the patch has one) and orders the result. Precedence: the directive's order, then the
   * patch's, then the live object's. The lists it handles leave the patch.
   */
  private mergePatchIntoOriginal(original: JSONObject, patch: JSONObject, type: TypeRef): void {
    for (const directiveKey of Object.keys(patch)) {
      if (!directiveKey.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
      const setOrder = patch[directiveKey];
      delete patch[directiveKey];
      if (!Array.isArray(setOrder)) throw errBadArgType(GO_SLICE, setOrder);
      const key = extractKey(directiveKey, SET_ELEMENT_ORDER_PREFIX);

      const foundOriginal = hasKey(original, key);
      const foundPatch = hasKey(patch, key);
      const originalList = foundOriginal ? original[key] : [];
      const patchList = foundPatch ? patch[key] : [];
      if (!Array.isArray(originalList)) throw errBadArgType(GO_SLICE, originalList);
      if (!Array.isArray(patchList)) throw errBadArgType(GO_SLICE, patchList);

      const meta = this.lookupSlice(type, key);
      const strategy = extractRetainKeysPatchStrategy(meta.strategies);
      validatePatchWithSetOrderList(patchList, setOrder, meta.mergeKey);

      let merged: unknown[];
      if (foundOriginal && !foundPatch) merged = originalList;
      else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList)[0] as unknown[];
      else if (foundOriginal && foundPatch) merged = this.mergeSliceHandler(originalList, patchList, meta.type, strategy, meta.mergeKey, false);
      else continue;

      const [patchItems, serverOnly] =
        meta.mergeKey === '' ? partitionPrimitivesByPresentInList(merged, setOrder) : partitionMapsByPresentInList(merged, setOrder, meta.mergeKey);
      const kind = sliceElementKind(originalList, patchList);
      setKey(original, key, normalizeElementOrder(patchItems, serverOnly, setOrder, originalList, meta.mergeKey, kind));
      delete patch[key];
    }
  }

  // ---- lists ----

  private mergeSliceHandler(
    original: unknown[],
    patch: unknown[],
    elementType: TypeRef,
    strategy: string,
    mergeKey: string,
    isDeleteList: boolean,
  ): unknown[] {
    // A deletion list deletes whatever the field's strategy.
    if (strategy === MERGE_DIRECTIVE || isDeleteList) return this.mergeSlice(original, patch, elementType, mergeKey, isDeleteList);
    return patch;
  }

  /**
   * mergeSlice merges two lists. For lists of objects, `original` is treated as Go's backing
   * array (see GoSlice): upstream deletes and appends in place, and when it merges under
   * `$setElementOrder` its caller orders the result by that mutated array. Upstream's expected
   * orders depend on it, so the caller's array is changed the same way.
   */
  private mergeSlice(original: unknown[], patch: unknown[], elementType: TypeRef, mergeKey: string, isDeleteList: boolean): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = sliceElementKind(original, patch);
    let merged: unknown[];
    let serverOrder: unknown[] = original;
    if (kind !== 'map') {
      if (isDeleteList) return deleteFromSlice(original, patch);
      merged = deduplicateScalars([...original, ...patch]);
    } else {
      if (mergeKey === '') throw internal(`cannot merge lists without merge key for ${this.kindName(elementType)}`);
      const special = mergeSliceWithSpecialElements(new GoSlice(original), patch as JSONObject[], mergeKey);
      serverOrder = special.original.items();
      patch = special.patch;
      merged = this.mergeSliceWithoutSpecialElements(special.original, special.patch, mergeKey, elementType);
    }
    const [patchItems, serverOnly] =
      mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patch) : partitionMapsByPresentInList(merged, patch, mergeKey);
    return normalizeElementOrder(patchItems, serverOnly, patch, serverOrder, mergeKey, kind);
  }

  /** mergeSliceWithoutSpecialElements merges each patch element into the element with its key, or appends it. */
  private mergeSliceWithoutSpecialElements(original: GoSlice, patch: JSONObject[], mergeKey: string, elementType: TypeRef): unknown[] {
    for (const item of patch) {
      if (!hasKey(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      const found = findMapInSliceBasedOnKeyValue(original.items(), mergeKey, item[mergeKey]);
      // mergeMap merges in place and returns the same object, so the element needs no store.
      if (found) this.mergeMap(found.map, item, elementType);
      else original.append(item);
    }
    return original.items();
  }
}

/**
 * GoSlice models a Go slice over a caller's array: deleting shifts the elements left in place
 * (the last slot keeps a stale copy), appending writes into the caller's array while it has
 * room. Only the first `array.length` slots are visible to the caller, so Go's spare capacity
 * beyond them makes no difference and appends past them go to `spill`.
 */
class GoSlice {
  private spill: unknown[] = [];

  constructor(
    private readonly array: unknown[],
    private length = array.length,
  ) {}

  items(): unknown[] {
    return [...this.array.slice(0, this.length), ...this.spill];
  }

  /** delete removes element i of a slice that has not grown past the caller's array. */
  delete(i: number): void {
    for (let j = i; j < this.length - 1; j++) this.array[j] = this.array[j + 1];
    this.length--;
  }

  append(v: unknown): void {
    if (this.spill.length === 0 && this.length < this.array.length) this.array[this.length++] = v;
    else this.spill.push(v);
  }
}

// ---- helpers without metadata ----

/** goStructName is the Go name of a definition's type: its last segment, without a variant's overrides. */
function goStructName(type: TypeRef): string {
  if (typeof type !== 'string') return '';
  const name = type.split(VARIANT_SEPARATOR)[0];
  return name.slice(name.lastIndexOf('.') + 1);
}

function goScalarKind(type: string): string {
  switch (type) {
    case 'integer':
      return 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

/** findField matches a JSON key to a field: exactly, else case-insensitively (as encoding/json does). */
function findField(fields: Readonly<Record<string, TypeRef>>, key: string): TypeRef | undefined {
  if (Object.hasOwn(fields, key)) return fields[key];
  const folded = key.toLowerCase();
  for (const name of Object.keys(fields)) if (name.toLowerCase() === folded) return fields[name];
  return undefined;
}

function directiveInMergeMap(directive: unknown, patch: JSONObject): JSONObject {
  if (directive === REPLACE_DIRECTIVE) {
    // Upstream uses the rest of the patch as it is (directives and nulls included).
    delete patch[DIRECTIVE_MARKER];
    return patch;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw errBadPatchType(directive, patch);
}

/**
 * applyRetainKeysDirective applies `$retainKeys`: every key of the patch must be listed, and
 * the keys of the original that are not listed are cleared.
 */
function applyRetainKeysDirective(original: JSONObject, patch: JSONObject): void {
  if (!hasKey(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) throw errBadPatchFormatForRetainKeys();
  const retained = new Set<unknown>(retainKeys.map(hashable));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!retained.has(k)) throw errBadPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!retained.has(k)) delete original[k];
}

/** extractKey returns the field a `$directive/<field>` key names. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) throw errBadPatchFormatForPrimitiveList();
    if (prefix === SET_ELEMENT_ORDER_PREFIX) throw errBadPatchFormatForSetElementOrderList();
    throw internal(`fail to find unknown prefix ${formatQ(prefix)} in ${s}\n`);
  }
  return s.slice(slash + 1);
}

/** extractRetainKeysPatchStrategy drops `retainKeys` from a field's strategies and returns the other one. */
function extractRetainKeysPatchStrategy(strategies: readonly string[]): string {
  switch (strategies.length) {
    case 0:
      return '';
    case 1:
      return strategies[0] === RETAIN_KEYS_STRATEGY ? '' : strategies[0];
    case 2:
      if (strategies[0] === RETAIN_KEYS_STRATEGY) return strategies[1];
      if (strategies[1] === RETAIN_KEYS_STRATEGY) return strategies[0];
  }
  throw internal(`unexpected patch strategy: ${formatV(strategies)}`);
}

/** removeDirectives drops objects carrying `$patch` (anywhere inside); the boolean says whether to keep the value. */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (isObject(v)) {
    if (hasKey(v, DIRECTIVE_MARKER)) return [null, false];
    for (const k of Object.keys(v)) {
      const [inner, keep] = removeDirectives(v[k]);
      if (keep) setKey(v, k, inner);
      else delete v[k];
    }
    return [v, true];
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const [inner, keep] = removeDirectives(item);
      if (keep) out.push(inner);
    }
    return [out, true];
  }
  return [v, true];
}

/** discardNullValues removes null-valued keys from every object inside v (not null list elements). */
function discardNullValues(v: unknown): void {
  if (Array.isArray(v)) for (const item of v) discardNullValues(item);
  else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNullValues(v[k]);
    }
  }
}

/**
 * sliceElementKind checks that every element of the lists has one type, not a list, and says
 * whether that type is an object. It is sliceElementType, down to its messages.
 */
function sliceElementKind(...lists: readonly unknown[][]): ElementKind {
  let previous: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const current = goTypeName(item);
      if (previous === undefined) {
        // Upstream dereferences the nil type of a null first element.
        if (item === null) throw internal('runtime error: invalid memory address or nil pointer dereference');
        previous = current;
        if (Array.isArray(item)) throw errNoListOfLists();
      } else if (previous !== current) {
        throw internal(`list element types are not identical: ${formatV(lists)}`);
      }
    }
  }
  if (previous === undefined) throw internal('no elements in any of the given slices');
  return previous === GO_MAP ? 'map' : 'other';
}

/**
 * goEqual is `==` on two interface values holding decoded JSON: false across types, a runtime
 * panic (here a 500) for two objects or two lists.
 */
function goEqual(a: unknown, b: unknown): boolean {
  const ta = goTypeName(a);
  if (ta !== goTypeName(b)) return false;
  if (ta === GO_MAP || ta === GO_SLICE) throw internal(`runtime error: comparing uncomparable type ${ta}`);
  return a === b;
}

/** hashable passes a value usable as a Go map key and panics (500) like Go for the others. */
function hashable(v: unknown): unknown {
  if (typeof v === 'object' && v !== null) throw internal(`runtime error: hash of unhashable type ${goTypeName(v)}`);
  return v;
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return goEqual(left, right);
  if (!isObject(left)) throw errBadArgType(GO_MAP, left);
  if (!isObject(right)) throw errBadArgType(GO_MAP, right);
  if (!hasKey(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasKey(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return goEqual(left[mergeKey], right[mergeKey]);
}

function containsDirectiveMarker(v: unknown): boolean {
  return isObject(v) && hasKey(v, DIRECTIVE_MARKER);
}

/**
 * validatePatchWithSetOrderList checks that the patch list's elements (deletions aside) appear in
 * the `$setElementOrder` list, in the same relative order.
 */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < setOrder.length) {
    if (containsDirectiveMarker(nonDelete[p])) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], setOrder[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= setOrder.length) {
    throw internal(`The order in patch list:\n${formatV(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${formatV(setOrder)}\n`);
  }
}

/** extractToDeleteItems splits object elements into kept ones and `$patch: delete` ones. */
function extractToDeleteItems(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const item of list) {
    if (!isObject(item)) throw errBadArgType(GO_MAP, item);
    if (hasKey(item, DIRECTIVE_MARKER) && item[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(item);
    else keep.push(item);
  }
  return [keep, toDelete];
}

function findMapInSliceBasedOnKeyValue(list: readonly unknown[], key: string, value: unknown): { map: JSONObject; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) throw internal(`value for key ${i} is not a map`);
    if (hasKey(item, key) && goEqual(item[key], value)) return { map: item, index: i };
  }
  return undefined;
}

/**
 * mergeSliceWithSpecialElements applies a merging list's directive elements: `$patch: delete`
 * removes every element with that key (in place), `$patch: replace` makes the rest of the patch
 * the list. It returns the list to merge into and the patch without directive elements.
 */
function mergeSliceWithSpecialElements(original: GoSlice, patch: JSONObject[], mergeKey: string): { original: GoSlice; patch: JSONObject[] } {
  const plain: JSONObject[] = [];
  let replace = false;
  for (const item of patch) {
    if (!hasKey(item, DIRECTIVE_MARKER)) {
      plain.push(item);
      continue;
    }
    const directive = item[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasKey(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      for (let found = findMapInSliceBasedOnKeyValue(original.items(), mergeKey, item[mergeKey]); found; ) {
        original.delete(found.index);
        found = findMapInSliceBasedOnKeyValue(original.items(), mergeKey, item[mergeKey]);
      }
    } else if (directive === REPLACE_DIRECTIVE) {
      // Keep going: the other directive elements must still be dropped.
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw internal('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  return replace ? { original: new GoSlice([...plain]), patch: [] } : { original, patch: plain };
}

function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const deleted = new Set<unknown>(toDelete.map(hashable));
  return current.filter((v) => !deleted.has(hashable(v)));
}

/** deduplicateScalars keeps the first of equal scalars (the order is normalized afterwards). */
function deduplicateScalars(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => goEqual(o, v))) out.push(v);
  return out;
}

function partitionPrimitivesByPresentInList(list: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const present = new Set<unknown>(partitionBy.map(hashable));
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (present.has(hashable(v)) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

function partitionMapsByPresentInList(list: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType(GO_MAP, v);
    if (!hasKey(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** indexIn finds an element in an order list: by merge key for objects, by value otherwise; -1 if absent. */
function indexIn(list: readonly unknown[], v: unknown, mergeKey: string, kind: ElementKind): number {
  const key = (item: unknown): unknown => (kind === 'map' ? (isObject(item) && hasKey(item, mergeKey) ? item[mergeKey] : null) : item);
  const wanted = key(v);
  return list.findIndex((item) => goEqual(key(item), wanted));
}

function validateMergeKeyInLists(mergeKey: string, ...lists: readonly unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType(GO_MAP, item);
      if (!hasKey(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/**
 * normalizeSliceOrder sorts a list by the positions of its elements in `order` (stable; every
 * element is found there when the patch is valid), `$patch: delete` elements last.
 */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  const position = (v: unknown): number => {
    const i = indexIn(order, v, mergeKey, kind);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const sorted = toSort
    .map((v, i) => ({ v, i, at: position(v) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((e) => e.v);
  return [...sorted, ...toDelete];
}

/**
 * normalizeElementOrder orders the patch's elements by `patchOrder` and the live object's
 * remaining ones by `serverOrder`, then interleaves them (mergeSortedSlice).
 */
function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  const right = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const left = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(left, right, serverOrder, mergeKey, kind);
}

/**
 * mergeSortedSlice inserts the server-only elements (left) among the patch's (right), both
 * already sorted: a left element goes first only when the live object puts it before the right
 * element at hand; an element the live object does not know ends the comparison in favour of
 * the patch's.
 */
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/**
 * Updater is structured-merge-diff's merge.Updater: it keeps the ownership of fields up to date
 * on ordinary writes (update) and merges applied configurations (apply).
 *
 * - update: the fields a write added or changed become the writer's and leave every other
 *   manager; removed fields leave everyone.
 * - apply: the configuration is merged into the live object; the applier now owns exactly what
 *   it applied; fields it applied before and no longer applies are removed unless another
 *   manager owns them; any other manager owning a field whose value changes is a conflict
 *   (unless forced, which takes the field over).
 *
 * Objects may be compared in the version each manager's set was recorded in, through an
 * optional VersionConverter; without one every version is assumed to share the request's field
 * layout.
 */

import type { TypeRef } from '../../../../src/schema/typeinfo';
import { compareTyped, excludeFields, type Comparison } from './compare';
import { ConflictsError, type Conflict } from './conflict';
import type { ManagedFields, VersionedSet } from './managedfields';
import { mergeTyped } from './merge';
import { reconcileFieldSetWithSchema } from './reconcile';
import { ensureNamedFieldsAreMembers, removeItems } from './remove';
import type { Ref, Schema } from './schema';
import { FieldSet } from './set';
import { toFieldSet } from './tofieldset';
import { compareStrings, equalValues, isMap, type JsonMap } from './value';

/** VersionConverter moves objects between the versions a kind is served in. */
export interface VersionConverter {
  /** convert returns obj in apiVersion, or undefined when that version is not served any more. */
  convert(obj: JsonMap, apiVersion: string): JsonMap | undefined;
  /** root is the type of the kind in apiVersion (undefined: the request's). */
  root?(apiVersion: string): TypeRef | undefined;
}

/** UpdaterOptions configure one Updater for one request. */
export interface UpdaterOptions {
  schema: Schema;
  /** root is the kind's type in the request's version. */
  root: Ref;
  /** version is the request's apiVersion (`apps/v1`). */
  version: string;
  /** ignore holds fields whose ownership is not tracked (a strategy's reset fields). */
  ignore?: FieldSet;
  converter?: VersionConverter;
}

/** Versioned is an object together with the version it is in. */
interface Versioned {
  value: JsonMap;
  version: string;
}

/** Updater tracks ownership on writes and merges applied configurations (see the file comment). */
export class Updater {
  constructor(private readonly opts: UpdaterOptions) {}

  private rootAt(version: string): Ref {
    if (version === this.opts.version) return this.opts.root;
    return this.opts.converter?.root?.(version) ?? this.opts.root;
  }

  /** at converts an object to a version; undefined when that version is gone. */
  private at(obj: Versioned, version: string): Versioned | undefined {
    if (obj.version === version || !this.opts.converter) return { value: obj.value, version };
    const value = this.opts.converter.convert(obj.value, version);
    return value ? { value, version } : undefined;
  }

  private filter(set: FieldSet): FieldSet {
    return this.opts.ignore ? set.recursiveDifference(this.opts.ignore) : set;
  }

  private fieldSet(obj: Versioned): FieldSet {
    return toFieldSet(this.opts.schema, this.rootAt(obj.version), obj.value);
  }

  private named(set: FieldSet, version: string): FieldSet {
    return ensureNamedFieldsAreMembers(this.opts.schema, this.rootAt(version), set);
  }

  private remove(obj: Versioned, set: FieldSet): Versioned {
    const out = removeItems(this.opts.schema, this.rootAt(obj.version), obj.value, set);
    return { value: isMap(out) ? out : {}, version: obj.version };
  }

  private compare(oldObj: Versioned, newObj: Versioned): Comparison {
    const c = compareTyped(this.opts.schema, this.rootAt(oldObj.version), oldObj.value, newObj.value);
    return excludeFields(c, this.opts.ignore);
  }

  /**
   * transfer takes the fields that changed between oldObj and newObj away from every manager
   * but workflow: changed fields are conflicts (thrown unless force), removed fields are simply
   * dropped. Managers left with nothing are deleted.
   */
  private transfer(oldObj: JsonMap, newObj: JsonMap, managers: ManagedFields, workflow: string, force: boolean): Comparison {
    const version = this.opts.version;
    const base = this.compare({ value: oldObj, version }, { value: newObj, version });
    const byVersion = new Map<string, Comparison>([[version, base]]);
    const conflicts = new Map<string, FieldSet>();
    const removed = new Map<string, FieldSet>();
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue;
      let cmp = byVersion.get(vs.apiVersion);
      if (!cmp) {
        const o = this.at({ value: oldObj, version }, vs.apiVersion);
        const n = this.at({ value: newObj, version }, vs.apiVersion);
        if (!o || !n) {
          // The manager's version is no longer served: its entry goes.
          managers.delete(manager);
          continue;
        }
        cmp = this.compare(o, n);
        byVersion.set(vs.apiVersion, cmp);
      }
      const conflictSet = vs.set.intersection(cmp.modified.union(cmp.added));
      if (!conflictSet.isEmpty()) conflicts.set(manager, conflictSet);
      if (!cmp.removed.isEmpty()) removed.set(manager, cmp.removed);
    }
    if (!force && conflicts.size > 0) throw new ConflictsError(conflictList(conflicts));
    const shrink = (manager: string, set: FieldSet): void => {
      const vs = managers.get(manager);
      if (vs) managers.set(manager, { ...vs, set: vs.set.difference(set) });
    };
    for (const [manager, set] of conflicts) shrink(manager, set);
    for (const [manager, set] of removed) shrink(manager, set);
    for (const [manager, vs] of [...managers]) if (vs.set.isEmpty()) managers.delete(manager);
    return base;
  }

  /**
   * reconcile adapts every manager's set to schema changes (granular → atomic) and drops the
   * managers whose version is no longer served, before anything else looks at them.
   */
  private reconcile(liveObj: JsonMap, managers: ManagedFields): void {
    for (const [manager, vs] of [...managers]) {
      if (!this.at({ value: liveObj, version: this.opts.version }, vs.apiVersion)) {
        managers.delete(manager);
        continue;
      }
      const reconciled = reconcileFieldSetWithSchema(this.opts.schema, this.rootAt(vs.apiVersion), vs.set);
      if (reconciled) managers.set(manager, { ...vs, set: reconciled });
    }
  }

  /**
   * update records an ordinary write (create, update, patch) of newObj over liveObj by manager.
   * The managers map is modified in place and returned.
   */
  update(liveObj: JsonMap, newObj: JsonMap, managers: ManagedFields, manager: string): ManagedFields {
    this.reconcile(liveObj, managers);
    const compare = this.transfer(liveObj, newObj, managers, manager, true);
    const previous = managers.get(manager)?.set ?? FieldSet.empty();
    const set = this.filter(previous.difference(compare.removed).union(compare.modified).union(compare.added));
    if (set.isEmpty()) managers.delete(manager);
    else managers.set(manager, { set, apiVersion: this.opts.version, applied: false });
    return managers;
  }

  /**
   * apply merges config into liveObj for manager. It returns the new object, or undefined when
   * the object does not change; the managers map is modified in place. Conflicts throw a
   * ConflictsError unless force.
   */
  apply(liveObj: JsonMap, config: JsonMap, managers: ManagedFields, manager: string, force: boolean): JsonMap | undefined {
    this.reconcile(liveObj, managers);
    const merged = mergeTyped(this.opts.schema, this.opts.root, liveObj, config);
    let newObj: JsonMap = isMap(merged) ? merged : {};
    const lastSet = managers.get(manager);
    const set = this.filter(toFieldSet(this.opts.schema, this.opts.root, config));
    managers.set(manager, { set, apiVersion: this.opts.version, applied: true });
    newObj = this.prune(newObj, managers, manager, lastSet);
    this.transfer(liveObj, newObj, managers, manager, force);
    return equalValues(liveObj, newObj) ? undefined : newObj;
  }

  /**
   * prune removes a field, list item or map entry iff the applier applied it last time, did not
   * apply it this time, and no other manager owns it.
   */
  private prune(merged: JsonMap, managers: ManagedFields, applier: string, lastSet: VersionedSet | undefined): JsonMap {
    if (!lastSet || lastSet.set.isEmpty()) return merged;
    const version = lastSet.apiVersion;
    const convertedMerged = this.at({ value: merged, version: this.opts.version }, version);
    if (!convertedMerged) return merged;
    let pruned = this.remove(convertedMerged, this.named(lastSet.set, version));
    pruned = this.addBackOwnedItems(convertedMerged, pruned, version, managers);
    pruned = this.addBackDanglingItems(convertedMerged, pruned, lastSet);
    const back = this.at(pruned, managers.get(applier)?.apiVersion ?? this.opts.version);
    return back ? back.value : merged;
  }

  /** addBackOwnedItems puts back what prune took that any manager (the applier included) owns. */
  private addBackOwnedItems(merged: Versioned, pruned: Versioned, prunedVersion: string, managers: ManagedFields): Versioned {
    const managedAt = new Map<string, FieldSet>();
    for (const vs of managers.values()) {
      managedAt.set(vs.apiVersion, (managedAt.get(vs.apiVersion) ?? FieldSet.empty()).union(vs.set));
    }
    // The pruned version goes first, so fields conversion needs are back before converting.
    const versions = [...managedAt.keys()].sort((a, b) => (a === prunedVersion ? -1 : b === prunedVersion ? 1 : 0));
    let m = merged;
    let p = pruned;
    for (const version of versions) {
      const mv = this.at(m, version);
      const pv = this.at(p, version);
      if (!mv || !pv) continue;
      m = mv;
      const mergedSet = this.named(this.fieldSet(mv), version);
      const prunedSet = this.named(this.fieldSet(pv), version);
      const managed = this.named(managedAt.get(version)!, version);
      p = this.remove(mv, mergedSet.difference(prunedSet.union(managed)));
    }
    return p;
  }

  /**
   * addBackDanglingItems restores what prune took that the applier did not own last time
   * (fields nobody owns, such as defaults, stay).
   */
  private addBackDanglingItems(merged: Versioned, pruned: Versioned, lastSet: VersionedSet): Versioned {
    const convertedPruned = this.at(pruned, lastSet.apiVersion);
    if (!convertedPruned) return merged;
    const version = merged.version;
    const prunedSet = this.named(this.fieldSet(convertedPruned), version);
    const mergedSet = this.named(this.fieldSet(merged), version);
    const last = this.named(lastSet.set, version);
    return this.remove(merged, mergedSet.difference(prunedSet).intersection(last));
  }
}

/** conflictList flattens conflict sets, managers in identifier order, paths in set order. */
function conflictList(conflicts: Map<string, FieldSet>): Conflict[] {
  const out: Conflict[] = [];
  for (const manager of [...conflicts.keys()].sort(compareStrings)) {
    for (const path of conflicts.get(manager)!.paths()) out.push({ manager, path });
  }
  return out;
}

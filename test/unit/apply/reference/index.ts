/**
 * The reference engine: src/apply as it was before it was optimized for the request path
 * (path copies, binary-search inserts, deep copies, no memos), kept verbatim apart from its
 * import paths. equivalence.test.ts runs it and src/apply on the same random objects and
 * requires the same results, so the optimizations are checked against the straightforward
 * version rather than against hand-picked cases only.
 *
 * Do not optimize or fix these files. A deliberate change of behaviour in src/apply is made
 * here too (or the reference retired), in the same commit.
 */

export { applyPatch, updateManagedFields, schemaFor } from './fieldmanager';
export { revertNoopManagedFieldsTimestamps } from './timestamps';
export { FieldSet } from './set';
export { compareTyped } from './compare';
export { mergeTyped } from './merge';
export { toFieldSet } from './tofieldset';
export { removeItems, ensureNamedFieldsAreMembers } from './remove';
export { reconcileFieldSetWithSchema } from './reconcile';
export { validateTyped } from './validate';
export { decodeManagedFields, encodeManagedFields } from './managedfields';
export { Schema } from './schema';

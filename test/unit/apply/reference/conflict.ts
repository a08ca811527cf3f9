/**
 * Apply conflicts, as merge.Conflicts and managedfields' NewConflictError render them. A
 * conflict names a manager (by its identifier, see managedfields.ts) and a path; the error a
 * client sees is a 409 Conflict whose message and causes kube-apiserver's clients parse:
 *
 *   Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas
 *
 * with one cause per path: reason FieldManagerConflict, message `conflict with "x" using
 * apps/v1`, field `.spec.replicas`.
 */

import { StatusError, type StatusCause } from '../../../../src/apierrors';
import { pathString, type Path } from './fieldpath';
import { goQuote, compareStrings } from './value';
import { parseManagerIdentifier } from './managedfields';

/** Conflict is one field another manager owns with a different value. */
export interface Conflict {
  /** manager is the owner's identifier (JSON of manager, operation, apiVersion, subresource). */
  readonly manager: string;
  readonly path: Path;
}

/** CAUSE_FIELD_MANAGER_CONFLICT is metav1.CauseTypeFieldManagerConflict. */
export const CAUSE_FIELD_MANAGER_CONFLICT = 'FieldManagerConflict';

/**
 * ConflictsError is what the merge layer throws (upstream's merge.Conflicts); the field manager
 * turns it into a ConflictError for the client.
 */
export class ConflictsError extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(conflictsSummary(conflicts));
    this.name = 'ConflictsError';
  }
}

function conflictsSummary(conflicts: readonly Conflict[]): string {
  return conflicts.map((c) => `conflict with ${goQuote(c.manager)}: ${pathString(c.path)}`).join('\n');
}

/**
 * printManager renders a manager identifier as upstream: `"name"`, plus ` with subresource
 * "status"`, plus ` using apps/v1` for Update managers (the time is never part of an
 * identifier, so it is never printed).
 */
export function printManager(identifier: string): string {
  const entry = parseManagerIdentifier(identifier);
  if (!entry) return goQuote(identifier);
  let s = goQuote(entry.manager ?? '');
  if (entry.subresource) s += ` with subresource ${goQuote(entry.subresource)}`;
  if (entry.operation === 'Update') s += ` using ${entry.apiVersion ?? ''}`;
  return s;
}

/** conflictMessage is getConflictMessage: one line for one conflict, grouped by manager for more. */
export function conflictMessage(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  }
  const byManager = new Map<string, Path[]>();
  for (const c of conflicts) {
    const paths = byManager.get(c.manager) ?? [];
    paths.push(c.path);
    byManager.set(c.manager, paths);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort(compareStrings)) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** ConflictError is the 409 an apply with conflicts answers (errors.NewApplyConflict). */
export class ConflictError extends StatusError {
  constructor(readonly conflicts: readonly Conflict[]) {
    const causes: StatusCause[] = conflicts.map((c) => ({
      reason: CAUSE_FIELD_MANAGER_CONFLICT,
      message: `conflict with ${printManager(c.manager)}`,
      field: pathString(c.path),
    }));
    super(409, 'Conflict', conflictMessage(conflicts), { causes });
    this.name = 'ConflictError';
  }
}

/** isConflictError narrows unknown errors. */
export function isConflictError(e: unknown): e is ConflictError {
  return e instanceof ConflictError;
}

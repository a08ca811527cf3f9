/**
 * Runtime cost accounting, a simpler bound than cel-go's exact cost model: one unit per list
 * element or map key iterated, per map/list element read, per function call, plus one unit per
 * ten characters or elements a function walks (cel-go's string traversal factor is 0.1). The
 * limits are upstream's (k8s.io/apiserver/pkg/apis/cel/config.go).
 *
 * Evaluation is synchronous, so the tracker of the evaluation under way is module state.
 */

/** PER_CALL_LIMIT is upstream's PerCallLimit: the cost one rule evaluation may spend. */
export const PER_CALL_LIMIT = 1_000_000;

/** RUNTIME_COST_BUDGET is upstream's RuntimeCELCostBudget: all rules of one object together. */
export const RUNTIME_COST_BUDGET = 10_000_000;

/** CostLimitExceeded aborts an evaluation that spent more than its limit. */
export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

interface Tracker {
  cost: number;
  limit: number;
  exceeded: boolean;
}

let current: Tracker | undefined;

/** charge adds cost to the evaluation under way; it throws once the limit is passed. */
export function charge(units: number): void {
  const t = current;
  if (!t) return;
  t.cost += units;
  if (t.cost > t.limit) {
    t.exceeded = true;
    throw new CostLimitExceeded();
  }
}

/** chargeSize charges the traversal of `size` characters or elements (factor 0.1, as cel-go). */
export function chargeSize(size: number): void {
  if (size > 0) charge(Math.ceil(size * 0.1));
}

/** MeteredResult is what metered returns: the value, the cost spent, and whether it ran out. */
export interface MeteredResult<T> {
  value: T;
  cost: number;
  exceeded: boolean;
}

/** metered runs `fn` with a fresh tracker limited to `limit`. */
export function metered<T>(limit: number, fn: () => T): MeteredResult<T> {
  const outer = current;
  const t: Tracker = { cost: 0, limit, exceeded: false };
  current = t;
  try {
    const value = fn();
    return { value, cost: t.cost, exceeded: t.exceeded };
  } finally {
    current = outer;
  }
}

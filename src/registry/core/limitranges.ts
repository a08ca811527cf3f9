/** LimitRanges (core/v1): container items default their default and defaultRequest from max/min. */
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';

function resourceMap(v: unknown): Record<string, unknown> {
  return isPlainObject(v) ? v : {};
}

/** defaults applies upstream's SetDefaults_LimitRangeItem to Container items. */
function defaults(lr: KubeObject): void {
  const limits = isPlainObject(lr.spec) && Array.isArray(lr.spec.limits) ? lr.spec.limits : [];
  for (const item of limits) {
    if (!isPlainObject(item) || item.type !== 'Container') continue;
    const def = resourceMap(item.default);
    const req = resourceMap(item.defaultRequest);
    for (const [k, v] of Object.entries(resourceMap(item.max))) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (req[k] === undefined) req[k] = v;
    for (const [k, v] of Object.entries(resourceMap(item.min))) if (req[k] === undefined) req[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(req).length) item.defaultRequest = req;
  }
}

/** strategy is what limitranges does differently from the default strategy. */
export const strategy: StrategyOverrides = { defaults };

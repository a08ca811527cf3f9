/**
 * rolebindings (rbac.authorization.k8s.io/v1): names are path segments, not DNS names, because
 * upstream's bootstrap names contain colons (system:node, system:aggregate-to-admin). Rules and
 * references are validated as pkg/apis/rbac/validation does.
 */
import type { StrategyOverrides } from '../strategy';
import { validateRoleBinding, validateRoleRefUnchanged } from './validation';
import { defaultBinding } from './subjects';

/** strategy is what rolebindings does differently from the default strategy. */
export const strategy: StrategyOverrides = { nameRule: 'path-segment', defaults: defaultBinding, validate: validateRoleBinding, validateUpdate: validateRoleRefUnchanged };

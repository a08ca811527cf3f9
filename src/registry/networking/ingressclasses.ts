/** IngressClasses (networking.k8s.io): generation tracks spec changes, as upstream's strategy sets it. */
import type { StrategyOverrides } from '../strategy';

/** strategy is what ingressclasses does differently from the default strategy. */
export const strategy: StrategyOverrides = { tracksGeneration: true };

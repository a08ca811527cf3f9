/** HorizontalPodAutoscalers (autoscaling/v1): at least one replica unless told otherwise. */
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';

/** strategy is what horizontalpodautoscalers does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  tracksGeneration: false,
  defaults: (hpa: KubeObject) => {
    if (isPlainObject(hpa.spec)) hpa.spec.minReplicas ??= 1;
  },
};

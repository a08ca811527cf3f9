/** PodTemplates (core/v1): their template gets the PodSpec defaults. */
import type { KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';
import { defaultPodTemplate } from './podspec';

/** strategy is what podtemplates does differently from the default strategy. */
export const strategy: StrategyOverrides = { defaults: (t: KubeObject) => defaultPodTemplate(t.template) };

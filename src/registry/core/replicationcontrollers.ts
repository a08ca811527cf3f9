/**
 * ReplicationControllers (core/v1): a selector and labels default to the template's labels.
 */
import { isPlainObject, type KubeObject } from '../../meta/object';
import type { StrategyOverrides } from '../strategy';
import { defaultPodTemplate } from './podspec';

/** defaults applies upstream's SetDefaults_ReplicationController and its pod template defaults. */
function defaults(rc: KubeObject): void {
  if (!isPlainObject(rc.spec)) return;
  const spec = rc.spec;
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  const labels = template && isPlainObject(template.metadata) && isPlainObject(template.metadata.labels) ? (template.metadata.labels as Record<string, string>) : undefined;
  if (labels) {
    if (!isPlainObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...labels };
  }
  spec.replicas ??= 1;
  defaultPodTemplate(template);
}

/** strategy is what replicationcontrollers does differently from the default strategy. */
export const strategy: StrategyOverrides = { defaults, defaultPropagationPolicy: 'Orphan', scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } };

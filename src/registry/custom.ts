/**
 * The strategy of custom resources, derived from their CustomResourceDefinition: what
 * apiextensions-apiserver's customResourceStrategy does differently from built-in kinds.
 */
import type { FieldError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { ScaleSpec, Strategy } from './strategy';

export interface CustomResourceRules {
  /** validate runs the CRD's CEL rules (and other checks beyond the schema). */
  validate?(obj: KubeObject): FieldError[];
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
}

/** customResourceStrategy is the strategy of a custom resource's storage version. */
export function customResourceStrategy(d: ResourceDescriptor, scale: ScaleSpec | undefined, rules: CustomResourceRules = {}): Strategy {
  const hasStatus = d.subresources.some((s) => s.name === 'status');
  return {
    nameRule: 'subdomain',
    tracksGeneration: true,
    // Without a status subresource, status is ordinary content and any change moves generation.
    generationCovers: hasStatus ? 'spec' : 'content',
    statusField: hasStatus ? 'status' : undefined,
    statusOnCreate: 'absent',
    allowCreateOnUpdate: false,
    // Custom resources need a resourceVersion on update (upstream's customResourceStrategy).
    allowUnconditionalUpdate: false,
    returnDeletedObject: true,
    scale,
    validate: rules.validate,
    validateUpdate: rules.validateUpdate ? (obj, old) => rules.validateUpdate!(obj, old) : undefined,
  };
}

/**
 * The strategy of custom resources, derived from their CustomResourceDefinition: what
 * apiextensions-apiserver's customResourceStrategy does differently from built-in kinds.
 */
import type { FieldError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { ScaleSpec, Strategy } from './strategy';

/**
 * CustomResourceRules are what a custom resource's CRD decides about its objects: defaults and
 * validation (the schema, embedded resources, list types and CEL rules), compiled from the CRD.
 */
export interface CustomResourceRules {
  /** defaults fills the schema's defaults. May mutate. */
  defaults?(obj: KubeObject): void;
  /** validate is the whole validation of a new object. */
  validate?(obj: KubeObject): FieldError[];
  /** validateUpdate is the whole validation of a changed object (it replaces validate on update). */
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
    // Defaults come before validation, as upstream's decoder applies them.
    defaults: rules.defaults,
    validate: rules.validate,
    validateUpdate: rules.validateUpdate ? (obj, old) => rules.validateUpdate!(obj, old) : undefined,
    validateUpdateIsComplete: true,
  };
}

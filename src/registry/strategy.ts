import type { FieldError } from '../apierrors';
import type { KubeObject } from '../meta/object';
import type { RequestContext } from './context';
import type { TablePrinter } from './printer';

/** ScaleSpec locates replicas and selector for the scale subresource (JSONPath-like, `.spec.replicas`). */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** Finish completes a write a begin* hook prepared for: ok tells whether the write happened. */
export type Finish = (ok: boolean) => Promise<void>;

/**
 * NameRule is how a kind's names are validated (upstream's ValidateNameFunc choices):
 * NameIsDNSSubdomain, NameIsDNSLabel, NameIsDNS1035Label and path segments.
 */
export type NameRule = 'subdomain' | 'label' | 'dns1035-label' | 'path-segment';

/**
 * Strategy is what is specific about one resource. The Store calls the hooks in one fixed order
 * (see store.ts) so no resource can skip a step. Hooks marked "may mutate" change the object in
 * place; the others must not.
 */
export interface Strategy {
  /** nameRule validates metadata.name (and generateName as a prefix). */
  nameRule: NameRule;
  /** tracksGeneration sets metadata.generation to 1 on create and bumps it when the spec changes. */
  tracksGeneration: boolean;
  /**
   * generationCovers says what moves generation: the spec (default), the spec and the
   * annotations (deployments, whose annotations are copied to their replica sets), or all
   * content but metadata and status.
   */
  generationCovers?: 'spec' | 'specAndAnnotations' | 'content';
  /** statusField names the part owned by the status subresource, preserved by main-resource writes. */
  statusField?: string;
  /**
   * fieldSubresources are the subresources that write one field of the object, by path
   * (pods/ephemeralcontainers: spec.ephemeralContainers): GET returns the object, and an update
   * through one keeps everything else as stored, as the status subresource does for status.
   */
  fieldSubresources?: Readonly<Record<string, readonly string[]>>;
  /** statusOnCreate is what a create leaves in statusField: `{}` (built-in structs) or nothing (custom resources). */
  statusOnCreate?: 'empty' | 'absent';
  /** allowCreateOnUpdate lets PUT create a missing object. */
  allowCreateOnUpdate: boolean;
  /** allowUnconditionalUpdate lets PUT without resourceVersion overwrite. */
  allowUnconditionalUpdate: boolean;
  /**
   * defaults applies the kind's defaulting (upstream defaults.go) on every write, before
   * prepareFor*. May mutate.
   */
  defaults?(obj: KubeObject): void;
  /** prepareForCreate clears fields a client may not set on create. May mutate. */
  prepareForCreate?(obj: KubeObject): void;
  /** prepareForUpdate carries over fields a client may not change. May mutate obj, not old. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, subresource?: string): void;
  /**
   * requiredDetails gives the detail upstream's hand-written validation adds to a Required error
   * that kapi's schema check reports first, by field path with list indices written `[*]`
   * (`spec.rules[*].http.paths[*].pathType` → `pathType must be specified`).
   */
  requiredDetails?: Readonly<Record<string, string>>;
  /** validate returns semantic errors beyond the schema. Must not mutate. */
  validate?(obj: KubeObject): FieldError[];
  /** validateUpdate returns errors about the transition from old. Must not mutate. */
  validateUpdate?(obj: KubeObject, old: KubeObject, subresource?: string): FieldError[];
  /**
   * validateUpdateIsComplete makes an update run validateUpdate alone, as upstream's ValidateUpdate
   * does for kinds whose update validation is a whole validation in itself (custom resources:
   * it ratchets against the old object). By default an update runs validate, then validateUpdate.
   */
  validateUpdateIsComplete?: boolean;
  /** warnings are sent as Warning headers. Must not mutate. */
  warnings?(obj: KubeObject, old?: KubeObject): string[];
  /** canonicalize normalizes the object before it is stored. May mutate. */
  canonicalize?(obj: KubeObject): void;
  /** returnDeletedObject answers DELETE with the object instead of a Status (pods, service accounts). */
  returnDeletedObject?: boolean;
  /**
   * beginCreate reserves what a new, validated object needs outside itself (a ClusterIP, node
   * ports) and may fill it in; the Store calls the returned Finish after the write. Under dry
   * run it checks without reserving. May mutate.
   */
  beginCreate?(ctx: RequestContext, obj: KubeObject): Promise<Finish>;
  /** beginUpdate is beginCreate for a changed object; Finish(true) releases what old no longer needs. */
  beginUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): Promise<Finish>;
  /** finalizing tells that a deletion must wait for more than metadata.finalizers (namespaces' spec.finalizers). */
  finalizing?(obj: KubeObject): boolean;
  /**
   * checkGracefulDelete is upstream's CheckGracefulDelete for kinds deleted gracefully (pods):
   * given the requested period (undefined when the request names none), it returns the grace
   * period of this deletion, 0 meaning at once, or undefined when this object is not deleted
   * gracefully. Absent: the kind is always deleted at once. Must not mutate.
   */
  checkGracefulDelete?(obj: KubeObject, gracePeriodSeconds: number | undefined): number | undefined;
  /** markDeleting changes what the start of a deletion that has to wait changes besides deletionTimestamp. May mutate. */
  markDeleting?(obj: KubeObject): void;
  /** defaultPropagationPolicy applies when a DELETE names none (upstream: Background, but Orphan for replication controllers). */
  defaultPropagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  /** afterDelete releases what a deleted object held. */
  afterDelete?(ctx: RequestContext, obj: KubeObject): Promise<void>;
  /**
   * subresourceActions serve POSTs to action subresources (pods/binding, pods/eviction); each
   * returns the response body (a Status).
   */
  subresourceActions?: Readonly<Record<string, (ctx: RequestContext, name: string, body: Record<string, unknown>) => Promise<unknown>>>;
  /** createAction replaces storing for resources that are only verbs on others (core/v1 bindings). */
  createAction?: (ctx: RequestContext, body: Record<string, unknown>) => Promise<unknown>;
  /** scale, when set, serves the scale subresource over these paths. */
  scale?: ScaleSpec;
  /** printer computes Table rows when some columns are not plain JSONPaths. */
  printer?: TablePrinter;
}

/** StrategyOverrides is what a resource's own module sets; the rest comes from the default. */
export type StrategyOverrides = Partial<Strategy>;

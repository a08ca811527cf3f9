/**
 * Structural is the part of a CRD version's openAPIV3Schema that CEL rules depend on, read once
 * from the JSON (apiextensions.k8s.io/v1 JSONSchemaProps), as upstream's schema.Structural.
 */

/** ValidationRule is one entry of x-kubernetes-validations. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** Structural is one node of a structural schema. */
export interface Structural {
  type: string;
  format?: string;
  nullable: boolean;
  properties?: Map<string, Structural>;
  items?: Structural;
  /** additionalProperties is the schema of map values. */
  additionalProperties?: Structural;
  required: readonly string[];
  maxItems?: number;
  maxLength?: number;
  maxProperties?: number;
  enum?: readonly unknown[];
  hasDefault: boolean;
  intOrString: boolean;
  preserveUnknownFields: boolean;
  embeddedResource: boolean;
  listType?: string;
  listMapKeys: readonly string[];
  mapType?: string;
  validations: readonly ValidationRule[];
  /** allOf holds the value validations of `allOf` branches (only their rules matter here). */
  allOf: readonly Structural[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** toStructural reads a JSON schema node; anything it does not know is ignored. */
export function toStructural(v: unknown): Structural {
  const s = isObject(v) ? v : {};
  const node: Structural = {
    type: str(s.type) ?? '',
    format: str(s.format),
    nullable: s.nullable === true,
    required: Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === 'string') : [],
    maxItems: num(s.maxItems),
    maxLength: num(s.maxLength),
    maxProperties: num(s.maxProperties),
    enum: Array.isArray(s.enum) ? s.enum : undefined,
    hasDefault: s.default !== undefined,
    intOrString: s['x-kubernetes-int-or-string'] === true,
    preserveUnknownFields: s['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: s['x-kubernetes-embedded-resource'] === true,
    listType: str(s['x-kubernetes-list-type']),
    listMapKeys: Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as unknown[]).filter((x): x is string => typeof x === 'string') : [],
    mapType: str(s['x-kubernetes-map-type']),
    validations: readRules(s['x-kubernetes-validations']),
    allOf: Array.isArray(s.allOf) ? s.allOf.map(toStructural) : [],
  };
  if (isObject(s.properties)) {
    node.properties = new Map(Object.entries(s.properties).map(([k, p]) => [k, toStructural(p)]));
  }
  if (isObject(s.items)) node.items = toStructural(s.items);
  // A boolean additionalProperties carries no schema (upstream's StructuralOrBool without Structural).
  if (isObject(s.additionalProperties)) node.additionalProperties = toStructural(s.additionalProperties);
  return node;
}

function readRules(v: unknown): ValidationRule[] {
  if (!Array.isArray(v)) return [];
  return v.map((r) => {
    const o = isObject(r) ? r : {};
    const rule: ValidationRule = { rule: str(o.rule) ?? '' };
    if (typeof o.message === 'string') rule.message = o.message;
    if (typeof o.messageExpression === 'string') rule.messageExpression = o.messageExpression;
    if (typeof o.reason === 'string') rule.reason = o.reason;
    if (typeof o.fieldPath === 'string') rule.fieldPath = o.fieldPath;
    if (typeof o.optionalOldSelf === 'boolean') rule.optionalOldSelf = o.optionalOldSelf;
    return rule;
  });
}

/** NAME_MAX_LENGTH caps metadata.name as upstream's DNS1123SubdomainMaxLength. */
const NAME_MAX_LENGTH = 253;

const stringNode = (maxLength?: number): Structural => ({ ...toStructural({ type: 'string' }), maxLength });

/**
 * withTypeAndObjectMeta makes apiVersion, kind, metadata.name and metadata.generateName visible
 * at the root of a resource (the custom resource or an embedded one), and nothing else of
 * metadata, as upstream's WithTypeAndObjectMeta.
 */
export function withTypeAndObjectMeta(s: Structural): Structural {
  const p = s.properties;
  const meta = p?.get('metadata');
  if (
    p &&
    p.get('kind')?.type === 'string' &&
    p.get('apiVersion')?.type === 'string' &&
    meta?.type === 'object' &&
    meta.properties &&
    meta.properties.get('name')?.type === 'string' &&
    meta.properties.get('generateName')?.type === 'string'
  ) {
    return s;
  }
  const capped = (existing: Structural | undefined, max: number) =>
    stringNode(existing?.maxLength !== undefined && existing.maxLength < max ? existing.maxLength : max);
  const props = new Map(p ?? []);
  props.set('kind', stringNode());
  props.set('apiVersion', stringNode());
  props.set('metadata', {
    ...toStructural({ type: 'object' }),
    properties: new Map([
      ['name', capped(meta?.properties?.get('name'), NAME_MAX_LENGTH)],
      ['generateName', capped(meta?.properties?.get('generateName'), NAME_MAX_LENGTH - 1)],
    ]),
  });
  return { ...s, type: s.type || 'object', properties: props };
}

/** hasValidations tells whether a node or any node below it carries rules. */
export function hasValidations(s: Structural | undefined): boolean {
  if (!s) return false;
  if (s.validations.length > 0) return true;
  if (s.allOf.some(hasValidations)) return true;
  if (hasValidations(s.items) || hasValidations(s.additionalProperties)) return true;
  for (const p of s.properties?.values() ?? []) if (hasValidations(p)) return true;
  return false;
}

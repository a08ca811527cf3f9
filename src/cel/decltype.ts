/**
 * The CEL type of a schema node (upstream's SchemaDeclType): objects with properties become
 * message-like struct types whose fields are the escapable property names, additionalProperties
 * become maps, arrays lists, int-or-string dyn, date-time and date timestamps, duration
 * durations, byte bytes. A node whose type cannot be expressed (untyped
 * x-kubernetes-preserve-unknown-fields) has no CEL type and is invisible to rules.
 */
import { escapeName } from './escape';
import { withTypeAndObjectMeta, type Structural } from './schema';
import { BOOL, BYTES, DOUBLE, DURATION, DYN, INT, STRING, TIMESTAMP, listOf, mapOf, type CelType, type StructType } from './types';

/**
 * declType returns the CEL type of `s`, naming struct types after `name` (`selfType.spec`,
 * `selfType.spec.ports.@idx`), or undefined when the node is not visible to CEL.
 */
export function declType(s: Structural, isResourceRoot: boolean, name: string): CelType | undefined {
  if (s.intOrString) return DYN;
  if (isResourceRoot) s = withTypeAndObjectMeta(s);
  switch (s.type) {
    case 'array': {
      if (!s.items) return undefined;
      const elem = declType(s.items, s.items.embeddedResource, `${name}.@idx`);
      return elem ? listOf(elem) : undefined;
    }
    case 'object': {
      if (s.additionalProperties) {
        const value = declType(s.additionalProperties, s.additionalProperties.embeddedResource, `${name}.@elem`);
        return value ? mapOf(STRING, value) : undefined;
      }
      const fields = new Map<string, CelType>();
      for (const [prop, ps] of s.properties ?? []) {
        const escaped = escapeName(prop);
        if (escaped === undefined) continue;
        const t = declType(ps, ps.embeddedResource, `${name}.${escaped}`);
        if (t) fields.set(escaped, t);
      }
      const st: StructType = { kind: 'struct', name, fields };
      return st;
    }
    case 'string':
      switch (s.format) {
        case 'byte':
          return BYTES;
        case 'duration':
          return DURATION;
        case 'date':
        case 'date-time':
          return TIMESTAMP;
      }
      return STRING;
    case 'boolean':
      return BOOL;
    case 'number':
      return DOUBLE;
    case 'integer':
      return INT;
  }
  return undefined;
}

/**
 * fieldValidation=Ignore|Warn|Strict: unknown and duplicate fields, reported the way
 * kube-apiserver's strict decoding reports them. Unknown fields are found by pruning with the
 * generated pruner and comparing; they never reach storage whatever the directive.
 */
import { StatusError, newBadRequest } from '../apierrors';
import { isPlainObject } from '../meta/object';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const DIRECTIVES = ['Ignore', 'Strict', 'Warn'] as const;

/** parseFieldValidation reads the parameter (default Warn), as upstream's CreateOptions validation. */
export function parseFieldValidation(value: string | undefined, optionsKind: string): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if ((DIRECTIVES as readonly string[]).includes(value)) return value as FieldValidation;
  const detail = `supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: ${JSON.stringify(value)}: ${detail}`, {
    group: 'meta.k8s.io',
    kind: optionsKind,
    causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: ${detail}`, field: 'fieldValidation' }],
  });
}

/** unknownFields lists the paths present in `original` and gone from `pruned`. */
export function unknownFields(original: unknown, pruned: unknown, path = ''): string[] {
  const out: string[] = [];
  if (Array.isArray(original) && Array.isArray(pruned)) {
    original.forEach((v, i) => out.push(...unknownFields(v, pruned[i], `${path}[${i}]`)));
  } else if (isPlainObject(original) && isPlainObject(pruned)) {
    for (const k of Object.keys(original)) {
      const p = path ? `${path}.${k}` : k;
      if (!(k in pruned)) out.push(p);
      else out.push(...unknownFields(original[k], pruned[k], p));
    }
  }
  return out;
}

/**
 * duplicateFields scans JSON text for keys repeated within one object (JSON.parse keeps the
 * last silently). It walks the structure without building values.
 */
export function duplicateFields(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    let escaped = false;
    while (i < text.length) {
      const c = text[i];
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') break;
      i++;
    }
    i++;
    const raw = text.slice(start, i);
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = str();
        const p = path ? `${path}.${key}` : key;
        if (seen.has(key)) dups.push(p);
        seen.add(key);
        ws();
        i++; // ':'
        value(p);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++; // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++; // ']'
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !',}] \n\r\t'.includes(text[i])) i++;
    }
  };
  value('');
  return dups;
}

/**
 * reportFields applies a directive to what was found: Strict refuses with upstream's message,
 * Warn returns warnings for the Warning header, Ignore says nothing.
 */
export function reportFields(directive: FieldValidation, unknown: readonly string[], duplicates: readonly string[]): string[] {
  if (directive === 'Ignore' || (unknown.length === 0 && duplicates.length === 0)) return [];
  const messages = [...duplicates.map((p) => `duplicate field "${p}"`), ...unknown.map((p) => `unknown field "${p}"`)];
  if (directive === 'Strict') throw newBadRequest(`strict decoding error: ${messages.join(', ')}`);
  return messages;
}

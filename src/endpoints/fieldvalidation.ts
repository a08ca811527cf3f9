/**
 * fieldValidation=Ignore|Warn|Strict: unknown and duplicate fields, reported the way
 * kube-apiserver's strict decoding reports them. Unknown fields are found by pruning with the
 * generated pruner and comparing; they never reach storage whatever the directive.
 */
import { newBadRequest } from '../apierrors';
import { isPlainObject } from '../meta/object';
import { jsonTextShape } from './jsontext';

/** FieldValidation is the fieldValidation directive; leaving it out means Warn (read in options.ts). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

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

/** DuplicateField is a key repeated within one object, where its repetition starts in the text. */
export interface DuplicateField {
  path: string;
  at: number;
}

/**
 * walkKeys visits every object key of JSON text in document order with its path and offset,
 * telling when the key repeats one seen before in the same object. It walks the structure
 * without building values (JSON.parse keeps the last of repeated keys silently).
 */
function walkKeys(text: string, onKey: (path: string, at: number, repeated: boolean) => void): void {
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
        const at = i;
        const key = str();
        const p = path ? `${path}.${key}` : key;
        onKey(p, at, seen.has(key));
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
}

/**
 * duplicateFields lists the keys of JSON text repeated within one object, in document order.
 * `parsed`, when given, is JSON.parse of the text: JSON.parse keeps one key of each repeated
 * set, so the text has duplicates exactly when it has more keys than `parsed`, and counting is
 * far cheaper than walking the text with paths.
 */
export function duplicateFields(text: string, parsed?: unknown): DuplicateField[] {
  if (parsed !== undefined && jsonTextShape(text).keys === keyCount(parsed)) return [];
  const dups: DuplicateField[] = [];
  walkKeys(text, (path, at, repeated) => {
    if (repeated) dups.push({ path, at });
  });
  return dups;
}

/** keyCount counts the keys of every object within a JSON value. */
export function keyCount(v: unknown): number {
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) n += keyCount(x);
    return n;
  }
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    n += 1 + keyCount((v as Record<string, unknown>)[k]);
  }
  return n;
}

/** FieldReport is what a body's strict decoding found, and how to word and order it. */
export interface FieldReport {
  unknown: readonly string[];
  duplicates: readonly DuplicateField[];
  /**
   * text is the JSON body the unknown paths and duplicates were found in: given, the errors
   * are listed in document order, as one decoding pass over the body reports them (create,
   * update). Without it duplicates come first (a patch's own, then the patched object's).
   */
  text?: string;
  /** decodeError prefixes a Strict refusal (`Deployment in version "v1" cannot be handled as a Deployment: `). */
  decodeError?: string;
}

/** orderedMessages words the findings, in document order when the text is known. */
function orderedMessages(r: FieldReport): string[] {
  const duplicates = r.duplicates.map((d) => ({ at: d.at, message: `duplicate field "${d.path}"` }));
  const unknown = r.unknown.map((p) => ({ at: Infinity, message: `unknown field "${p}"` }));
  if (r.text !== undefined && unknown.length && duplicates.length) {
    const wanted = new Map(r.unknown.map((p, i) => [p, i]));
    walkKeys(r.text, (path, at) => {
      const i = wanted.get(path);
      if (i !== undefined && unknown[i].at === Infinity) unknown[i].at = at;
    });
    // A stable sort keeps unknown fields found only after decoding (no position) in their order, last.
    return [...duplicates, ...unknown].sort((a, b) => a.at - b.at).map((m) => m.message);
  }
  return [...duplicates, ...unknown].map((m) => m.message);
}

/**
 * reportFields applies a directive to what was found: Strict refuses with upstream's message,
 * Warn returns warnings for the Warning header, Ignore says nothing.
 */
export function reportFields(directive: FieldValidation, report: FieldReport): string[] {
  if (directive === 'Ignore' || (report.unknown.length === 0 && report.duplicates.length === 0)) return [];
  const messages = orderedMessages(report);
  if (directive === 'Strict') throw newBadRequest(`${report.decodeError ?? ''}strict decoding error: ${messages.join(', ')}`);
  return messages;
}

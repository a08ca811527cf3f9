/**
 * One pass over JSON text that builds no values: how many object keys it has (to tell whether
 * JSON.parse dropped repeated ones) and whether it nests deeper than kapi accepts.
 */

/**
 * MAX_NESTING_DEPTH bounds how deeply a JSON body may nest. kube-apiserver inherits Go's 10,000
 * (encoding/json, goyaml); Node's own JSON.stringify and structuredClone overflow the stack at
 * about 4,000 levels and kapi's recursive walks before that, so kapi refuses more than 1,000 —
 * far beyond any real object — with Go's message, before anything walks the document.
 */
export const MAX_NESTING_DEPTH = 1_000;

/** JsonTextShape is what the pass finds. */
export interface JsonTextShape {
  /** keys counts object keys: in well-formed JSON a colon outside a string follows each one. */
  keys: number;
  /** tooDeep is the bracket that opens level MAX_NESTING_DEPTH + 1, if any. */
  tooDeep?: string;
}

/**
 * last remembers the latest pass: a request body is asked about twice (its depth before parsing,
 * its keys after), and the text is the same. It holds one body until the next request.
 */
let last: { text: string; shape: JsonTextShape } | undefined;

/** jsonTextShape scans JSON text once (the result of the last scan is reused for the same text). */
export function jsonTextShape(text: string): JsonTextShape {
  if (last && last.text === text) return last.shape;
  let keys = 0;
  let depth = 0;
  let tooDeep: string | undefined;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x3a) keys++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_NESTING_DEPTH && tooDeep === undefined) tooDeep = text[i];
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  const shape = { keys, tooDeep };
  last = { text, shape };
  return shape;
}

/**
 * The `fieldPath` of a validation rule (upstream's ValidFieldPath): a JSON path of field and map
 * accessors relative to the rule's node, such as `.spec.replicas` or `.labels['app.kubernetes.io/name']`,
 * checked against the schema and normalized to a field path (`spec.replicas`, `labels[app.kubernetes.io/name]`).
 */
import type { Structural } from './schema';

/** FieldPathResult is the normalized path and the schema it leads to. */
export interface FieldPathResult {
  readonly path: string;
  readonly schema: Structural;
}

function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === "'") {
      let j = i + 1;
      while (j < s.length && !(s[j] === "'" && s[j - 1] !== '\\')) j++;
      out.push(s.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (s[i] === '.' || s[i] === '[' || s[i] === ']') {
      out.push(s[i]);
      i++;
      continue;
    }
    // A quote inside a name is part of it: upstream's scanner only starts a string at a token start.
    let j = i;
    while (j < s.length && !'.[]'.includes(s[j])) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', "'": "'", '\\': '\\' };

function unescapeSingleQuote(s: string): string {
  return s.replace(/\\./g, (m) => {
    const r = ESCAPES[m[1]];
    if (r === undefined) throw new Error(`invalid string literal: invalid escape char ${m}`);
    return r;
  });
}

/**
 * validFieldPath checks `jsonPath` against `schema`; it throws upstream's reason when the path
 * is not valid. `allowArrayNotation` false refuses `['x']` accessors.
 */
export function validFieldPath(jsonPath: string, schema: Structural, allowArrayNotation = true): FieldPathResult {
  const tokens = tokenize(jsonPath);
  let path = '';
  let node = schema;
  const append = (name: string) => {
    if (node.properties) {
      path = path ? `${path}.${name}` : name;
      const next = node.properties.get(name);
      if (!next) throw new Error('does not refer to a valid field');
      node = next;
    } else if (node.additionalProperties) {
      path = `${path}[${name}]`;
      node = node.additionalProperties;
    } else {
      throw new Error('does not refer to a valid field');
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === '[') {
      if (!allowArrayNotation) throw new Error('array notation is not allowed');
      const lit = tokens[++i];
      if (lit === undefined) throw new Error('unexpected end of JSON path');
      if (lit.length < 2 || lit[0] !== "'" || lit[lit.length - 1] !== "'") throw new Error(`expected single quoted string but got ${lit}`);
      append(unescapeSingleQuote(lit.slice(1, -1)));
      const close = tokens[++i];
      if (close === undefined) throw new Error('unexpected end of JSON path');
      if (close !== ']') throw new Error(`expected ] but got ${close}`);
    } else if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) throw new Error('unexpected end of JSON path');
      append(name);
    } else {
      throw new Error(`expected [ or . but got: ${tok}`);
    }
  }
  return { path, schema: node };
}

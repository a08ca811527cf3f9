/**
 * A JSONPath subset for printer columns, as CRD additionalPrinterColumns use it: `.a.b`,
 * `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`. It returns every match; the Table
 * shows the first, as kube-apiserver does.
 */
type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: '==' | '!='; value: string } };

const cache = new Map<string, Step[]>();

/** compileJsonPath parses once; printer columns are evaluated for every row. */
export function compileJsonPath(expr: string): Step[] {
  const hit = cache.get(expr);
  if (hit) return hit;
  const steps: Step[] = [];
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  if (s.startsWith('$')) s = s.slice(1);
  let i = 0;
  while (i < s.length) {
    if (s[i] === '.') {
      i++;
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      if (j > i) steps.push({ field: s.slice(i, j) });
      i = j;
    } else if (s[i] === '[') {
      const end = matchingBracket(s, i);
      const inner = s.slice(i + 1, end).trim();
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push({ filter: parseFilter(inner.slice(2, -1)) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else throw new Error(`unsupported JSONPath segment [${inner}] in ${expr}`);
      i = end + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.' && s[j] !== '[') j++;
      steps.push({ field: s.slice(i, j) });
      i = j;
    }
  }
  cache.set(expr, steps);
  return steps;
}

function matchingBracket(s: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new Error(`unbalanced [ in JSONPath ${s}`);
}

function parseFilter(text: string): { path: string[]; op: '==' | '!='; value: string } {
  const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))$/.exec(text.trim());
  if (!m) throw new Error(`unsupported JSONPath filter ${text}`);
  return { path: m[1].slice(1).split('.'), op: m[2] as '==' | '!=', value: m[3] ?? m[4] ?? m[5] };
}

/** evaluateJsonPath returns every value the path reaches. */
export function evaluateJsonPath(expr: string, root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const step of compileJsonPath(expr)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in step) {
        if (v && typeof v === 'object' && !Array.isArray(v) && step.field in v) next.push((v as Record<string, unknown>)[step.field]);
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const idx = step.index < 0 ? v.length + step.index : step.index;
          if (idx >= 0 && idx < v.length) next.push(v[idx]);
        }
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const p of step.filter.path) x = x && typeof x === 'object' ? (x as Record<string, unknown>)[p] : undefined;
          const equal = x !== undefined && String(x) === step.filter.value;
          if (step.filter.op === '==' ? equal : !equal) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}

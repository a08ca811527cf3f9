/**
 * Resource lists (`{cpu: "500m", memory: "1Gi"}`) as admission computes with them: exact sums
 * and maxima (resource.Quantity arithmetic), a pod's effective requests and limits
 * (component-helpers resource.PodRequests/PodLimits), and printing in canonical form with the
 * format of the first operand, as Quantity.Add keeps it.
 */
import { isPlainObject } from '../meta/object';
import { compareQuantities, parseQuantity, type Quantity } from '../meta/quantity';
import { formatQuantity } from '../registry/printing';

/** Amount is an exact quantity and the format it prints in. */
export interface Amount {
  q: Quantity;
  format: 'DecimalSI' | 'BinarySI';
}

export type ResourceList = Map<string, Amount>;

/** parseAmount reads one quantity; undefined when it is not one. */
export function parseAmount(raw: unknown): Amount | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const q = parseQuantity(raw);
  if (!q) return undefined;
  return { q, format: typeof raw === 'string' && /[KMGTPE]i$/.test(raw.trim()) ? 'BinarySI' : 'DecimalSI' };
}

/** resourceList reads a ResourceList object, skipping what is not a quantity. */
export function resourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isPlainObject(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const a = parseAmount(raw);
    if (a) out.set(k, a);
  }
  return out;
}

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const s = Math.max(a.scale, b.scale);
  return [a.numerator * 10n ** BigInt(s - a.scale), b.numerator * 10n ** BigInt(s - b.scale), s];
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return { numerator: x + y, scale };
}

export function subQuantity(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return { numerator: x - y, scale };
}

export const compare = compareQuantities;

/** addAmounts keeps a's format, as Quantity.Add does (a zero takes b's). */
export function addAmounts(a: Amount, b: Amount): Amount {
  return { q: addQuantity(a.q, b.q), format: a.q.numerator === 0n ? b.format : a.format };
}

/** add sums two lists key by key; a key in one list only is copied. */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? addAmounts(cur, v) : v);
  }
  return out;
}

/** subtract is a - b, key by key over a's keys. */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const o = b.get(k);
    out.set(k, o ? { q: subQuantity(v.q, o.q), format: v.format } : v);
  }
  return out;
}

/** max keeps the larger value of each key. */
export function max(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    if (!cur || compareQuantities(v.q, cur.q) > 0) out.set(k, v);
  }
  return out;
}

/** ceilScaled is ceil(q × 10^digits) (Quantity.Value for 0, MilliValue for 3). */
export function ceilScaled(q: Quantity, digits: number): bigint {
  const num = q.numerator * 10n ** BigInt(digits);
  const den = 10n ** BigInt(q.scale);
  const div = num / den;
  return num % den !== 0n && num > 0n ? div + 1n : div;
}

/** decimalText renders an exact quantity as a plain decimal number. */
function decimalText(q: Quantity): string {
  const neg = q.numerator < 0n;
  const digits = (neg ? -q.numerator : q.numerator).toString().padStart(q.scale + 1, '0');
  const int = q.scale ? digits.slice(0, digits.length - q.scale) : digits;
  const frac = q.scale ? digits.slice(digits.length - q.scale).replace(/0+$/, '') : '';
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** formatAmount prints a quantity in canonical form (Quantity.String). */
export function formatAmount(a: Amount): string {
  if (a.q.numerator === 0n) return '0';
  if (a.format === 'BinarySI') {
    const text = decimalText(a.q);
    if (/^-?\d+$/.test(text)) {
      let n = BigInt(text);
      const neg = n < 0n;
      if (neg) n = -n;
      if (n >= 1024n) {
        let i = 0;
        while (n % 1024n === 0n && i < BINARY_SUFFIXES.length - 1) {
          n /= 1024n;
          i++;
        }
        return `${neg ? '-' : ''}${n}${BINARY_SUFFIXES[i]}`;
      }
    }
  }
  return formatQuantity(decimalText(a.q));
}

/** toObject renders a list as a ResourceList object, keys sorted. */
export function toObject(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatAmount(list.get(k)!);
  return out;
}

/** prettyPrint renders `a=1,b=2`, keys sorted, as the ResourceQuota plugin's messages. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()].sort().map((k) => `${k}=${formatAmount(list.get(k)!)}`).join(',');
}

type Obj = Record<string, unknown>;

function containersOf(spec: Obj, field: 'containers' | 'initContainers'): Obj[] {
  const v = spec[field];
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function containerList(c: Obj, which: 'requests' | 'limits'): ResourceList {
  const res = isPlainObject(c.resources) ? c.resources : {};
  return resourceList(res[which]);
}

/**
 * podAggregate computes a pod's requests or limits: the sum of its containers and restartable
 * (sidecar) init containers, or the largest init container step if that is more.
 */
export function podAggregate(spec: Obj, which: 'requests' | 'limits', includeOverhead = false): ResourceList {
  let total: ResourceList = new Map();
  for (const c of containersOf(spec, 'containers')) total = add(total, containerList(c, which));
  let restartable: ResourceList = new Map();
  let initMax: ResourceList = new Map();
  for (const c of containersOf(spec, 'initContainers')) {
    let step = containerList(c, which);
    if (c.restartPolicy === 'Always') {
      total = add(total, step);
      restartable = add(restartable, step);
      step = restartable;
    } else {
      step = add(step, restartable);
    }
    initMax = max(initMax, step);
  }
  total = max(total, initMax);
  if (includeOverhead && isPlainObject(spec.overhead)) total = add(total, resourceList(spec.overhead));
  return total;
}

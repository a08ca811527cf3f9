import { newNotAcceptable } from '../apierrors';

/** MediaRange is one entry of an Accept header. */
export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
}

/** parseAccept splits an Accept header into media ranges, in the client's order. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mt, ...rawParams] = part.split(';').map((s) => s.trim());
    if (!mt) continue;
    const [type, subtype = '*'] = mt.toLowerCase().split('/');
    const params: Record<string, string> = {};
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    if (params.q === '0') continue;
    out.push({ type, subtype, params });
  }
  return out;
}

/** OutputFormat is what a response is rendered as. */
export type OutputFormat =
  | { kind: 'json' }
  | { kind: 'protobuf' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1' };

/** OUTPUT_MEDIA_TYPES are named in 406 answers, as kube-apiserver names its serializers. */
export const OUTPUT_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/**
 * negotiateObject picks the output for object endpoints: the first media range the server can
 * produce, honouring `as=Table` and `as=PartialObjectMetadata[List]` conversions. A range
 * asking for a conversion the server does not offer is skipped, like kube-apiserver does, so
 * kubectl's fallback list works.
 */
export function negotiateObject(accept: string | undefined, list: boolean, protobuf = false): OutputFormat {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { kind: 'json' };
  for (const r of ranges) {
    const as = r.params.as;
    const isJson = r.type === 'application' && (r.subtype === 'json' || r.subtype === '*');
    if (as) {
      if (!isJson || (r.params.g ?? '') !== 'meta.k8s.io') continue;
      const v = r.params.v;
      if (v !== 'v1' && v !== 'v1beta1') continue;
      if (as === 'Table') return { kind: 'table', version: v };
      if (as === (list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata')) return { kind: 'partial', version: v };
      continue;
    }
    if (r.type === '*' || (r.type === 'application' && r.subtype === '*')) return { kind: 'json' };
    if (r.type !== 'application') continue;
    if (r.subtype === 'json') return { kind: 'json' };
    // Kinds without a protobuf message skip the range, as kube-apiserver does (custom resources).
    if (r.subtype === 'vnd.kubernetes.protobuf' && protobuf) return { kind: 'protobuf' };
    if (r.subtype === 'yaml') return { kind: 'yaml' };
  }
  throw newNotAcceptable(OUTPUT_MEDIA_TYPES);
}

/** acceptsOnly tells whether the Accept header names this exact conversion (used by discovery). */
export function acceptsAggregatedDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const r of parseAccept(accept)) {
    if (r.type === 'application' && r.subtype === 'json' && r.params.g === 'apidiscovery.k8s.io' && r.params.as === 'APIGroupDiscoveryList') {
      if (r.params.v === 'v2' || r.params.v === 'v2beta1') return r.params.v;
    }
    if (!r.params.as && (r.subtype === 'json' || r.subtype === '*' || r.type === '*')) return undefined;
  }
  return undefined;
}

/** acceptsJson tells whether a JSON answer is acceptable (errors fall back to it). */
export function acceptsJson(accept: string | undefined): boolean {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return true;
  return ranges.some((r) => r.type === '*' || (r.type === 'application' && (r.subtype === '*' || r.subtype === 'json')));
}

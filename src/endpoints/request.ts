import type { Context } from 'koa';
import { parse as parseYaml } from 'yaml';
import { newBadRequest, newRequestEntityTooLarge, newUnsupportedMediaType } from '../apierrors';
import { isPlainObject } from '../meta/object';
import { keyCount } from './fieldvalidation';
import { MAX_NESTING_DEPTH, jsonTextShape } from './jsontext';

/** MAX_REQUEST_BODY_BYTES is kube-apiserver's limit on request bodies (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** BODY_MEDIA_TYPES are the request bodies accepted for create and update. */
export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] as const;

/** readBody reads the request body, refusing more than the limit without buffering it all. */
export async function readBody(ctx: Context, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) {
    ctx.req.resume();
    throw newRequestEntityTooLarge(`limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.resume();
      throw newRequestEntityTooLarge(`limit is ${limit}`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** mediaType is the Content-Type without parameters, lower-cased. */
export function mediaType(ctx: Context): string {
  return (ctx.get('content-type') || '').split(';')[0].trim().toLowerCase();
}

/**
 * decodeBody parses a JSON or YAML body into a JSON object. Errors are kube-apiserver's
 * 400 decode errors and 415 for a media type it does not read.
 */
export function decodeBody(body: Buffer, contentType: string, accepted: readonly string[] = BODY_MEDIA_TYPES): Record<string, unknown> {
  let value: unknown;
  const type = contentType || 'application/json';
  if (type === 'application/json' || type.endsWith('+json')) {
    value = parseJson(body.toString('utf8'));
  } else if (type === 'application/yaml' || type.endsWith('+yaml')) {
    value = parseYamlBody(body.toString('utf8'));
  } else {
    throw newUnsupportedMediaType(contentType, accepted);
  }
  if (!isPlainObject(value)) {
    throw newBadRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${goType(value)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  return value;
}

/** parseJson parses with the message shape of Go's decoder errors. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw newBadRequest(`couldn't get version/kind; json parse error: unexpected end of JSON input`);
  // Short texts cannot nest that deep: they are spared the scan.
  const deep = text.length > MAX_NESTING_DEPTH ? jsonTextShape(text).tooDeep : undefined;
  if (deep) throw newBadRequest(`couldn't get version/kind; json parse error: invalid character '${deep}' exceeded max depth`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw newBadRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}

function parseYamlBody(text: string): unknown {
  if (text.length > MAX_NESTING_DEPTH && jsonTextShape(text).tooDeep) throw newBadRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  // kubectl and helm send apply bodies as JSON, which is YAML: JSON.parse reads the same
  // value far faster. Repeated keys are the YAML parser's to refuse, with its message.
  if (text.trimStart().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      value = undefined;
    }
    if (value !== undefined && jsonTextShape(text).keys === keyCount(value)) return value;
  }
  try {
    return parseYaml(text, { maxAliasCount: 100, schema: 'core' }) as unknown;
  } catch (e) {
    throw newBadRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

function goType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : 'value';
}

/**
 * dropNulls removes null members of objects, as Go's decoder leaves a field at its zero value
 * when the JSON says null (`creationTimestamp: null` from kubectl's dry-run output, say).
 */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = dropNulls(v[i]);
    return v;
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else v[k] = dropNulls(v[k]);
    }
  }
  return v;
}

/** Query wraps the query string with kube-apiserver's parameter parsing rules. */
export class Query {
  constructor(private readonly q: Record<string, string | string[] | undefined>) {}

  string(name: string): string | undefined {
    const v = this.q[name];
    return Array.isArray(v) ? v[0] : v;
  }

  all(name: string): string[] {
    const v = this.q[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }

  /** bool accepts the forms Go's strconv.ParseBool does. */
  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (['1', 't', 'T', 'true', 'TRUE', 'True', ''].includes(v)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
    throw newBadRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }

  int(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  }
}

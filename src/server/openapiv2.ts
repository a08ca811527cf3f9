/**
 * /openapi/v2: the Swagger 2.0 document kubectl before 1.25 (and kubectl's and helm's fallback
 * when /openapi/v3 fails) downloads to validate manifests, explain fields and build strategic
 * merge patches. It is built from the same OpenAPI v3 documents /openapi/v3 serves
 * (openapiv2convert.ts), and served as JSON or, in gnostic's protobuf form, as kube-apiserver
 * serves it (kube-openapi's `handler` package): content negotiation on Accept, one ETag for
 * both forms (the SHA-512 of the JSON), 304 on If-None-Match / If-Modified-Since, 406 when the
 * Accept header names neither form. `/swagger-2.0.0.pb-v1` is the pre-1.10 path client-go's
 * discovery still falls back to after a 403, 404 or 406 on /openapi/v2.
 *
 * Nothing is built at start-up: the JSON document on the first request for either form (the
 * ETag needs it), the protobuf bytes on the first protobuf request. Both are kept until the
 * served v3 documents change or {@link OpenAPIV2.invalidate} is called.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Koa from 'koa';
import { parse as parseYaml } from 'yaml';
import type { OpenAPIV3 } from './openapi';
import { etagOf, swaggerFromV3, type SourceDocument, type SwaggerDocument, type V3Document } from './openapiv2convert';
import { encodeGnosticDocument } from './openapiv2proto';
import { KUBERNETES_MAJOR, KUBERNETES_MINOR } from './version';

/** OPENAPI_V2_PROTOBUF is the media type of the gnostic protobuf form, as kube-apiserver answers it. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** OPENAPI_V2_PROTOBUF_AT is the older spelling, the one kubectl 1.20's client-go asks for; answered as OPENAPI_V2_PROTOBUF. */
export const OPENAPI_V2_PROTOBUF_AT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** LEGACY_SWAGGER_PROTOBUF_PATH is the pre-/openapi/v2 location of the protobuf document. */
export const LEGACY_SWAGGER_PROTOBUF_PATH = '/swagger-2.0.0.pb-v1';

/** REPOSITORY_ROOT holds schemas/ (this file runs from dist/src/server/). */
const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Representation is one served form of the document. */
export interface Representation {
  body: Buffer;
  /** etag is unquoted; the header carries it in double quotes. */
  etag: string;
  lastModified: Date;
}

/** OpenAPIV2Options configure an {@link OpenAPIV2}. */
export interface OpenAPIV2Options {
  /**
   * documents returns the OpenAPI v3 documents to merge. It is called on the first request
   * after construction, {@link OpenAPIV2.invalidate} or a change of `sourceVersion`, so it sees
   * the API as it is then.
   */
  documents: () => readonly SourceDocument[];
  /**
   * sourceVersion is a cheap fingerprint of what `documents()` would return, checked on every
   * request: when it changes (a custom resource's group-version appeared, changed or went), the
   * document is rebuilt without anyone calling {@link OpenAPIV2.invalidate}.
   */
  sourceVersion?: () => string;
  /** infoVersion is `info.version` (kube-apiserver puts its binary version there). */
  infoVersion?: string;
  /** repositoryRoot is where schemas/proto/ is (default: this checkout). */
  repositoryRoot?: string;
}

interface Built {
  sourceVersion?: string;
  json: Representation;
  protobuf?: Representation;
}

/**
 * OpenAPIV2 holds the /openapi/v2 document, built lazily and cached.
 *
 * Custom resources: the document follows the OpenAPI v3 documents it is built from. With
 * {@link openAPIV3Sources} (what createApp uses) it is rebuilt on the first request after
 * /openapi/v3's index changes, which OpenAPIV3 does when a CustomResourceDefinition becomes
 * Established, changes or goes (its `invalidate()`). Other sources either give a
 * `sourceVersion` or call {@link OpenAPIV2.invalidate} themselves. A rebuilt document has a new
 * ETag, so clients holding the old one get a 200 instead of a 304.
 */
export class OpenAPIV2 {
  private built?: Built;
  private invalidations = 0;
  private lastModifiedMs = 0;

  constructor(private readonly opts: OpenAPIV2Options) {}

  /** generation increases with every {@link OpenAPIV2.invalidate} and every change of `sourceVersion` seen. */
  get generation(): number {
    return this.invalidations;
  }

  /** invalidate drops the cached document; the next request rebuilds it from `documents()`. */
  invalidate(): void {
    this.invalidations++;
    this.built = undefined;
  }

  /** document builds (or returns the cached) Swagger 2.0 document as an object. */
  document(): SwaggerDocument {
    return JSON.parse(this.json().body.toString('utf8')) as SwaggerDocument;
  }

  /** json is the Swagger 2.0 JSON representation. */
  json(): Representation {
    return this.build().json;
  }

  /** protobuf is gnostic's `openapi.v2.Document` encoding; it shares the JSON's ETag, as upstream. */
  protobuf(): Representation {
    const built = this.build();
    if (!built.protobuf) {
      const doc = JSON.parse(built.json.body.toString('utf8')) as SwaggerDocument;
      const body = encodeGnosticDocument(doc, this.opts.repositoryRoot ?? REPOSITORY_ROOT);
      built.protobuf = { body, etag: built.json.etag, lastModified: built.json.lastModified };
    }
    return built.protobuf;
  }

  private build(): Built {
    const sourceVersion = this.opts.sourceVersion?.();
    if (this.built && this.built.sourceVersion === sourceVersion) return this.built;
    if (this.built) this.invalidations++;
    const doc = swaggerFromV3(this.opts.documents(), {
      title: 'Kubernetes',
      version: this.opts.infoVersion ?? `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0`,
    });
    const body = Buffer.from(JSON.stringify(doc));
    // HTTP dates have whole seconds; If-Modified-Since compares against this value, so a
    // rebuild within the same second still moves it forward.
    const lastModified = new Date(Math.max(Math.floor(Date.now() / 1000) * 1000, this.lastModifiedMs + 1000));
    this.lastModifiedMs = lastModified.getTime();
    this.built = { sourceVersion, json: { body, etag: etagOf(body), lastModified } };
    return this.built;
  }
}

/**
 * openAPIV3Sources builds /openapi/v2 from what an {@link OpenAPIV3} serves: `documents` reads
 * its index, then each document, with the release each was vendored from
 * (schemas/kubernetes/provenance.yaml); `sourceVersion` is the index itself, whose entries carry
 * each document's hash, so any change to a served document shows.
 */
export function openAPIV3Sources(v3: OpenAPIV3, provenanceFile?: string): Pick<OpenAPIV2Options, 'documents' | 'sourceVersion'> {
  return { documents: documentsOfV3(v3, provenanceFile), sourceVersion: () => v3.index() };
}

/** documentsOfV3 is {@link openAPIV3Sources}' `documents`. */
export function documentsOfV3(v3: OpenAPIV3, provenanceFile = path.join(REPOSITORY_ROOT, 'schemas', 'kubernetes', 'provenance.yaml')): () => SourceDocument[] {
  return () => {
    const releases = readReleases(provenanceFile);
    const index = JSON.parse(v3.index()) as { paths: Record<string, unknown> };
    const out: SourceDocument[] = [];
    for (const p of Object.keys(index.paths)) {
      const served = v3.document(p);
      if (!served) continue;
      const doc = JSON.parse(served.body.toString('utf8')) as V3Document;
      out.push({ path: p, doc, release: releases.get(`${p.replace(/\//g, '__')}_openapi.json`) });
    }
    return out;
  };
}

/** readReleases maps vendored file names to their `release`; an absent file means no ordering. */
function readReleases(file: string): Map<string, string> {
  const releases = new Map<string, string>();
  if (!fs.existsSync(file)) return releases;
  const parsed = parseYaml(fs.readFileSync(file, 'utf8')) as { documents?: Record<string, { release?: unknown }> };
  for (const [name, meta] of Object.entries(parsed.documents ?? {})) {
    if (typeof meta?.release === 'string') releases.set(name, meta.release);
  }
  return releases;
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface AcceptClause {
  type: string;
  subtype: string;
  q: number;
  params: number;
  index: number;
}

/**
 * parseAcceptClauses orders an Accept header's media ranges as goautoneg (kube-openapi's
 * negotiator) does: by q, then concrete types before wildcards, then more parameters first.
 */
function parseAcceptClauses(header: string): AcceptClause[] {
  const clauses: AcceptClause[] = [];
  header.split(',').forEach((part, index) => {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    if (!range) return;
    const [type, subtype = '*'] = range.toLowerCase().split('/');
    let q = 1;
    let count = 0;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k.toLowerCase() === 'q') q = Number(v);
      else count++;
    }
    if (!(q > 0)) return;
    clauses.push({ type, subtype, q, params: count, index });
  });
  const rank = (c: AcceptClause) => [-c.q, c.type === '*' ? 1 : 0, c.subtype === '*' ? 1 : 0, -c.params, c.index];
  return clauses.sort((a, b) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
  });
}

type Form = 'json' | 'protobuf';

/** OFFERED lists what /openapi/v2 produces, in kube-openapi's order of preference. */
const OFFERED: readonly { subtype: string; form: Form }[] = [
  { subtype: 'json', form: 'json' },
  { subtype: OPENAPI_V2_PROTOBUF_AT.split('/')[1], form: 'protobuf' },
  { subtype: OPENAPI_V2_PROTOBUF.split('/')[1], form: 'protobuf' },
];

/** negotiateForm picks the form for an Accept header (none or empty means any), or undefined for 406. */
export function negotiateForm(accept: string | undefined): Form | undefined {
  for (const clause of parseAcceptClauses(accept || '*/*')) {
    for (const offer of OFFERED) {
      if (clause.type !== 'application' && clause.type !== '*') continue;
      if (clause.subtype !== offer.subtype && clause.subtype !== '*') continue;
      return offer.form;
    }
  }
  return undefined;
}

/** isNotModified evaluates If-None-Match (weak comparison), else If-Modified-Since, as Go's ServeContent. */
function isNotModified(ctx: Koa.Context, rep: Representation): boolean {
  const inm = ctx.get('if-none-match');
  if (inm) {
    return inm.split(',').some((tag) => {
      const t = tag.trim();
      return t === '*' || t.replace(/^W\//, '') === `"${rep.etag}"`;
    });
  }
  const ims = ctx.get('if-modified-since');
  if (ims) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && rep.lastModified.getTime() <= since;
  }
  return false;
}

function send(ctx: Koa.Context, rep: Representation, contentType: string): void {
  ctx.set('ETag', `"${rep.etag}"`);
  ctx.set('Last-Modified', rep.lastModified.toUTCString());
  if (isNotModified(ctx, rep)) {
    ctx.status = 304;
    return;
  }
  ctx.status = 200;
  ctx.type = contentType;
  ctx.body = rep.body;
}

/** serveOpenAPIV2 answers GET /openapi/v2 in the form the Accept header prefers. */
export function serveOpenAPIV2(v2: OpenAPIV2): Koa.Middleware {
  return (ctx) => {
    ctx.set('Vary', 'Accept');
    const form = negotiateForm(ctx.get('accept'));
    if (!form) {
      // kube-openapi answers a bare 406, naming nothing.
      ctx.status = 406;
      ctx.body = '';
      return;
    }
    if (form === 'json') send(ctx, v2.json(), 'application/json');
    else send(ctx, v2.protobuf(), OPENAPI_V2_PROTOBUF);
  };
}

/** serveLegacySwaggerProtobuf answers GET /swagger-2.0.0.pb-v1: the protobuf form whatever the Accept header. */
export function serveLegacySwaggerProtobuf(v2: OpenAPIV2): Koa.Middleware {
  return (ctx) => send(ctx, v2.protobuf(), 'application/octet-stream');
}

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** OpenAPIDocument is one served OpenAPI v3 document with its content hash. */
interface ServedDocument {
  body: Buffer;
  hash: string;
}

/**
 * OpenAPIV3 serves /openapi/v3 and the per-group-version documents from the vendored schema
 * files, named as upstream names them (`apis/apps/v1` is `apis__apps__v1_openapi.json`).
 * Documents are read on first use: most clients never ask, and start-up should not pay.
 */
export class OpenAPIV3 {
  private docs?: Map<string, ServedDocument>;
  private dynamicDocs?: Map<string, ServedDocument>;
  private dynamic: () => ReadonlyMap<string, unknown> = () => new Map();

  constructor(
    private readonly dir: string,
    /** served lists the group-version paths (`api/v1`, `apis/apps/v1`) the server serves. */
    private readonly served: readonly string[],
  ) {}

  /**
   * setDynamic installs the documents made at run time (custom resources' group-versions);
   * they are rebuilt on the next request after invalidate().
   */
  setDynamic(documents: () => ReadonlyMap<string, unknown>): void {
    this.dynamic = documents;
    this.dynamicDocs = undefined;
  }

  /** invalidate drops the run-time documents after the set of custom resources changed. */
  invalidate(): void {
    this.dynamicDocs = undefined;
  }

  private all(): Map<string, ServedDocument> {
    if (!this.dynamicDocs) {
      this.dynamicDocs = new Map();
      for (const [p, doc] of this.dynamic()) {
        const body = Buffer.from(JSON.stringify(doc));
        this.dynamicDocs.set(p, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
      }
    }
    return new Map([...this.load(), ...this.dynamicDocs]);
  }

  /** staticDocument reads one vendored document (templates for run-time documents). */
  staticDocument(p: string): unknown {
    const doc = this.load().get(p);
    return doc ? (JSON.parse(doc.body.toString('utf8')) as unknown) : undefined;
  }

  private load(): Map<string, ServedDocument> {
    if (this.docs) return this.docs;
    const docs = new Map<string, ServedDocument>();
    for (const p of [...this.served, 'api', 'apis', 'version']) {
      const file = path.join(this.dir, `${p.replace(/\//g, '__')}_openapi.json`);
      if (!fs.existsSync(file)) continue;
      const body = fs.readFileSync(file);
      docs.set(p, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
    }
    this.docs = docs;
    return docs;
  }

  /** index is the /openapi/v3 discovery document. */
  index(): string {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [p, d] of [...this.all()].sort(([a], [b]) => a.localeCompare(b))) {
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    }
    return JSON.stringify({ paths });
  }

  document(p: string): ServedDocument | undefined {
    return this.load().get(p) ?? this.all().get(p);
  }
}

/**
 * How long a CustomResourceDefinition created through the API takes to become usable, on a
 * server of its own (a fresh data dir): from the CRD's POST to its Established condition (seen
 * on a watch of CRDs opened beforehand) and to the first create of a custom resource that
 * succeeds (retried every RETRY_MS from the moment the POST returned, as a client that does not
 * wait would). Measured for CRDS CRDs with the real cert-manager Certificate schema (~40 KB, the
 * test fixture), each in a group of its own, and as many with a one-field schema; medians are
 * reported. The ceiling is an ordinary create on the same server (a ConfigMap POST): what any
 * write costs, before a CRD's compiling and establishing.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { KapiProcess, repoRoot, type Credentials } from './kapi';
import { printFigure, printLine, printStep, type Figure } from './report';
import { fmtMs, median } from './stats';

/** CRDS is the number of CRDs measured per schema (after WARMUP_CRDS unmeasured ones). */
const CRDS = 10;
const WARMUP_CRDS = 2;
/** RETRY_MS is the pause between attempts to create the first custom resource. */
const RETRY_MS = 2;
/** CEILING_CREATES ConfigMap creates are timed for the ceiling (after as many warm-up ones). */
const CEILING_CREATES = 20;
/** USABLE_TIMEOUT_MS bounds the wait for one CRD; a CRD that never becomes usable is a failure. */
const USABLE_TIMEOUT_MS = 30_000;
const CERTIFICATE_CRD = path.join(repoRoot, 'test', 'fixtures', 'crds', 'cert-manager.io_certificates.yaml');
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  body: string;
}

/** Http sends requests over one keep-alive agent, as a controller's client would. */
class Http {
  readonly agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  constructor(readonly creds: Credentials) {}

  send(method: string, urlPath: string, body?: unknown): Promise<Reply> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host: this.creds.host, port: this.creds.port, method, path: urlPath, agent: this.agent, ca: this.creds.ca, cert: this.creds.cert, key: this.creds.key, headers: data ? { 'content-type': 'application/json' } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  async ok(method: string, urlPath: string, expect: number, body?: unknown): Promise<Reply> {
    const r = await this.send(method, urlPath, body);
    if (r.status !== expect) throw new Error(`${method} ${urlPath}: HTTP ${r.status} (expected ${expect}): ${r.body.slice(0, 500)}`);
    return r;
  }
}

/**
 * EstablishedWatch follows every CRD on one watch and records when each is first seen with the
 * Established condition True.
 */
class EstablishedWatch {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, (at: number) => void>();
  private req?: ReturnType<typeof https.request>;
  private failure?: Error;

  async start(http: Http): Promise<void> {
    const list = JSON.parse((await http.ok('GET', CRD_PATH, 200)).body) as { metadata: { resourceVersion: string } };
    const c = http.creds;
    await new Promise<void>((resolve, reject) => {
      this.req = https.request(
        { host: c.host, port: c.port, path: `${CRD_PATH}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, ca: c.ca, cert: c.cert, key: c.key, agent: false },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`watch of CRDs: HTTP ${res.statusCode}`));
          resolve();
          let buf = '';
          res.on('data', (d: Buffer) => {
            const at = performance.now();
            buf += d.toString();
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (line.trim()) this.onEvent(JSON.parse(line) as { type: string; object: Json }, at);
            }
          });
          res.on('error', (e) => (this.failure = e));
        },
      );
      this.req.on('error', (e) => {
        this.failure = e;
        reject(e);
      });
      this.req.end();
    });
  }

  private onEvent(event: { type: string; object: Json }, at: number): void {
    const name = (event.object.metadata as { name?: string } | undefined)?.name ?? '';
    const conditions = ((event.object.status as Json | undefined)?.conditions ?? []) as { type: string; status: string }[];
    if (this.seen.has(name) || !conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    this.seen.set(name, at);
    this.waiters.get(name)?.(at);
  }

  /** established resolves with the time the CRD was first seen Established (call before creating it). */
  established(name: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const known = this.seen.get(name);
      if (known !== undefined) return resolve(known);
      const timer = setTimeout(() => reject(this.failure ?? new Error(`${name} was not Established within ${USABLE_TIMEOUT_MS} ms`)), USABLE_TIMEOUT_MS);
      this.waiters.set(name, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  stop(): void {
    this.req?.destroy();
  }
}

/** CRDSample is one CRD's timings, in ms from the start of its POST. */
interface CRDSample {
  postMs: number;
  establishedMs: number;
  firstCreateMs: number;
  /** attempts is how many creates of the custom resource were sent until one succeeded. */
  attempts: number;
}

/** SchemaKind builds the CRD and a valid custom resource for the i-th CRD of a kind of schema. */
interface SchemaKind {
  label: string;
  crd(i: number): { name: string; body: Json; collection: string; object: Json };
}

function certificateKind(prefix: string): SchemaKind {
  const template = parseYaml(fs.readFileSync(CERTIFICATE_CRD, 'utf8')) as Json & { metadata: Json; spec: Json };
  return {
    label: 'cert-manager Certificate schema',
    crd(i) {
      const group = `${prefix}${i}.bench.kapi.example.com`;
      const body = structuredClone(template);
      body.metadata = { name: `certificates.${group}` };
      body.spec.group = group;
      return {
        name: `certificates.${group}`,
        body,
        collection: `/apis/${group}/v1/namespaces/default/certificates`,
        object: { apiVersion: `${group}/v1`, kind: 'Certificate', metadata: { name: 'first' }, spec: { secretName: 'first-tls', issuerRef: { name: 'ca' }, dnsNames: ['first.example.com'] } },
      };
    },
  };
}

function smallKind(prefix: string): SchemaKind {
  return {
    label: 'one-field schema',
    crd(i) {
      const group = `${prefix}${i}.bench.kapi.example.com`;
      return {
        name: `widgets.${group}`,
        body: {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `widgets.${group}` },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural: 'widgets', kind: 'Widget' },
            versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
          },
        },
        collection: `/apis/${group}/v1/namespaces/default/widgets`,
        object: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'first' }, spec: { size: 1 } },
      };
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** measureCRD creates one CRD and times it to Established and to the first successful custom resource create. */
async function measureCRD(http: Http, watch: EstablishedWatch, c: ReturnType<SchemaKind['crd']>): Promise<CRDSample> {
  const established = watch.established(c.name);
  const t0 = performance.now();
  await http.ok('POST', CRD_PATH, 201, c.body);
  const postMs = performance.now() - t0;
  let attempts = 0;
  let firstCreateMs: number;
  for (;;) {
    attempts++;
    const r = await http.send('POST', c.collection, c.object);
    if (r.status === 201) {
      firstCreateMs = performance.now() - t0;
      break;
    }
    // Until the kind is served its URL is unknown (404); anything else is a failure.
    if (r.status !== 404) throw new Error(`creating the first ${c.name} object: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    if (performance.now() - t0 > USABLE_TIMEOUT_MS) throw new Error(`${c.name}: no create succeeded within ${USABLE_TIMEOUT_MS} ms`);
    await sleep(RETRY_MS);
  }
  const establishedMs = (await established) - t0;
  return { postMs, establishedMs, firstCreateMs, attempts };
}

async function measureKind(http: Http, watch: EstablishedWatch, kind: SchemaKind): Promise<CRDSample[]> {
  for (let i = 0; i < WARMUP_CRDS; i++) await measureCRD(http, watch, kind.crd(CRDS + i));
  const samples: CRDSample[] = [];
  for (let i = 0; i < CRDS; i++) samples.push(await measureCRD(http, watch, kind.crd(i)));
  const list = (f: (s: CRDSample) => number) => samples.map((s) => fmtMs(f(s))).join(', ');
  printLine(`${kind.label}: Established ${list((s) => s.establishedMs)}`);
  printLine(`${' '.repeat(kind.label.length)}  first create ${list((s) => s.firstCreateMs)} (attempts ${samples.map((s) => s.attempts).join(', ')})`);
  return samples;
}

/** ceilingCreateMs times ordinary creates (ConfigMaps) on the same server and connection. */
async function ceilingCreateMs(http: Http): Promise<number> {
  const create = (name: string) => http.ok('POST', '/api/v1/namespaces/default/configmaps', 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
  for (let i = 0; i < CEILING_CREATES; i++) await create(`warmup-${i}`);
  const times: number[] = [];
  for (let i = 0; i < CEILING_CREATES; i++) {
    const t0 = performance.now();
    await create(`measured-${i}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * benchCRD measures CRD create → Established and → first custom resource created on a server of
 * its own, for the real Certificate schema (the figure) and a one-field schema (a detail line).
 */
export async function benchCRD(): Promise<Figure[]> {
  printStep(`8. CustomResourceDefinitions: POST to Established (watched) and to the first successful custom resource create (retried every ${RETRY_MS} ms), ${CRDS} CRDs per schema after ${WARMUP_CRDS} warm-up ones; ceiling: one ConfigMap create`);
  const kapi = await KapiProcess.start();
  const http = new Http(kapi.creds);
  const watch = new EstablishedWatch();
  try {
    await watch.start(http);
    const ceiling = await ceilingCreateMs(http);
    printLine(`ceiling: ConfigMap create ${fmtMs(ceiling)} (median of ${CEILING_CREATES})`);
    const real = await measureKind(http, watch, certificateKind('cert'));
    const small = await measureKind(http, watch, smallKind('small'));
    const m = (samples: CRDSample[], f: (s: CRDSample) => number) => median(samples.map(f));
    const establishedMs = m(real, (s) => s.establishedMs);
    const figure: Figure = {
      name: 'CRD create to Established / to first custom resource created (cert-manager Certificate schema)',
      kapi: `Established ${fmtMs(establishedMs)}, first create ${fmtMs(m(real, (s) => s.firstCreateMs))} (POST itself ${fmtMs(m(real, (s) => s.postMs))})`,
      ceiling: `ConfigMap create ${fmtMs(ceiling)}`,
      ratio: establishedMs / ceiling,
      ratioMeaning: 'Established over one ordinary create; lower is better',
      target: 'reported (no target in the issue)',
      detail: [
        `one-field schema: Established ${fmtMs(m(small, (s) => s.establishedMs))}, first create ${fmtMs(m(small, (s) => s.firstCreateMs))} (POST itself ${fmtMs(m(small, (s) => s.postMs))})`,
        `medians of ${CRDS} CRDs, each in a group of its own, on a fresh server; times from the start of the CRD's POST`,
      ],
    };
    printFigure(figure);
    return [figure];
  } finally {
    watch.stop();
    http.agent.destroy();
    await kapi.dispose();
  }
}

if (require.main === module) {
  benchCRD().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

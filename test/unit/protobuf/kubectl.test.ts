/**
 * What kubectl 1.35 really sends in protobuf, and that we read it as Go does. A small HTTPS stub
 * answers kubectl's discovery (legacy JSON: /api, /api/v1, /apis) and records each POST's body
 * and Content-Type; the recorded bytes must equal test/fixtures/protobuf/*.bin (see its README
 * for the bytes decoded by hand). Each must decode to exactly the JSON kubectl prints for the same
 * command with `--dry-run=client -o json` (the *.json fixtures, which the live run re-checks):
 * the same Go struct, serialized by Go's encoding/json.
 */
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeKubeconfig } from '../../../src/auth/kubeconfig';
import { ensurePki } from '../../../src/auth/pki';
import { decodeObject, encodeObject, PROTOBUF_CONTENT_TYPE } from '../../../src/protobuf';
import { ensureClients } from '../../e2e/clients/install';
import { Kubectl } from '../../e2e/clients/kubectl';
import { REPO_ROOT } from './random';
import { skipWithout } from '../../support/skip';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'protobuf');
const CONFIGMAP_FIXTURE = 'kubectl-1.35-create-configmap';
const SECRET_FIXTURE = 'kubectl-1.35-create-secret-generic';
const DEPLOYMENT_FIXTURE = 'kubectl-1.35-create-deployment';

/** dryRunJson is what kubectl printed for the fixture's command with `--dry-run=client -o json`. */
function dryRunJson(fixture: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${fixture}.json`), 'utf8')) as Record<string, unknown>;
}

/**
 * EXPECTED_DEPLOYMENT, written from the Go types (k8s.io/api v0.35.7), says why the dry-run JSON
 * looks as it does: kubectl writes every non-pointer field, but Go's JSON of those zero values is
 * what the decoder must give. Left out: omitempty scalars at zero (restartPolicy "", dnsPolicy "",
 * hostNetwork false, strategy.type "", the status counters, ObjectMeta's name/namespace/uid ...)
 * and creationTimestamp (zero Time, omitzero). Kept: omitempty structs, which encoding/json never
 * omits (resources: {}, strategy: {}, status: {}), and replicas, a *int32 that kubectl set.
 */
const EXPECTED_DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'd', labels: { app: 'd' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'd' } },
    template: {
      metadata: { labels: { app: 'd' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
    },
    strategy: {},
  },
  status: {},
};

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

/** RecordingStub is the HTTPS stub: legacy discovery for configmaps and secrets, and 201 with the decoded object for POSTs. */
class RecordingStub {
  readonly requests: Recorded[] = [];
  #server: https.Server | undefined;

  async start(certPem: string, keyPem: string): Promise<string> {
    this.#server = https.createServer({ cert: certPem, key: keyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body });
        this.#answer(req.method ?? '', (req.url ?? '').split('?')[0], body, res);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #answer(method: string, url: string, body: Buffer, res: import('node:http').ServerResponse): void {
    const json = (code: number, obj: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
    if (method === 'GET' && url === '/api') return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (method === 'GET' && url === '/apis') return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (method === 'GET' && url === '/api/v1') {
      return json(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs, shortNames: ['cm'] },
          { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs },
        ],
      });
    }
    const create = /^\/apis?(?:\/apps)?\/v1\/namespaces\/([^/]+)\/(configmaps|secrets|deployments)$/.exec(url);
    if (method === 'POST' && create) {
      // answer in JSON, which kubectl accepts (it asked for protobuf or JSON)
      const { object } = decodeObject(body);
      return json(201, { ...object, metadata: { ...(object.metadata as object), namespace: create[1], uid: '6b1c7c52-2b4d-4c2f-9a57-0f1d8e5d5c3a', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' } });
    }
    json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', code: 404 });
  }
}

describe('protobuf bodies kubectl 1.35 sends', function () {
  this.timeout(120_000);

  describe('the recorded bodies (test/fixtures/protobuf)', () => {
    it('decodes kubectl create configmap x --from-literal=a=b to the JSON kubectl prints for it', async () => {
      const decoded = decodeObject(await fs.readFile(path.join(FIXTURES, `${CONFIGMAP_FIXTURE}.bin`)));
      assert.equal(decoded.apiVersion, 'v1');
      assert.equal(decoded.kind, 'ConfigMap');
      // ObjectMeta's "" and 0 (generateName ... generation) are omitempty; creationTimestamp is the zero Time
      assert.deepStrictEqual(decoded.object, dryRunJson(CONFIGMAP_FIXTURE));
      assert.deepStrictEqual(decoded.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
    });

    it('decodes kubectl create secret generic s --from-literal=p=q to the JSON kubectl prints for it (no type "")', async () => {
      const decoded = decodeObject(await fs.readFile(path.join(FIXTURES, `${SECRET_FIXTURE}.bin`)));
      assert.deepStrictEqual(decoded.object, dryRunJson(SECRET_FIXTURE));
      assert.equal(Object.hasOwn(decoded.object, 'type'), false, 'Secret.type is omitempty: "" on the wire is no type, defaulted to Opaque later');
      assert.equal(Buffer.from((decoded.object.data as Record<string, string>).p, 'base64').toString(), 'q');
    });

    it('decodes kubectl create deployment d --image=nginx to the JSON kubectl prints for it', async () => {
      const decoded = decodeObject(await fs.readFile(path.join(FIXTURES, `${DEPLOYMENT_FIXTURE}.bin`)));
      assert.deepStrictEqual(decoded.object, dryRunJson(DEPLOYMENT_FIXTURE));
      assert.deepStrictEqual(decoded.object, EXPECTED_DEPLOYMENT);
    });

    it('re-encodes the decoded configmap with only what its JSON holds, which decodes the same', async () => {
      const body = await fs.readFile(path.join(FIXTURES, `${CONFIGMAP_FIXTURE}.bin`));
      // kubectl's ObjectMeta carries seven zero values (12 00 ... 42 00); the JSON holds only the name
      const expected = Buffer.from(
        [
          '6b387300', // k8s\0
          '0a0f', '0a027631', '1209436f6e6669674d6170', // typeMeta v1 ConfigMap
          '120d', // raw
          '0a03', '0a0178', // metadata: name "x"
          '1206', '0a0161', '120162', // data a=b
          '1a00', '2200', // contentEncoding, contentType
        ].join(''),
        'hex',
      );
      const ours = encodeObject(decodeObject(body).object);
      assert.equal(ours.toString('hex'), expected.toString('hex'));
      assert.deepStrictEqual(decodeObject(ours).object, decodeObject(body).object);
    });
  });

  describe('a live kubectl against a recording stub', () => {
    let dir: string;
    let stub: RecordingStub;
    let kubectl: Kubectl;

    before(async function () {
      try {
        await ensureClients();
      } catch (e) {
        skipWithout(this, 'kubectl', e instanceof Error ? e.message : String(e));
      }
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kapi-protobuf-kubectl-'));
      const pki = await ensurePki({ dataDir: dir, hosts: [], ips: [] });
      stub = new RecordingStub();
      const server = await stub.start(pki.servingCertPem, pki.servingKeyPem);
      const kubeconfig = path.join(dir, 'kubeconfig');
      await writeKubeconfig(kubeconfig, { server, caPem: pki.caCertPem, token: 'stub', user: 'stub', namespace: 'default' });
      kubectl = new Kubectl({ kubeconfig, cacheDir: path.join(dir, 'cache') });
    });

    after(async () => {
      await kubectl?.dispose();
      await stub?.stop();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    const cases = [
      { args: ['create', 'configmap', 'x', '--from-literal=a=b'], resource: 'configmaps', fixture: CONFIGMAP_FIXTURE, out: 'configmap/x created' },
      { args: ['create', 'secret', 'generic', 's', '--from-literal=p=q'], resource: 'secrets', fixture: SECRET_FIXTURE, out: 'secret/s created' },
      { args: ['create', 'deployment', 'd', '--image=nginx'], resource: 'deployments', fixture: DEPLOYMENT_FIXTURE, out: 'deployment.apps/d created' },
    ];
    for (const c of cases) {
      it(`kubectl ${c.args.join(' ')} POSTs the recorded protobuf body`, async () => {
        const result = await kubectl.run(c.args);
        assert.match(result.stdout, new RegExp(c.out));
        const posts = stub.requests.filter((r) => r.method === 'POST' && r.url.split('?')[0].endsWith(`/v1/namespaces/default/${c.resource}`));
        assert.equal(posts.length, 1);
        assert.equal(posts[0].contentType, PROTOBUF_CONTENT_TYPE);
        assert.equal(posts[0].body.toString('hex'), (await fs.readFile(path.join(FIXTURES, `${c.fixture}.bin`))).toString('hex'));
        assert.deepStrictEqual(decodeObject(posts[0].body).object, dryRunJson(c.fixture));
      });

      it(`kubectl ${c.args.join(' ')} --dry-run=client -o json prints the recorded JSON`, async () => {
        const result = await kubectl.run([...c.args, '--dry-run=client', '-o', 'json']);
        assert.deepStrictEqual(JSON.parse(result.stdout), dryRunJson(c.fixture));
      });
    }
  });
});

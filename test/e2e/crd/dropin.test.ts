/**
 * Drop-in CRDs: the workflow the README documents — put CRD files in schemas/crds/, run the
 * generator, build, start — done on a copy of this repository with the two real CRDs of
 * ../shared/crds, then the compiled-in kinds driven with the real kubectl.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureClients, repositoryRoot } from '../clients/install';
import { TestServer } from '../../support/server';

const CRD_FIXTURES = path.join(repositoryRoot(), 'test', 'fixtures', 'crds');
const TREE_PARTS = ['package.json', 'tsconfig.json', 'schemas', 'codegen', 'src', 'generated'];

/** makeTree copies what building needs into a temp dir and links node_modules. */
function makeTree(): string {
  const root = repositoryRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-dropin-'));
  for (const part of TREE_PARTS) fs.cpSync(path.join(root, part), path.join(dir, part), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
  tsconfig.include = ['codegen', 'generated', 'src'];
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const f of fs.readdirSync(CRD_FIXTURES).filter((x) => x.endsWith('.yaml'))) fs.copyFileSync(path.join(CRD_FIXTURES, f), path.join(dir, 'schemas', 'crds', f));
  return dir;
}

describe('drop-in CRDs (schemas/crds, npm run gen, restart)', function () {
  this.timeout(240_000);
  let tree: string;
  let server: TestServer;

  before(async function () {
    await ensureClients();
    tree = makeTree();
    const root = repositoryRoot();
    execFileSync(process.execPath, [path.join(root, 'dist', 'codegen', 'main.js'), '--root', tree], { stdio: 'pipe' });
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(tree, 'tsconfig.json')], { stdio: 'pipe' });
    server = await TestServer.start({ main: path.join(tree, 'dist', 'src', 'cli', 'main.js') });
  });

  after(async function () {
    await server?.dispose();
    if (tree) fs.rmSync(tree, { recursive: true, force: true });
  });

  it('generates the kinds like built-in ones: routes, validators and table rows', function () {
    const routes = fs.readdirSync(path.join(tree, 'generated', 'routes'));
    assert.ok(routes.includes('cert-manager.io-v1.ts') && routes.includes('monitoring.coreos.com-v1.ts'), routes.join(' '));
    const table = fs.readFileSync(path.join(tree, 'generated', 'resources.ts'), 'utf8');
    assert.match(table, /"plural": "certificates"/);
    assert.match(table, /"plural": "servicemonitors"/);
  });

  it('lists the CRDs as stored CustomResourceDefinitions, established from the first start', async function () {
    const out = await server.kubectl.run(['get', 'crd', '-o', 'name']);
    assert.deepEqual(out.stdout.trim().split('\n').sort(), ['customresourcedefinition.apiextensions.k8s.io/certificates.cert-manager.io', 'customresourcedefinition.apiextensions.k8s.io/servicemonitors.monitoring.coreos.com']);
    await server.kubectl.run(['wait', '--for', 'condition=established', 'crd/certificates.cert-manager.io', '--timeout=20s']);
  });

  it('serves the kinds with their short names', async function () {
    const out = await server.kubectl.run(['api-resources', '--api-group=cert-manager.io', '-o', 'wide']);
    assert.match(out.stdout, /certificates\s+cert,certs\s+cert-manager.io\/v1\s+true\s+Certificate/);
  });

  it('creates a valid Certificate and prints the CRD printer columns', async function () {
    await server.kubectl.run(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { secretName: 'web-tls', dnsNames: ['example.com'], issuerRef: { name: 'letsencrypt' } } }),
    });
    const out = await server.kubectl.run(['get', 'certificates', '-o', 'wide']);
    assert.match(out.stdout.split('\n')[0], /^NAME\s+READY\s+SECRET\s+ISSUER\s+STATUS\s+AGE/);
    assert.match(out.stdout, /web\s+web-tls\s+letsencrypt/);
  });

  it('refuses an invalid Certificate naming the field', async function () {
    const res = await server.request('POST', '/apis/cert-manager.io/v1/namespaces/default/certificates', {
      body: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'bad' }, spec: { secretName: 7, issuerRef: { name: 'x' } } },
    });
    assert.equal(res.status, 422, res.body);
    const causes = res.json<{ details: { causes: { field: string }[] } }>().details.causes;
    assert.ok(causes.some((c) => c.field === 'spec.secretName'), JSON.stringify(causes));
  });

  it('refuses changing a drop-in CRD through the API', async function () {
    const res = await server.request('PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io', {
      body: { metadata: { labels: { x: 'y' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(res.status, 403, res.body);
    const del = await server.request('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io');
    assert.equal(del.status, 403, del.body);
  });

  it('explains a field of a compiled-in kind', async function () {
    const out = await server.kubectl.run(['explain', 'servicemonitor.spec.endpoints.port']);
    assert.match(out.stdout, /KIND:\s+ServiceMonitor/);
    assert.match(out.stdout, /FIELD:\s+port <string>/);
  });
});

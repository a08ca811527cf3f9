/**
 * Auditing end to end: --audit-log-path gets audit.k8s.io/v1 Events as JSON lines at the levels
 * and stages --audit-policy-file asks for; secrets never show their data at Metadata level.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureClients } from '../clients/install';
import { createNamespace } from '../kubectl/support';
import { TestServer } from '../../support/server';
import { certUser, cleanupIdentities, manifest, waitFor } from './support';

const NS = 'audited';
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/version", "/api", "/api/*", "/apis", "/apis/*", "/openapi*"]
  - level: Metadata
    resources: [{ group: "", resources: ["secrets"] }]
  - level: RequestResponse
    resources: [{ group: "", resources: ["configmaps"] }]
  - level: Request
    resources: [{ group: "", resources: ["pods"] }]
  - level: Metadata
`;

interface AuditEvent {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username?: string; groups?: string[] };
  impersonatedUser?: { username: string; groups?: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: Record<string, string>;
  responseStatus?: { code: number; status?: string; reason?: string; message?: string };
  requestObject?: Record<string, any>;
  responseObject?: Record<string, any>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

describe('security: audit log', function () {
  let server: TestServer;
  let dir: string;
  let logFile: string;

  const events = (): AuditEvent[] =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as AuditEvent)
      : [];
  const eventsOf = (pred: (e: AuditEvent) => boolean) => events().filter(pred);

  before(async function () {
    await ensureClients();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kapi-audit-'));
    logFile = path.join(dir, 'audit.log');
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, POLICY);
    server = await TestServer.start({ args: ['--audit-log-path', logFile, '--audit-policy-file', policy] });
    await createNamespace(server, NS);
  });

  after(async function () {
    await server?.dispose();
    await cleanupIdentities();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records a secret at Metadata level: who, what, outcome, never the data', async function () {
    await server.kubectl.run(['-n', NS, 'create', 'secret', 'generic', 'db', '--from-literal=password=hunter2-s3cr3t']);
    const ev = await waitFor(() => {
      const found = eventsOf((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets');
      return found.length >= 2 ? found : undefined;
    });
    assert.deepEqual(ev.map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
    const done = ev[1];
    assert.equal(done.kind, 'Event');
    assert.equal(done.apiVersion, 'audit.k8s.io/v1');
    assert.equal(done.level, 'Metadata');
    assert.equal(done.auditID, ev[0].auditID);
    assert.equal(done.requestURI, `/api/v1/namespaces/${NS}/secrets?fieldManager=kubectl-create&fieldValidation=Strict`);
    assert.deepEqual(done.user, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
    assert.ok(done.sourceIPs.includes('127.0.0.1'));
    assert.match(done.userAgent ?? '', /^kubectl\//);
    assert.equal(done.objectRef?.resource, 'secrets');
    assert.equal(done.objectRef?.namespace, NS);
    assert.equal(done.objectRef?.name, 'db');
    assert.equal(done.objectRef?.apiVersion, 'v1');
    assert.equal(done.responseStatus?.code, 201);
    assert.equal(done.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.match(done.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const raw = fs.readFileSync(logFile, 'utf8');
    assert.ok(!raw.includes('hunter2-s3cr3t') && !raw.includes(Buffer.from('hunter2-s3cr3t').toString('base64')), 'the secret value is not in the log');
    assert.equal(done.requestObject, undefined);
    assert.equal(done.responseObject, undefined);
  });

  it('records request and response bodies at RequestResponse level', async function () {
    await server.kubectl.run(['-n', NS, 'apply', '-f', '-'], { input: manifest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { color: 'blue' } }) });
    const done = await waitFor(() => eventsOf((e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'configmaps' && e.verb === 'create')[0]);
    assert.equal(done.level, 'RequestResponse');
    assert.equal(done.requestObject?.data.color, 'blue');
    assert.equal(done.responseObject?.data.color, 'blue');
    assert.equal(done.responseObject?.metadata.name, 'settings');
    assert.equal(done.objectRef?.name, 'settings', 'the request object names what the create acts on');
    const received = eventsOf((e) => e.auditID === done.auditID && e.stage === 'RequestReceived')[0];
    assert.equal(received.responseObject, undefined);
  });

  it('records the request but not the response at Request level', async function () {
    await server.kubectl.run(['-n', NS, 'run', 'audited-pod', '--image=nginx']);
    const done = await waitFor(() => eventsOf((e) => e.stage === 'ResponseComplete' && e.objectRef?.resource === 'pods' && e.verb === 'create')[0]);
    assert.equal(done.level, 'Request');
    assert.equal(done.requestObject?.metadata.name, 'audited-pod');
    assert.equal(done.responseObject, undefined);
  });

  it('marks when a watch started answering, and when it ended', async function () {
    const res = await server.request('GET', `/api/v1/namespaces/${NS}/configmaps?watch=true&timeoutSeconds=1`);
    assert.equal(res.status, 200);
    const stages = await waitFor(() => {
      const found = eventsOf((e) => e.verb === 'watch' && e.objectRef?.namespace === NS);
      return found.some((e) => e.stage === 'ResponseComplete') ? found.map((e) => e.stage) : undefined;
    });
    assert.deepEqual(stages, ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  });

  it('returns the audit ID in the Audit-Id header', async function () {
    const res = await server.request('GET', `/api/v1/namespaces/${NS}/configmaps/settings`);
    const id = res.headers['audit-id'] as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const done = await waitFor(() => eventsOf((e) => e.auditID === id && e.stage === 'ResponseComplete')[0]);
    assert.equal(done.verb, 'get');
    assert.equal(done.responseObject?.data.color, 'blue');
  });

  it('records refusals: 401 without a user, 403 with the decision and reason', async function () {
    const anon = await server.request('GET', `/api/v1/namespaces/${NS}/pods`, { cert: 'none' });
    assert.equal(anon.status, 401);
    const failed = await waitFor(() => eventsOf((e) => e.auditID === anon.headers['audit-id'])[0]);
    assert.equal(failed.stage, 'ResponseStarted');
    assert.deepEqual(failed.user, {});
    assert.deepEqual(failed.responseStatus, { metadata: {}, message: 'Authentication failed, no credentials provided', code: 401 } as unknown);
    const eve = await certUser(server, 'eve');
    const denied = await server.request('DELETE', `/api/v1/namespaces/${NS}/configmaps/settings`, { cert: eve.cert });
    assert.equal(denied.status, 403);
    const ev = await waitFor(() => eventsOf((e) => e.auditID === denied.headers['audit-id'] && e.stage === 'ResponseComplete')[0]);
    assert.equal(ev.user.username, 'eve');
    assert.equal(ev.annotations?.['authorization.k8s.io/decision'], 'forbid');
    assert.equal(ev.responseStatus?.code, 403);
    assert.equal(ev.responseStatus?.reason, 'Forbidden');
    assert.equal(ev.responseStatus?.message, 'configmaps "settings" is forbidden: User "eve" cannot delete resource "configmaps" in API group "" in the namespace "audited"');
  });

  it('records the impersonated user beside the real one', async function () {
    await server.kubectl.run(['--as=frank', '-n', NS, 'get', 'secrets'], { allowFailure: true });
    const ev = await waitFor(() => eventsOf((e) => e.impersonatedUser?.username === 'frank' && e.stage === 'ResponseComplete')[0]);
    assert.equal(ev.user.username, 'kubernetes-admin');
    assert.deepEqual(ev.impersonatedUser, { username: 'frank', groups: ['system:authenticated'] });
    assert.equal(ev.responseStatus?.code, 403);
  });

  it('leaves out what the policy sets to None', async function () {
    await server.request('GET', '/healthz');
    await server.request('GET', '/version');
    assert.equal(eventsOf((e) => e.requestURI === '/healthz' || e.requestURI === '/version').length, 0);
  });
});

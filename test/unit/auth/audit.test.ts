import * as assert from 'node:assert/strict';
import { AuditContext, microTime } from '../../../src/auth/audit/event';
import type { AuditSink } from '../../../src/auth/audit/log';
import { evaluatePolicy, parsePolicy, type AuditAttributes } from '../../../src/auth/audit/policy';

const POLICY = parsePolicy({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', users: ['system:kube-proxy'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods/status', 'pods/log'] }], namespaces: ['team'] },
    { level: 'Request', verbs: ['create', 'update'], resources: [{ group: 'apps', resources: ['*'] }] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'Metadata', userGroups: ['system:authenticated'], omitStages: ['ResponseStarted'] },
  ],
});

function attrs(a: Partial<AuditAttributes>): AuditAttributes {
  return { user: { name: 'bob', groups: ['system:authenticated'] }, verb: 'get', resourceRequest: true, namespace: 'team', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '', ...a };
}

describe('auth/audit', function () {
  it('takes the first matching rule', function () {
    assert.equal(evaluatePolicy(POLICY, attrs({ user: { name: 'system:kube-proxy', groups: [] }, resource: 'secrets' })).level, 'None');
    assert.equal(evaluatePolicy(POLICY, attrs({ resource: 'secrets', verb: 'create' })).level, 'Metadata');
    assert.equal(evaluatePolicy(POLICY, attrs({ resource: 'pods', subresource: 'status' })).level, 'RequestResponse');
    assert.equal(evaluatePolicy(POLICY, attrs({ resource: 'pods', subresource: 'status', namespace: 'other' })).level, 'Metadata');
    assert.equal(evaluatePolicy(POLICY, attrs({ apiGroup: 'apps', resource: 'deployments', verb: 'create' })).level, 'Request');
    assert.equal(evaluatePolicy(POLICY, attrs({ apiGroup: 'apps', resource: 'deployments', verb: 'get' })).level, 'Metadata');
    assert.equal(evaluatePolicy(POLICY, attrs({ resourceRequest: false, path: '/healthz/etcd' })).level, 'None');
    assert.equal(evaluatePolicy(POLICY, attrs({ user: undefined })).level, 'None', 'no rule matches a request without a user');
  });

  it('adds the policy-wide omitted stages to the rule', function () {
    assert.deepEqual(evaluatePolicy(POLICY, attrs({})).omitStages.sort(), ['RequestReceived', 'ResponseStarted']);
  });

  it('refuses invalid policies as kube-apiserver does', function () {
    assert.throws(() => parsePolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [] }, 'p.yaml'), /loaded illegal policy with 0 rules from file p.yaml/);
    assert.throws(() => parsePolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Everything' }] }), /rules\[0\]\.level: Unsupported value: "Everything"/);
    assert.throws(() => parsePolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['/a'], namespaces: ['x'] }] }), /cannot apply to both/);
    assert.throws(() => parsePolicy({ apiVersion: 'audit.k8s.io/v1beta1', kind: 'Policy', rules: [{ level: 'None' }] }), /no kind "Policy" is registered for version "audit.k8s.io\/v1beta1"/);
  });

  it('never records objects below Request level, and only the response at RequestResponse', function () {
    const events: Record<string, unknown>[] = [];
    const sink: AuditSink = { write: (e) => events.push(e), close: () => {} };
    const req = { auditID: 'id', requestURI: '/api/v1/namespaces/team/secrets', verb: 'create', sourceIPs: ['127.0.0.1'], userAgent: 'ua', objectRef: { resource: 'secrets', namespace: 'team', apiVersion: 'v1' }, received: new Date(0) };
    for (const level of ['Metadata', 'Request', 'RequestResponse'] as const) {
      const ac = new AuditContext(sink, { level, omitStages: [], omitManagedFields: false }, req, { name: 'bob', groups: [] });
      ac.setRequestObject({ kind: 'Secret', data: { password: 'c2VjcmV0' } });
      ac.setResponseObject({ kind: 'Secret', data: { password: 'c2VjcmV0' } });
      ac.setResponseStatus({ metadata: {}, code: 201 });
      ac.processStage('ResponseComplete');
    }
    assert.deepEqual(
      events.map((e) => [e.level, e.requestObject !== undefined, e.responseObject !== undefined]),
      [
        ['Metadata', false, false],
        ['Request', true, false],
        ['RequestResponse', true, true],
      ],
    );
    assert.ok(!JSON.stringify(events[0]).includes('c2VjcmV0'), 'secret data never appears at Metadata level');
    assert.equal(events[0].apiVersion, 'audit.k8s.io/v1');
    assert.deepEqual(events[0].responseStatus, { metadata: {}, code: 201 });
  });

  it('renders MicroTime with six fractional digits', function () {
    assert.equal(microTime(new Date('2024-01-02T03:04:05.678Z')), '2024-01-02T03:04:05.678000Z');
  });
});

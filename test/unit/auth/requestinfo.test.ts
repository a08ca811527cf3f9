import * as assert from 'node:assert/strict';
import { newRequestInfo } from '../../../src/auth/authz/requestinfo';

/** One request and the info upstream's RequestInfoFactory derives (cases from its requestinfo_test.go). */
interface Case {
  method: string;
  url: string;
  verb: string;
  group?: string;
  version?: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  parts?: string[];
}

const RESOURCE_CASES: Case[] = [
  { method: 'GET', url: '/api/v1/namespaces', verb: 'list', version: 'v1', resource: 'namespaces', parts: ['namespaces'] },
  { method: 'GET', url: '/api/v1/namespaces/other', verb: 'get', version: 'v1', namespace: 'other', resource: 'namespaces', name: 'other', parts: ['namespaces', 'other'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods', verb: 'list', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods/foo', verb: 'get', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods', 'foo'] },
  { method: 'HEAD', url: '/api/v1/namespaces/other/pods/foo', verb: 'get', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods', 'foo'] },
  { method: 'GET', url: '/api/v1/pods', verb: 'list', version: 'v1', resource: 'pods', parts: ['pods'] },
  { method: 'HEAD', url: '/api/v1/pods', verb: 'list', version: 'v1', resource: 'pods', parts: ['pods'] },
  // Special verbs in the path.
  { method: 'GET', url: '/api/v1/proxy/namespaces/other/pods/foo', verb: 'proxy', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods', 'foo'] },
  {
    method: 'GET',
    url: '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
    verb: 'proxy',
    version: 'v1',
    namespace: 'other',
    resource: 'pods',
    name: 'foo',
    parts: ['pods', 'foo', 'subpath', 'not', 'a', 'subresource'],
  },
  { method: 'GET', url: '/api/v1/watch/pods', verb: 'watch', version: 'v1', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/pods?watch=true', verb: 'watch', version: 'v1', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/pods?watch=false', verb: 'list', version: 'v1', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/watch/namespaces/other/pods', verb: 'watch', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods?watch=1', verb: 'watch', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods?watch=0', verb: 'list', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  // Subresources.
  { method: 'GET', url: '/api/v1/namespaces/other/pods/foo/status', verb: 'get', version: 'v1', namespace: 'other', resource: 'pods', subresource: 'status', name: 'foo', parts: ['pods', 'foo', 'status'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods/foo/proxy/subpath', verb: 'get', version: 'v1', namespace: 'other', resource: 'pods', subresource: 'proxy', name: 'foo', parts: ['pods', 'foo', 'proxy', 'subpath'] },
  { method: 'PUT', url: '/api/v1/namespaces/other/finalize', verb: 'update', version: 'v1', namespace: 'other', resource: 'namespaces', subresource: 'finalize', name: 'other', parts: ['namespaces', 'other', 'finalize'] },
  { method: 'PUT', url: '/api/v1/namespaces/other/status', verb: 'update', version: 'v1', namespace: 'other', resource: 'namespaces', subresource: 'status', name: 'other', parts: ['namespaces', 'other', 'status'] },
  { method: 'POST', url: '/api/v1/namespaces/ns/serviceaccounts/robot/token', verb: 'create', version: 'v1', namespace: 'ns', resource: 'serviceaccounts', subresource: 'token', name: 'robot', parts: ['serviceaccounts', 'robot', 'token'] },
  // Verbs from methods.
  { method: 'PATCH', url: '/api/v1/namespaces/other/pods/foo', verb: 'patch', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods', 'foo'] },
  { method: 'DELETE', url: '/api/v1/namespaces/other/pods/foo', verb: 'delete', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods', 'foo'] },
  { method: 'POST', url: '/api/v1/namespaces/other/pods', verb: 'create', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  // deletecollection.
  { method: 'DELETE', url: '/api/v1/nodes', verb: 'deletecollection', version: 'v1', resource: 'nodes', parts: ['nodes'] },
  { method: 'DELETE', url: '/api/v1/namespaces', verb: 'deletecollection', version: 'v1', resource: 'namespaces', parts: ['namespaces'] },
  { method: 'DELETE', url: '/api/v1/namespaces/other/pods', verb: 'deletecollection', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'DELETE', url: '/apis/extensions/v1/namespaces/other/pods', verb: 'deletecollection', group: 'extensions', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  // API groups and versions.
  { method: 'POST', url: '/apis/extensions/v1/namespaces/other/pods', verb: 'create', group: 'extensions', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'POST', url: '/apis/extensions/v1beta3/namespaces/other/pods', verb: 'create', group: 'extensions', version: 'v1beta3', namespace: 'other', resource: 'pods', parts: ['pods'] },
  { method: 'GET', url: '/apis/rbac.authorization.k8s.io/v1/clusterroles/admin', verb: 'get', group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', name: 'admin', parts: ['clusterroles', 'admin'] },
  // A single-object field selector names the object of a list or watch (kubectl get -w, delete --wait).
  { method: 'GET', url: '/api/v1/namespaces/other/pods?fieldSelector=metadata.name%3Dfoo', verb: 'list', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods?watch=true&fieldSelector=status.phase%3DRunning,metadata.name%3D%3Dfoo', verb: 'watch', version: 'v1', namespace: 'other', resource: 'pods', name: 'foo', parts: ['pods'] },
  { method: 'GET', url: '/api/v1/namespaces/other/pods?fieldSelector=metadata.name%21%3Dfoo', verb: 'list', version: 'v1', namespace: 'other', resource: 'pods', parts: ['pods'] },
];

const NON_RESOURCE_CASES: { method: string; url: string; verb: string }[] = [
  { method: 'GET', url: '/', verb: 'get' },
  { method: 'GET', url: '/healthz', verb: 'get' },
  { method: 'GET', url: '/api', verb: 'get' },
  { method: 'GET', url: '/api/v1', verb: 'get' },
  { method: 'GET', url: '/apis', verb: 'get' },
  { method: 'GET', url: '/apis/extensions', verb: 'get' },
  { method: 'GET', url: '/apis/extensions/v1', verb: 'get' },
  { method: 'POST', url: '/version', verb: 'post' },
  { method: 'GET', url: '/openapi/v3/apis/apps/v1', verb: 'get' },
];

function parse(method: string, url: string) {
  const u = new URL(url, 'https://x');
  return newRequestInfo(method, u.pathname, u.searchParams);
}

describe('auth/authz RequestInfo', function () {
  for (const c of RESOURCE_CASES) {
    it(`${c.method} ${c.url} is ${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''}`, function () {
      const { info, error } = parse(c.method, c.url);
      assert.equal(error, undefined);
      assert.equal(info.isResourceRequest, true);
      assert.deepEqual(
        { verb: info.verb, apiPrefix: info.apiPrefix, group: info.apiGroup, version: info.apiVersion, namespace: info.namespace, resource: info.resource, subresource: info.subresource, name: info.name, parts: info.parts },
        {
          verb: c.verb,
          apiPrefix: c.group ? 'apis' : 'api',
          group: c.group ?? '',
          version: c.version ?? '',
          namespace: c.namespace ?? '',
          resource: c.resource ?? '',
          subresource: c.subresource ?? '',
          name: c.name ?? '',
          parts: c.parts ?? [],
        },
      );
    });
  }

  for (const c of NON_RESOURCE_CASES) {
    it(`${c.method} ${c.url} is a non-resource request with verb ${c.verb}`, function () {
      const { info, error } = parse(c.method, c.url);
      assert.equal(error, undefined);
      assert.equal(info.isResourceRequest, false);
      assert.equal(info.verb, c.verb);
      assert.equal(info.path, new URL(c.url, 'https://x').pathname);
    });
  }

  it('reports a special verb without a resource as an error, keeping what it knows', function () {
    const { info, error } = parse('GET', '/api/v1/watch');
    assert.ok(error);
    assert.match(error.message, /unable to determine kind and namespace from url/);
    assert.equal(info.isResourceRequest, true);
    assert.equal(info.apiVersion, 'v1');
  });

  it('keeps list and watch selectors, but not those of a verb given in the path', function () {
    assert.equal(parse('GET', '/api/v1/pods?labelSelector=app%3Dweb').info.labelSelector, 'app=web');
    assert.equal(parse('DELETE', '/api/v1/namespaces/a/pods?fieldSelector=spec.nodeName%3Dn1').info.fieldSelector, 'spec.nodeName=n1');
    assert.equal(parse('GET', '/api/v1/watch/pods?labelSelector=app%3Dweb').info.labelSelector, '');
    assert.equal(parse('GET', '/api/v1/namespaces/a/pods/p?labelSelector=x').info.labelSelector, '');
  });
});

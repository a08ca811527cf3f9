/**
 * x-kubernetes-validations (CEL rules) in a CRD of our own (test/fixtures/crd-api/rules.yaml),
 * enforced on custom resources as kube-apiserver does (apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation.go): a failing rule's message, messageExpression, fieldPath
 * and reason in the causes; transition rules (oldSelf) only on update; and rules that cannot be
 * compiled refused when the CRD is created, at the rule's path (apiextensions validation.go).
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import type { Manifest } from '../kubectl/support';
import { applyCRDFile, apiFixturePath, causeAt, invalidCauses, namespacedPath, postCRD, type CRDManifest } from './support';

const GROUP = 'e2e.kapi.example.com';
const RULES = namespacedPath(GROUP, 'v1', 'default', 'rules');
const RULE_PATH = 'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]';

type Json = Record<string, unknown>;

function ruleObject(name: string, spec: Json): Json {
  return { apiVersion: `${GROUP}/v1`, kind: 'Rule', metadata: { name }, spec };
}

/** crdWithRule is a one-version CRD whose spec carries one rule, for rules refused at creation. */
function crdWithRule(plural: string, rule: Json): CRDManifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, kind: plural[0].toUpperCase() + plural.slice(1, -1) },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer' } }, 'x-kubernetes-validations': [rule] },
              },
            },
          },
        },
      ],
    },
  };
}

describe('x-kubernetes-validations (CEL) in a CRD', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await applyCRDFile(server, apiFixturePath('rules.yaml'));
  });

  after(async function () {
    await server?.dispose();
  });

  async function createRule(name: string, spec: Json): Promise<Manifest> {
    const res = await server.request('POST', RULES, { body: ruleObject(name, spec) });
    assert.equal(res.status, 201, res.body);
    return res.json<Manifest>();
  }

  function mergePatch(name: string, patch: Json) {
    return server.request('PATCH', `${RULES}/${name}`, { body: patch, headers: { 'content-type': 'application/merge-patch+json' } });
  }

  describe('on create', function () {
    it('accepts an object every rule holds for', async function () {
      await createRule('valid', { minReplicas: 1, maxReplicas: 3, owner: 'team-web', endpoint: 'https://web.example.com' });
    });

    it('reports a failing rule with its message at the field that carries the rule', async function () {
      const causes = invalidCauses(await server.request('POST', RULES, { body: ruleObject('min-over-max', { minReplicas: 5, maxReplicas: 2 }) }));
      const cause = causeAt(causes, 'spec', 'FieldValueInvalid');
      assert.ok(cause.message?.endsWith('minReplicas must not exceed maxReplicas'), cause.message);
      assert.equal(causes.length, 1, JSON.stringify(causes));
    });

    it('reports a failing rule with the text its messageExpression evaluates to', async function () {
      const causes = invalidCauses(await server.request('POST', RULES, { body: ruleObject('bad-owner', { minReplicas: 1, maxReplicas: 2, owner: 'bob' }) }));
      const cause = causeAt(causes, 'spec', 'FieldValueInvalid');
      assert.ok(cause.message?.endsWith('owner bob must start with team-'), cause.message);
    });

    it('reports a failing rule at its fieldPath with its reason', async function () {
      const causes = invalidCauses(await server.request('POST', RULES, { body: ruleObject('plain-http', { minReplicas: 1, maxReplicas: 2, endpoint: 'http://web.example.com' }) }));
      const cause = causeAt(causes, 'spec.endpoint', 'FieldValueForbidden');
      assert.equal(cause.message, 'Forbidden: endpoint must use https');
    });

    it('reports every failing rule of the object at once', async function () {
      const res = await server.request('POST', RULES, { body: ruleObject('all-bad', { minReplicas: 9, maxReplicas: 1, owner: 'eve', endpoint: 'ftp://x' }) });
      const causes = invalidCauses(res);
      assert.deepEqual(causes.map((c) => [c.field, c.reason]).sort(), [
        ['spec', 'FieldValueInvalid'],
        ['spec', 'FieldValueInvalid'],
        ['spec.endpoint', 'FieldValueForbidden'],
      ]);
      assert.equal((await server.request('GET', `${RULES}/all-bad`)).status, 404, 'nothing was stored');
    });

    it('does not evaluate transition rules on create', async function () {
      await createRule('transition-create', { minReplicas: 1, maxReplicas: 1, name: 'first', revision: 1 });
    });

    it('runs no rules while the schema itself is violated, and says so beside the schema errors', async function () {
      const causes = invalidCauses(await server.request('POST', RULES, { body: ruleObject('schema-first', { minReplicas: 1, owner: 'bob' }) }));
      causeAt(causes, 'spec.maxReplicas', 'FieldValueRequired');
      assert.ok(!causes.some((c) => c.message?.includes('must start with team-')), `no rule ran: ${JSON.stringify(causes)}`);
      // kube-apiserver's customResourceStrategy.Validate adds this cause (hasBlockingErr).
      const skipped = causes.find((c) => c.message?.includes('some validation rules were not checked because the object was invalid; correct the existing errors to complete validation'));
      assert.ok(skipped, `a cause tells the rules were skipped: ${JSON.stringify(causes)}`);
      assert.equal(skipped.reason, 'FieldValueInvalid');
    });
  });

  describe('on update', function () {
    before(async function () {
      await createRule('versioned', { minReplicas: 1, maxReplicas: 2, name: 'fixed', revision: 3 });
    });

    it('refuses a change a transition rule forbids, comparing with oldSelf', async function () {
      const immutable = await mergePatch('versioned', { spec: { name: 'renamed' } });
      const cause = causeAt(invalidCauses(immutable), 'spec.name', 'FieldValueInvalid');
      assert.equal(cause.message, 'Invalid value: "renamed": name is immutable');
      const decreasing = await mergePatch('versioned', { spec: { revision: 2 } });
      const revision = causeAt(invalidCauses(decreasing), 'spec.revision', 'FieldValueInvalid');
      assert.equal(revision.message, 'Invalid value: 2: revision may not decrease');
    });

    it('allows a change the transition rules permit', async function () {
      const res = await mergePatch('versioned', { spec: { revision: 4 } });
      assert.equal(res.status, 200, res.body);
      assert.equal((res.json<Manifest>().spec as Json).revision, 4);
    });

    it('applies the same rules to an update through kubectl', async function () {
      const run = await server.kubectl.run(['patch', 'rules.e2e.kapi.example.com', 'versioned', '--type', 'merge', '-p', '{"spec":{"maxReplicas":0}}'], { allowFailure: true });
      assert.notEqual(run.code, 0);
      assert.ok(run.stderr.includes('minReplicas must not exceed maxReplicas'), run.stderr);
    });
  });

  describe('at CRD creation', function () {
    it('refuses a rule calling an undeclared function, with the compile error at the rule', async function () {
      const res = await postCRD(server, crdWithRule('undeclareds', { rule: 'self.frobnicate()' }));
      const cause = causeAt(invalidCauses(res), `${RULE_PATH}.rule`, 'FieldValueInvalid');
      assert.ok(cause.message?.includes("compilation failed: ERROR: <input>:1:16: undeclared reference to 'frobnicate'"), cause.message);
    });

    it('refuses a rule that does not evaluate to a bool', async function () {
      const cause = causeAt(invalidCauses(await postCRD(server, crdWithRule('nonbools', { rule: 'self.limit' }))), `${RULE_PATH}.rule`, 'FieldValueInvalid');
      assert.ok(cause.message?.endsWith('cel expression must evaluate to a bool'), cause.message);
    });

    it('refuses a rule using a CEL feature kapi cannot evaluate, instead of skipping it', async function () {
      // kapi's documented limit (src/cel/README.md): optional syntax is refused at compile time,
      // so the rule is reported here and never silently skipped when objects are written.
      const cause = causeAt(invalidCauses(await postCRD(server, crdWithRule('optionals', { rule: 'self.?limit.orValue(0) >= 0' }))), `${RULE_PATH}.rule`, 'FieldValueInvalid');
      assert.ok(cause.message?.includes('compilation failed'), cause.message);
      assert.equal((await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/optionals.${GROUP}`)).status, 404);
    });

    it('refuses a fieldPath that does not name a field of the schema', async function () {
      const cause = causeAt(invalidCauses(await postCRD(server, crdWithRule('badpaths', { rule: 'true', fieldPath: '.nope' }))), `${RULE_PATH}.fieldPath`, 'FieldValueInvalid');
      assert.equal(cause.message, 'Invalid value: ".nope": must be a valid path');
    });

    it('refuses a reason that is not one of the four supported', async function () {
      const cause = causeAt(invalidCauses(await postCRD(server, crdWithRule('badreasons', { rule: 'true', reason: 'FieldValueBogus' }))), `${RULE_PATH}.reason`, 'FieldValueNotSupported');
      assert.equal(cause.message, 'Unsupported value: "FieldValueBogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"');
    });

    it('refuses a messageExpression that does not evaluate to a string', async function () {
      const res = await postCRD(server, crdWithRule('badmessages', { rule: 'true', messageExpression: 'self.limit' }));
      const cause = causeAt(invalidCauses(res), `${RULE_PATH}.messageExpression`, 'FieldValueInvalid');
      assert.ok(cause.message?.endsWith('messageExpression must evaluate to a string'), cause.message);
    });

    it('accepts rules using the Kubernetes list, string and regex extensions, and enforces them', async function () {
      const crd = crdWithRule('extensions', { rule: "self.items.all(i, i.matches('^[a-z]+$')) && self.items.isSorted() && self.items.join(',').size() <= 20", message: 'items must be sorted lowercase words' });
      const res = await postCRD(server, crd);
      assert.equal(res.status, 201, res.body);
      await server.kubectl.run(['wait', '--for', 'condition=established', `crd/extensions.${GROUP}`, '--timeout=30s']);
      const path = namespacedPath(GROUP, 'v1', 'default', 'extensions');
      const ok = await server.request('POST', path, { body: { apiVersion: `${GROUP}/v1`, kind: 'Extension', metadata: { name: 'ok' }, spec: { items: ['alpha', 'beta'] } } });
      assert.equal(ok.status, 201, ok.body);
      const bad = await server.request('POST', path, { body: { apiVersion: `${GROUP}/v1`, kind: 'Extension', metadata: { name: 'bad' }, spec: { items: ['beta', 'Alpha'] } } });
      const cause = causeAt(invalidCauses(bad), 'spec', 'FieldValueInvalid');
      assert.ok(cause.message?.endsWith('items must be sorted lowercase words'), cause.message);
    });
  });
});

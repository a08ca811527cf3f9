/**
 * Rules on the real CRDs (cert-manager Certificate, prometheus-operator ServiceMonitor): their
 * schemas carry no rules at the copied commits, so test/fixtures/cel adds realistic ones at real
 * schema paths; every rule compiles against the real schema, the valid objects pass and the
 * invalid ones fail with kube-apiserver's field paths and messages.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import { compileSchemaRules, compileSchemaRulesSync } from '../../../src/cel';
import { addRules, CEL_FIXTURES, crdSchema, messages, readYaml, REAL_CRDS, type Json } from './support';

function loadWithRules(crdFile: string, dir: string): Json {
  const schema = crdSchema(readYaml(path.join(REAL_CRDS, crdFile)));
  addRules(schema, readYaml(path.join(CEL_FIXTURES, dir, 'rules.yaml')));
  return schema;
}

const fixture = (dir: string, name: string) => readYaml(path.join(CEL_FIXTURES, dir, `${name}.yaml`));

describe('cel: the real CRDs', () => {
  it('compiles the unmodified schemas, which have no rules, to nothing to evaluate', () => {
    for (const f of ['cert-manager.io_certificates.yaml', 'monitoring.coreos.com_servicemonitors.yaml']) {
      const r = compileSchemaRulesSync(crdSchema(readYaml(path.join(REAL_CRDS, f))));
      assert.deepEqual(messages(r.errors), [], f);
      assert.equal(r.ruleCount, 0);
      assert.equal(r.hasRules, false);
      assert.deepEqual(r.validate({ spec: {} }), []);
    }
  });

  describe('Certificate', () => {
    const schema = loadWithRules('cert-manager.io_certificates.yaml', 'certificate');

    it('compiles every rule added to the real schema (through the Promise API)', async () => {
      const r = await compileSchemaRules(schema);
      assert.deepEqual(messages(r.errors), []);
      assert.equal(r.ruleCount, 25);
    });

    it('accepts a valid Certificate', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(r.validateWithWarnings(fixture('certificate', 'valid')), { errors: [], warnings: [] });
    });

    it('rejects an invalid Certificate with each failed rule at its field', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(messages(r.validate(fixture('certificate', 'invalid'))), [
        'spec.commonName: Invalid value: must be no more than 64 characters',
        'spec.literalSubject: Forbidden: literalSubject and subject are mutually exclusive',
        'spec.renewBefore: Invalid value: renewBefore (2h) must be shorter than duration (1h)',
        "spec.secretName: Invalid value: \"Bad_Secret\": secretName: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'spec.dnsNames: Duplicate value',
        'spec.dnsNames[2]: Invalid value: "Not_A_Host": invalid DNS name "Not_A_Host"',
        'spec.ipAddresses[0]: Invalid value: "2001:DB8::1": must be a canonical IP address',
        'spec.ipAddresses[1]: Invalid value: "300.1.1.1": must be a canonical IP address',
        'spec.uris[0]: Invalid value: "not a uri": must be an absolute URI',
        'spec.emailAddresses[0]: Invalid value: "admin": must be an email address',
        'spec.usages: Invalid value: cert sign requires digital signature',
        'spec.privateKey.size: Invalid value: unsupported key size 2048 for algorithm ECDSA',
        'spec.issuerRef: Invalid value: an external issuer kind needs its own group',
        'spec.nameConstraints.permitted.ipRanges[0]: Invalid value: "10.0.0.1/8": must be a CIDR without host bits',
        'spec.secretTemplate.labels: Invalid value: secretTemplate.labels must be valid labels',
        'spec.revisionHistoryLimit: Invalid value: 0: must be at least 1',
        'status: Invalid value: notBefore must be before notAfter',
      ]);
    });

    it('runs transition rules on update: immutable fields, optionalOldSelf, map-list items correlated by key', () => {
      const r = compileSchemaRulesSync(schema);
      const { errors, warnings } = r.validateWithWarnings(fixture('certificate', 'updated'), fixture('certificate', 'old'));
      assert.deepEqual(messages(errors), [
        'spec.secretName: Invalid value: secretName is immutable',
        'spec.isCA: Invalid value: true: isCA cannot be changed',
        'status: Invalid value: revision must not decrease (was 3)',
        // conditions[0] is Issuing in the new list and correlates with Issuing (old index 1).
        'status.conditions[0]: Invalid value: lastTransitionTime must advance when status changes',
      ]);
      assert.deepEqual(warnings, []);
    });

    it('skips transition rules on create, and a new isCA passes the optionalOldSelf rule', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(messages(r.validate(fixture('certificate', 'updated'))), []);
    });

    it('ratchets failures of unchanged fields into warnings on update', () => {
      const r = compileSchemaRulesSync(schema);
      const bad = fixture('certificate', 'invalid');
      const { errors, warnings } = r.validateWithWarnings(bad, structuredClone(bad));
      // The root never counts as unchanged: metadata's fields (name ...) have no schema, and a
      // field without schema does not correlate (upstream's CorrelatedObject.Key), so the root
      // rule with fieldPath .spec.commonName still fails.
      assert.deepEqual(messages(errors), ['spec.commonName: Invalid value: must be no more than 64 characters']);
      assert.equal(warnings.length, 16);
      assert.equal(warnings[0], 'spec.literalSubject: Forbidden: literalSubject and subject are mutually exclusive');
      // Changing one field brings back only the errors of the changed nodes (and their ancestors).
      const changed = structuredClone(bad) as { spec: { revisionHistoryLimit: number } };
      changed.spec.revisionHistoryLimit = -1;
      const again = r.validateWithWarnings(changed, bad);
      assert.deepEqual(messages(again.errors), [
        'spec.commonName: Invalid value: must be no more than 64 characters',
        'spec.literalSubject: Forbidden: literalSubject and subject are mutually exclusive',
        'spec.renewBefore: Invalid value: renewBefore (2h) must be shorter than duration (1h)',
        'spec.revisionHistoryLimit: Invalid value: -1: must be at least 1',
      ]);
    });
  });

  describe('ServiceMonitor', () => {
    const schema = loadWithRules('monitoring.coreos.com_servicemonitors.yaml', 'servicemonitor');

    it('compiles every rule added to the real schema', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(messages(r.errors), []);
      assert.equal(r.ruleCount, 17);
    });

    it('accepts a valid ServiceMonitor', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(r.validateWithWarnings(fixture('servicemonitor', 'valid')), { errors: [], warnings: [] });
    });

    it('rejects an invalid ServiceMonitor, a root rule at <nil> as upstream', () => {
      const r = compileSchemaRulesSync(schema);
      assert.deepEqual(messages(r.validate(fixture('servicemonitor', 'invalid'))), [
        '<nil>: Invalid value: ServiceMonitor names must be no more than 63 characters',
        'spec.selector: Invalid value: selector must not be empty',
        'spec: Invalid value: namespaceSelector.any and namespaceSelector.matchNames are mutually exclusive',
        "spec.namespaceSelector.matchNames[0]: Invalid value: \"Default\": invalid namespace name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'spec.targetLabels: Invalid value: targetLabels must be unique Prometheus label names',
        'spec.sampleLimit: Invalid value: 5000000: failed rule: self <= 1000000',
        'spec.endpoints: Invalid value: endpoint ports must be unique',
        'spec.endpoints[0]: Invalid value: port and targetPort are mutually exclusive',
        'spec.endpoints[0].bearerTokenFile: Forbidden: bearerTokenFile is deprecated, use authorization',
        'spec.endpoints[0].path: Invalid value: path must be absolute',
        'spec.endpoints[0].proxyUrl: Invalid value: "ftp://proxy": unsupported proxy URL ftp://proxy',
        'spec.endpoints[0].params: Invalid value: every parameter needs at least one value',
        'spec.endpoints[0].metricRelabelings[0].modulus: Required value: modulus is required for the hashmod action',
        'spec.endpoints[1]: Invalid value: port and targetPort are mutually exclusive',
        'spec.endpoints[1]: Invalid value: at most one of authorization, basicAuth and oauth2 may be set',
        'spec.endpoints[1].targetPort: Invalid value: 70000: targetPort must be a port number or a port name',
        'spec.endpoints[2].targetPort: Invalid value: "Bad_Name": targetPort must be a port number or a port name',
      ]);
    });
  });

  describe('Gateway API Gateway (a real CRD with rules, unchanged)', () => {
    const crd = readYaml(path.join(CEL_FIXTURES, 'gateway-api', 'gateway.networking.k8s.io_gateways.yaml'));
    const versions = (crd.spec as { versions: Array<{ name: string; schema: { openAPIV3Schema: Json } }> }).versions;

    it('compiles all its rules, in every version', () => {
      for (const v of versions) {
        const r = compileSchemaRulesSync(v.schema.openAPIV3Schema, { path: `spec.versions[${versions.indexOf(v)}].schema.openAPIV3Schema` });
        assert.deepEqual(messages(r.errors), [], v.name);
        assert.equal(r.ruleCount, 16, v.name);
      }
    });

    it('evaluates them on a valid and an invalid Gateway', () => {
      const v1 = versions.find((v) => v.name === 'v1');
      assert.ok(v1);
      const r = compileSchemaRulesSync(v1.schema.openAPIV3Schema);
      assert.deepEqual(messages(r.validate(fixture('gateway-api', 'valid'))), []);
      assert.deepEqual(messages(r.validate(fixture('gateway-api', 'invalid'))), [
        'spec.addresses: Invalid value: IPAddress values must be unique',
        'spec.addresses[2]: Invalid value: Hostname value must be empty or contain only valid characters (matching ^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)',
        'spec.infrastructure.labels: Invalid value: Label keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.',
        "spec.listeners: Invalid value: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
        "spec.listeners: Invalid value: hostname must not be specified for protocols ['TCP', 'UDP']",
        // `false || <error>` is an error in CEL: the rule reads options, which this listener lacks.
        'spec.listeners[2].tls: Invalid value: "object": no such key: options evaluating rule: certificateRefs or options must be specified when mode is Terminate',
      ]);
    });
  });
});

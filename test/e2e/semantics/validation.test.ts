/**
 * Semantic validation beyond the schema, as k8s.io/kubernetes pkg/apis/core/validation,
 * pkg/apis/apps/validation and k8s.io/apimachinery's name, label and annotation rules report it:
 * 422 Invalid, `<Kind>[.<group>] "<name>" is invalid: <field>: <ErrorBody>` for one error and
 * `[...]` for several, with one details.causes entry per error (reason FieldValue*, field path,
 * message without the path). Values render as upstream's ErrorBody does: strings quoted, numbers
 * bare, structs and maps as JSON. A malformed quantity is a decode error (400), not a 422.
 */
import * as assert from 'node:assert/strict';
import { ensureClients } from '../clients/install';
import { TestServer } from '../../support/server';
import { assertStatus, configMap, createNamespaceNamed, deployment, isGone, pod, type Json } from '../writepath/support';

const NS = 'validation';
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const SERVICES = `/api/v1/namespaces/${NS}/services`;
const PODS = `/api/v1/namespaces/${NS}/pods`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;

const DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_LABEL =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character " +
  "(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const LABEL_KEY_NAME =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
  "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

interface Cause {
  reason: string;
  field: string;
  message: string;
}

describe('semantic validation: 422 Invalid with kube-apiserver\'s causes and message shape', function () {
  let server: TestServer;

  /** expectInvalid POSTs body and checks the 422, its message and its causes; nothing is stored. */
  async function expectInvalid(collection: string, body: Json, kindAndName: string, causes: Cause[]): Promise<void> {
    const res = await server.request('POST', collection, { body });
    const rendered = causes.map((c) => `${c.field}: ${c.message}`);
    const message = `${kindAndName} is invalid: ${rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`}`;
    const status = assertStatus(res, { code: 422, reason: 'Invalid', message });
    assert.deepEqual(status.details?.causes, causes);
    assert.ok(await isGone(server, `${collection}/${body.metadata.name}`), 'an invalid object is not stored');
  }

  before(async function () {
    await ensureClients();
    server = await TestServer.start();
    await createNamespaceNamed(server, NS);
  });

  after(async function () {
    await server?.dispose();
  });

  describe('names, labels and annotations', function () {
    it('refuses a configmap name that is not a DNS subdomain', async function () {
      await expectInvalid(CONFIGMAPS, configMap('Bad_Name'), 'ConfigMap "Bad_Name"', [
        { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN}` },
      ]);
    });

    it('refuses a service name that is not a DNS-1035 label (services are stricter than configmaps)', async function () {
      await expectInvalid(
        SERVICES,
        { apiVersion: 'v1', kind: 'Service', metadata: { name: '1st-service' }, spec: { ports: [{ port: 80 }] } },
        'Service "1st-service"',
        [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "1st-service": ${DNS1035_LABEL}` }],
      );
    });

    it('refuses a label value with characters labels may not hold', async function () {
      await expectInvalid(CONFIGMAPS, configMap('bad-label-value', {}, { labels: { tier: 'front end!' } }), 'ConfigMap "bad-label-value"', [
        { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "front end!": ${LABEL_VALUE}` },
      ]);
    });

    it('refuses a label key whose name part is not a qualified name', async function () {
      await expectInvalid(CONFIGMAPS, configMap('bad-label-key', {}, { labels: { 'tier!': 'web' } }), 'ConfigMap "bad-label-key"', [
        { reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "tier!": ${LABEL_KEY_NAME}` },
      ]);
    });

    it('refuses an annotation key that is not a qualified name', async function () {
      await expectInvalid(CONFIGMAPS, configMap('bad-annotation', {}, { annotations: { 'note!': 'x' } }), 'ConfigMap "bad-annotation"', [
        { reason: 'FieldValueInvalid', field: 'metadata.annotations', message: `Invalid value: "note!": ${LABEL_KEY_NAME}` },
      ]);
    });

    it('accepts a prefixed label key and an empty label value (the control)', async function () {
      const res = await server.request('POST', CONFIGMAPS, { body: configMap('good-labels', {}, { labels: { 'example.com/tier': '', app: 'a.b_c-d' } }) });
      assert.equal(res.status, 201, res.body);
    });
  });

  describe('containers and ports', function () {
    it('refuses two containers with the same name (Duplicate value)', async function () {
      const p = pod('dup-names');
      p.spec.containers.push({ name: 'web', image: 'busybox:1.36' });
      await expectInvalid(PODS, p, 'Pod "dup-names"', [{ reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "web"' }]);
    });

    it('makes kubectl print the invalid field for duplicate container names', async function () {
      const p = pod('dup-names-kubectl');
      p.spec.containers.push({ name: 'web', image: 'busybox:1.36' });
      const out = await server.kubectl.run(['create', '-n', NS, '-f', '-'], { input: JSON.stringify(p), allowFailure: true });
      assert.notEqual(out.code, 0, out.stdout);
      assert.equal(out.stderr.trim(), 'The Pod "dup-names-kubectl" is invalid: spec.containers[1].name: Duplicate value: "web"');
    });

    it('refuses a container port outside 1-65535', async function () {
      const p = pod('port-range');
      p.spec.containers[0].ports = [{ containerPort: 70000 }];
      await expectInvalid(PODS, p, 'Pod "port-range"', [
        { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].containerPort', message: `Invalid value: 70000: ${PORT_RANGE}` },
      ]);
    });

    it('refuses a port name that is not an IANA service name', async function () {
      const p = pod('port-name');
      p.spec.containers[0].ports = [{ name: 'HTTP_port', containerPort: 8080 }];
      await expectInvalid(PODS, p, 'Pod "port-name"', [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.containers[0].ports[0].name',
          message: 'Invalid value: "HTTP_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        },
      ]);
    });

    it('refuses a service port outside 1-65535, and the targetPort defaulted from it', async function () {
      // SetDefaults_Service copies port into the unset targetPort before validation runs.
      await expectInvalid(
        SERVICES,
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-port-range' }, spec: { ports: [{ port: 70000 }] } },
        'Service "svc-port-range"',
        [
          { reason: 'FieldValueInvalid', field: 'spec.ports[0].port', message: `Invalid value: 70000: ${PORT_RANGE}` },
          { reason: 'FieldValueInvalid', field: 'spec.ports[0].targetPort', message: `Invalid value: 70000: ${PORT_RANGE}` },
        ],
      );
    });

    it('refuses a container without an image (Required value)', async function () {
      await expectInvalid(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-image' }, spec: { containers: [{ name: 'web' }] } }, 'Pod "no-image"', [
        { reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' },
      ]);
    });

    it('lists several errors in brackets, in the order validation finds them', async function () {
      const p = pod('several');
      p.spec.containers[0].ports = [{ containerPort: 70000 }];
      p.spec.containers.push({ name: 'web', image: 'busybox:1.36' });
      await expectInvalid(PODS, p, 'Pod "several"', [
        { reason: 'FieldValueInvalid', field: 'spec.containers[0].ports[0].containerPort', message: `Invalid value: 70000: ${PORT_RANGE}` },
        { reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "web"' },
      ]);
    });
  });

  describe('quantities', function () {
    it('refuses a malformed quantity while decoding: 400 BadRequest, not 422', async function () {
      const p = pod('bad-quantity');
      p.spec.containers[0].resources = { requests: { cpu: '2 cores' } };
      const res = await server.request('POST', PODS, { body: p });
      assertStatus(res, { code: 400, reason: 'BadRequest', message: `Pod in version "v1" cannot be handled as a Pod: ${QUANTITY_FORMAT}` });
      assert.ok(await isGone(server, `${PODS}/bad-quantity`));
    });

    it('refuses requests above limits with 422 naming the resource and the limit', async function () {
      const p = pod('over-limit');
      p.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '1' } };
      await expectInvalid(PODS, p, 'Pod "over-limit"', [
        { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests', message: 'Invalid value: "2": must be less than or equal to cpu limit of 1' },
      ]);
    });

    it('refuses a negative quantity', async function () {
      const p = pod('negative-quantity');
      p.spec.containers[0].resources = { requests: { memory: '-1Mi' } };
      await expectInvalid(PODS, p, 'Pod "negative-quantity"', [
        { reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests[memory]', message: 'Invalid value: "-1Mi": must be greater than or equal to 0' },
      ]);
    });
  });

  describe('workloads', function () {
    it('refuses a deployment whose selector does not match its template labels', async function () {
      const d = deployment('sel-mismatch');
      d.spec.template.metadata.labels = { app: 'other' };
      await expectInvalid(DEPLOYMENTS, d, 'Deployment.apps "sel-mismatch"', [
        { reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`' },
      ]);
    });

    it('refuses ephemeral containers in a pod template (they are added to running pods only)', async function () {
      const d = deployment('ephemeral-template');
      d.spec.template.spec.ephemeralContainers = [{ name: 'debugger', image: 'busybox:1.36' }];
      await expectInvalid(DEPLOYMENTS, d, 'Deployment.apps "ephemeral-template"', [
        { reason: 'FieldValueForbidden', field: 'spec.template.spec.ephemeralContainers', message: 'Forbidden: ephemeral containers not allowed in pod template' },
      ]);
    });

    it('refuses negative replicas', async function () {
      await expectInvalid(DEPLOYMENTS, deployment('neg-replicas', -1), 'Deployment.apps "neg-replicas"', [
        { reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
      ]);
    });

    it('refuses an empty selector on an apps/v1 deployment', async function () {
      const d = deployment('empty-selector');
      d.spec.selector = {};
      await expectInvalid(DEPLOYMENTS, d, 'Deployment.apps "empty-selector"', [
        // An empty selector selects everything, so the template-labels check has nothing to match.
        { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' },
      ]);
    });
  });

  describe('secret types', function () {
    it('requires tls.crt and tls.key for kubernetes.io/tls', async function () {
      await expectInvalid(
        SECRETS,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls-incomplete' }, type: 'kubernetes.io/tls', data: { 'tls.key': 'a2V5' } },
        'Secret "tls-incomplete"',
        [{ reason: 'FieldValueRequired', field: 'data[tls.crt]', message: 'Required value' }],
      );
    });

    it('requires .dockerconfigjson for kubernetes.io/dockerconfigjson', async function () {
      await expectInvalid(
        SECRETS,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'docker-incomplete' }, type: 'kubernetes.io/dockerconfigjson', data: {} },
        'Secret "docker-incomplete"',
        [{ reason: 'FieldValueRequired', field: 'data[.dockerconfigjson]', message: 'Required value' }],
      );
    });

    it('refuses a secret key that is not a valid config key', async function () {
      await expectInvalid(
        SECRETS,
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad-key' }, data: { 'bad key': 'dg==' } },
        'Secret "bad-key"',
        [
          {
            reason: 'FieldValueInvalid',
            field: 'data[bad key]',
            message: "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          },
        ],
      );
    });

    it('accepts a complete kubernetes.io/tls secret (the control)', async function () {
      const res = await server.request('POST', SECRETS, {
        body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls-complete' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' } },
      });
      assert.equal(res.status, 201, res.body);
    });
  });
});

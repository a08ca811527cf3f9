import assert from 'node:assert/strict';
import { Writer } from 'protobufjs/minimal';
import {
  decodeObject,
  decodeWatchEvent,
  encodeList,
  encodeObject,
  encodeStatus,
  encodeWatchEvent,
  hasProtobuf,
  ProtobufError,
  splitFrames,
} from '../../../src/protobuf';
import { readUnknown, writeEnvelope } from '../../../src/protobuf/envelope';
import { descriptorRoot } from '../../../src/protobuf/plan';

type Json = Record<string, unknown>;

/** rawHex is the hex of the object's message (the envelope's raw). */
function rawHex(obj: Json): string {
  return Buffer.from(readUnknown(encodeObject(obj)).raw).toString('hex');
}

/** bodyWith frames raw message bytes as `k8s\0` + Unknown{typeMeta, raw, "", ""}, as a Go client sends them. */
function bodyWith(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = Writer.create();
  w.fixed32(0x0073386b); // k8s\0
  w.uint32(0x0a).fork().uint32(0x0a).string(apiVersion).uint32(0x12).string(kind).ldelim();
  w.uint32(0x12).bytes(raw).uint32(0x1a).string('').uint32(0x22).string('');
  return w.finish() as Buffer;
}

/** envelope is bodyWith for a message written by hand. */
function envelope(apiVersion: string, kind: string, write: (w: Writer) => unknown): Buffer {
  const w = Writer.create();
  write(w);
  const body = bodyWith(apiVersion, kind, w.finish());
  assert.deepEqual(body.subarray(0, 4), writeEnvelope(apiVersion, kind, () => {}).subarray(0, 4));
  return body;
}

/**
 * goBody is the body a Go client sends for value, given by proto field names: protobufjs, from
 * the same descriptors but not our codec, writes every field value sets, zeros included, as
 * gogo-protobuf writes every non-pointer Go field.
 */
function goBody(apiVersion: string, kind: string, message: string, value: Json): Buffer {
  const type = descriptorRoot().lookupType(message);
  return bodyWith(apiVersion, kind, type.encode(type.fromObject(value)).finish());
}

function roundTrip(obj: Json): Json {
  return decodeObject(encodeObject(obj)).object;
}

function assertProtobufError(fn: () => unknown, reason: ProtobufError['reason'], message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ProtobufError, `expected a ProtobufError, got ${String(e)}`);
    assert.equal(e.reason, reason);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('protobuf codec', () => {
  describe('envelope', () => {
    it('writes k8s\\0 + Unknown{typeMeta, raw, contentEncoding "", contentType ""} as Go does', () => {
      const bytes = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
      assert.equal(
        bytes.toString('hex'),
        '6b387300' + '0a0f0a0276311209436f6e6669674d6170' + '120d' + '0a030a0178' + '12060a0161120162' + '1a00' + '2200',
      );
    });

    it('refuses a body without the magic, an empty body, and a content encoding', () => {
      assertProtobufError(() => decodeObject(Buffer.from('{"kind":"Pod"}')), 'Malformed', /expected prefix/);
      assertProtobufError(() => decodeObject(Buffer.alloc(0)), 'Malformed', /empty data/);
      assertProtobufError(() => decodeObject(Buffer.from('6b387300', 'hex')), 'Malformed', /empty body/);
      const w = Writer.create();
      w.fixed32(0x0073386b).uint32(0x0a).fork().uint32(0x0a).string('v1').uint32(0x12).string('Pod').ldelim();
      w.uint32(0x12).bytes(Buffer.alloc(0)).uint32(0x1a).string('gzip');
      assertProtobufError(() => decodeObject(w.finish()), 'Unsupported', /gzip/);
    });

    it('refuses truncated and corrupt bodies as Malformed', () => {
      const good = encodeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      for (let cut = 5; cut < good.length - 4; cut += 3) {
        const truncated = good.subarray(0, cut);
        assert.throws(() => decodeObject(truncated), ProtobufError, `cut at ${cut}`);
      }
      const raw = Buffer.from(readUnknown(good).raw);
      raw[0] = 0x0f; // field 1 with wire type 7, which does not exist
      assertProtobufError(() => decodeObject(bodyWith('v1', 'Pod', raw)), 'Malformed', /wire type 7/);
    });

    it('takes apiVersion and kind from the defaults when the envelope leaves them empty', () => {
      const body = envelope('', '', (w) => w.uint32(0x0a).fork().uint32(0x0a).string('x').ldelim());
      assertProtobufError(() => decodeObject(body), 'Malformed', /Kind/);
      assert.deepStrictEqual(decodeObject(body, { apiVersion: 'v1', kind: 'ConfigMap' }).object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    });

    it('has no message for custom resources and unknown kinds, but Status, DeleteOptions and WatchEvent in every group', () => {
      assert.equal(hasProtobuf('v1', 'Pod'), true);
      assert.equal(hasProtobuf('apps/v1', 'Deployment'), true);
      assert.equal(hasProtobuf('v1', 'PodList'), true);
      assert.equal(hasProtobuf('autoscaling/v1', 'Scale'), true);
      assert.equal(hasProtobuf('apps/v1', 'Pod'), false);
      assert.equal(hasProtobuf('example.com/v1', 'Widget'), false);
      assert.equal(hasProtobuf('example.com/v1', 'Status'), true);
      assert.equal(hasProtobuf('apps/v1', 'DeleteOptions'), true);
      assertProtobufError(() => encodeObject({ apiVersion: 'example.com/v1', kind: 'Widget', spec: {} }), 'NoMessage', /example.com\/v1, Kind=Widget/);
      assertProtobufError(() => decodeObject(envelope('example.com/v1', 'Widget', () => {})), 'NoMessage');
      assertProtobufError(() => encodeObject({ kind: 'Pod' }), 'Unencodable');
    });
  });

  describe('fields', () => {
    it('writes fields in ascending number and map entries in Go key order (by UTF-8 bytes)', () => {
      // labels keys: JS property order would put "10" and "2" first; Go sorts them as strings
      const hex = rawHex({ apiVersion: 'v1', kind: 'ConfigMap', data: { b: '', '2': '', a: '', '10': '', '\u{1F680}': '', '\uFFFD': '' }, metadata: { name: 'n' } });
      const keys = [...hex.matchAll(/120[0-9a-f]0a([0-9a-f]{2})((?:[0-9a-f]{2})*?)1200/g)];
      assert.ok(hex.startsWith('0a030a016e'), 'metadata (1) before data (2)');
      const order = keys.map((m) => Buffer.from(m[2], 'hex').toString('utf8'));
      assert.deepEqual(order, ['10', '2', 'a', 'b', '\uFFFD', '\u{1F680}']);
    });

    it('keeps zero values that are on the wire: a Go pointer field set to 0 or false means something', () => {
      const w = (writer: Writer) => {
        writer.uint32(0x12).fork().uint32(0x08).int32(0).ldelim(); // Deployment.spec.replicas = 0
      };
      assert.deepStrictEqual(decodeObject(envelope('apps/v1', 'Deployment', w)).object, { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 0 } });
      const pod = { apiVersion: 'v1', kind: 'Pod', spec: { automountServiceAccountToken: false, containers: [{ name: '' }], priority: 0 } };
      assert.deepStrictEqual(roundTrip(pod), pod);
    });

    it('drops what protobuf cannot tell from absent: null, empty arrays, empty maps; and zeros Go\'s JSON omits', () => {
      const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: {}, finalizers: [], namespace: null }, data: {}, binaryData: null };
      assert.deepStrictEqual(roundTrip(obj), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      // ObjectMeta.namespace and generation are omitempty values: written, then read as absent
      assert.deepStrictEqual(roundTrip({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: '', generation: 0 } }), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      // an empty object for a message field is a present, empty message
      assert.deepStrictEqual(roundTrip({ apiVersion: 'v1', kind: 'Pod', spec: {}, status: {} }), { apiVersion: 'v1', kind: 'Pod', spec: {}, status: {} });
    });

    it('writes negative int32 as ten-byte varints and int64 beyond 32 bits exactly', () => {
      const hex = rawHex({ apiVersion: 'v1', kind: 'Pod', spec: { priority: -1, activeDeadlineSeconds: 2 ** 40 + 1 } });
      // PodSpec: activeDeadlineSeconds = 5 (varint), priority = 25 (varint)
      assert.equal(hex, '12' + '13' + '28' + '818080808020' + 'c801' + 'ffffffffffffffffff01');
      const pod = { apiVersion: 'v1', kind: 'Pod', spec: { priority: -1, activeDeadlineSeconds: Number.MAX_SAFE_INTEGER }, metadata: { generation: -(2 ** 40) } };
      assert.deepStrictEqual(roundTrip(pod), pod);
    });

    it('reads packed repeated scalars as well as unpacked ones', () => {
      // PodSpec.securityContext (14) → PodSecurityContext.supplementalGroups (4, int64), packed
      const body = envelope('v1', 'Pod', (w) => {
        w.uint32(0x12).fork().uint32(0x72).fork().uint32(0x22).fork().int64(1).int64(2).int64(3).ldelim().uint32(0x20).int64(4).ldelim().ldelim();
      });
      assert.deepStrictEqual(decodeObject(body).object, { apiVersion: 'v1', kind: 'Pod', spec: { securityContext: { supplementalGroups: [1, 2, 3, 4] } } });
    });

    it('skips unknown field numbers and fields newer than the OpenAPI documents', () => {
      const body = envelope('v1', 'Pod', (w) => {
        w.uint32(0x12).fork();
        w.uint32((41 << 3) | 2).string('override'); // PodSpec.hostnameOverride (1.35, not in this API)
        w.uint32((999 << 3) | 0).uint32(7); // no such field
        w.uint32(0x52).string('node-1'); // nodeName = 10
        w.ldelim();
      });
      assert.deepStrictEqual(decodeObject(body).object, { apiVersion: 'v1', kind: 'Pod', spec: { nodeName: 'node-1' } });
    });

    it('reads a map key named __proto__ as a key, not as the prototype', () => {
      const obj = decodeObject(envelope('v1', 'ConfigMap', (w) => w.uint32(0x12).fork().uint32(0x0a).string('__proto__').uint32(0x12).string('v').ldelim())).object;
      const data = obj.data as Json;
      assert.equal(Object.getPrototypeOf(data), Object.prototype);
      assert.deepEqual(Object.keys(data), ['__proto__']);
      assert.equal(Object.getOwnPropertyDescriptor(data, '__proto__')?.value, 'v');
    });

    it('refuses JSON values of the wrong type, naming the field', () => {
      assertProtobufError(() => encodeObject({ apiVersion: 'v1', kind: 'Pod', spec: { priority: '5' } }), 'Unencodable', /PodSpec\.priority/);
      assertProtobufError(() => encodeObject({ apiVersion: 'v1', kind: 'Pod', spec: { containers: {} } }), 'Unencodable', /containers/);
      assertProtobufError(() => encodeObject({ apiVersion: 'v1', kind: 'Pod', metadata: 'x' }), 'Unencodable', /metadata/);
    });
  });

  describe('zero values, as Go\'s JSON of the struct shows them', () => {
    const DEPLOYMENT = 'k8s.io.api.apps.v1.Deployment';

    it('keeps pointers set to zero, drops omitempty scalars at zero, keeps plain values and structs', () => {
      const body = goBody('apps/v1', 'Deployment', DEPLOYMENT, {
        metadata: { name: 'd', namespace: '', generation: 0, creationTimestamp: {} },
        spec: {
          replicas: 0, // *int32
          strategy: { type: '' }, // DeploymentStrategy, omitempty: a struct is never omitted
          minReadySeconds: 0, // int32, omitempty
          paused: false, // bool, omitempty
          template: {
            spec: {
              containers: [
                {
                  name: '', // string, no omitempty
                  ports: [{ name: '', hostPort: 0, containerPort: 0, protocol: '', hostIP: '' }], // containerPort: int32, no omitempty
                  resources: {}, // ResourceRequirements, omitempty struct
                  stdin: false, // bool, omitempty
                },
              ],
              restartPolicy: '', // RestartPolicy (string), omitempty
              dnsPolicy: '',
              hostNetwork: false, // bool, omitempty
              automountServiceAccountToken: false, // *bool
              priority: 0, // *int32
              enableServiceLinks: false, // *bool
            },
          },
        },
        status: { observedGeneration: 0, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 0, collisionCount: 0 },
      });
      assert.deepStrictEqual(decodeObject(body).object, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: {
          replicas: 0,
          strategy: {},
          template: {
            spec: {
              containers: [{ name: '', ports: [{ containerPort: 0 }], resources: {} }],
              automountServiceAccountToken: false,
              priority: 0,
              enableServiceLinks: false,
            },
          },
        },
        status: { collisionCount: 0 }, // *int32
      });
    });

    it('keeps the JSON form of zero special values in value fields: IntOrString 0, Quantity "0"; drops the zero Time', () => {
      const svc = goBody('v1', 'Service', 'k8s.io.api.core.v1.Service', {
        spec: { ports: [{ name: '', protocol: '', port: 80, targetPort: { type: 0, intVal: 0, strVal: '' }, nodePort: 0 }], clusterIP: '', type: '' },
      });
      // ServicePort.targetPort is an omitempty IntOrString struct: Go's JSON shows 0
      assert.deepStrictEqual(decodeObject(svc).object, { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, targetPort: 0 }] } });
      const pod = goBody('v1', 'Pod', 'k8s.io.api.core.v1.Pod', {
        spec: { containers: [{ name: 'c', env: [{ name: 'CPU', value: '', valueFrom: { resourceFieldRef: { containerName: '', resource: 'limits.cpu', divisor: {} } } }] }] },
        status: { conditions: [{ type: 'Ready', status: 'True', lastProbeTime: {}, lastTransitionTime: {}, reason: '', message: '' }] },
      });
      assert.deepStrictEqual(decodeObject(pod).object, {
        apiVersion: 'v1',
        kind: 'Pod',
        // ResourceFieldSelector.divisor is an omitempty Quantity struct: Go's JSON shows "0"
        spec: { containers: [{ name: 'c', env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } }] }] },
        // the zero Time: Go's JSON shows null, which is absent here
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      });
    });

    it('drops empty omitempty bytes (caBundle) but keeps an empty *string (url) and empty map values', () => {
      const crd = goBody('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', {
        spec: { group: '', conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: '', caBundle: new Uint8Array(0) }, conversionReviewVersions: ['v1'] } } },
      });
      assert.deepStrictEqual(decodeObject(crd).object, {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        // CustomResourceDefinitionSpec.group is a string without omitempty: kept
        spec: { group: '', conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: '' }, conversionReviewVersions: ['v1'] } } },
      });
      const secret = goBody('v1', 'Secret', 'k8s.io.api.core.v1.Secret', { data: { empty: new Uint8Array(0) }, type: '' });
      assert.deepStrictEqual(decodeObject(secret).object, { apiVersion: 'v1', kind: 'Secret', data: { empty: '' } });
    });

    it('keeps an int64 value field without omitempty at 0 (ControllerRevision.revision)', () => {
      const rev = goBody('apps/v1', 'ControllerRevision', 'k8s.io.api.apps.v1.ControllerRevision', { metadata: { name: 'r' }, revision: 0 });
      assert.deepStrictEqual(decodeObject(rev).object, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 0 });
    });

    it('lets the last occurrence of a field win, a zero after a value included', () => {
      const spec = (...policies: string[]) =>
        envelope('v1', 'Pod', (w) => {
          w.uint32(0x12).fork();
          for (const p of policies) w.uint32(0x1a).string(p); // PodSpec.restartPolicy = 3
          w.ldelim();
        });
      assert.deepStrictEqual(decodeObject(spec('Always', '')).object, { apiVersion: 'v1', kind: 'Pod', spec: {} });
      assert.deepStrictEqual(decodeObject(spec('', 'Never')).object, { apiVersion: 'v1', kind: 'Pod', spec: { restartPolicy: 'Never' } });
    });
  });

  describe('special types', () => {
    it('Time: whole seconds, nanos 0, offsets converted to UTC; the zero time is an empty message', () => {
      // 2024-01-01T00:00:00Z = 1704067200 = varint 80 81 c8 ac 06 (worked by hand)
      assert.equal(rawHex({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: '2024-01-01T00:00:00Z' } }), '0a0a' + '4208' + '088081c8ac06' + '1000');
      const same = rawHex({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: '2024-01-01T01:00:00.999+01:00' } });
      assert.equal(same, '0a0a4208088081c8ac061000');
      assert.deepStrictEqual(roundTrip({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: '2024-01-01T01:00:00+01:00' } }).metadata, { creationTimestamp: '2024-01-01T00:00:00Z' });
      assert.equal(rawHex({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: '0001-01-01T00:00:00Z' } }), '0a024200');
      // before 1970: negative seconds
      assert.deepStrictEqual(roundTrip({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: '1901-12-13T20:45:52Z' } }).metadata, { creationTimestamp: '1901-12-13T20:45:52Z' });
    });

    it('Time from Go: nanos on the wire are dropped (as Time.Unmarshal does); an empty Time is the zero time, left out', () => {
      const body = envelope('v1', 'ConfigMap', (w) => {
        w.uint32(0x0a).fork();
        w.uint32(0x42).fork().uint32(0x08).int64(1704067200).uint32(0x10).int32(999999999).ldelim(); // creationTimestamp
        w.uint32(0x4a).fork().ldelim(); // deletionTimestamp, empty
        w.ldelim();
      });
      assert.deepStrictEqual(decodeObject(body).object.metadata, { creationTimestamp: '2024-01-01T00:00:00Z' });
    });

    it('MicroTime: six fraction digits, nanos truncated to microseconds', () => {
      const event = { apiVersion: 'v1', kind: 'Event', eventTime: '2024-01-01T00:00:00.123456Z', metadata: { name: 'e' } };
      // Event.eventTime = 10: seconds, then nanos 123456000 = varint 80 94 ef 3a (worked by hand)
      assert.ok(rawHex(event).endsWith('520b' + '088081c8ac06' + '108094ef3a'));
      assert.deepStrictEqual(roundTrip(event), event);
      const body = envelope('v1', 'Event', (w) => w.uint32(0x52).fork().uint32(0x08).int64(0).uint32(0x10).int32(1999).ldelim());
      assert.deepStrictEqual(decodeObject(body).object, { apiVersion: 'v1', kind: 'Event', eventTime: '1970-01-01T00:00:00.000001Z' });
      assert.deepStrictEqual(roundTrip({ ...event, eventTime: '2024-01-01T00:00:00.1234567Z' }).eventTime, '2024-01-01T00:00:00.123456Z');
    });

    it('IntOrString: all three fields, as Go writes them, and back to a number or a string', () => {
      const svc = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, targetPort }] } });
      // ServiceSpec.ports = 1 → ServicePort.port = 3, targetPort = 4
      // 8080 = varint 90 3f
      assert.equal(rawHex(svc(8080)), '120d' + '0a0b' + '1850' + '2207' + '0800' + '10903f' + '1a00');
      assert.equal(rawHex(svc('http')), '1210' + '0a0e' + '1850' + '220a' + '0801' + '1000' + '1a0468747470');
      assert.deepStrictEqual(roundTrip(svc(8080)), svc(8080));
      assert.deepStrictEqual(roundTrip(svc('8080')), svc('8080'));
      assert.deepStrictEqual(roundTrip(svc(-5)), svc(-5));
    });

    it('Quantity: its string; a JSON number is written in decimal', () => {
      const quota = (hard: Json) => ({ apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard } });
      assert.deepStrictEqual(roundTrip(quota({ cpu: '1500m', memory: '1536Mi', pods: 10 })), quota({ cpu: '1500m', memory: '1536Mi', pods: '10' }));
      // ResourceQuotaSpec.hard = 1, map<string, Quantity>: entry{key "cpu", value Quantity{string "2"}}
      assert.equal(rawHex(quota({ cpu: '2' })), '120c' + '0a0a' + '0a03637075' + '1203' + '0a0132');
    });

    it('bytes: base64 in JSON (Secret.data, ConfigMap.binaryData, caBundle)', () => {
      const secret = { apiVersion: 'v1', kind: 'Secret', data: { k: Buffer.from([0, 255, 1]).toString('base64'), empty: '' }, type: 'Opaque' };
      assert.deepStrictEqual(roundTrip(secret), secret);
      assert.equal(rawHex(secret), '12090a05656d7074791200' + '12080a016b120300ff01' + '1a064f7061717565');
    });

    it('inlined structs: their fields are the parent object\'s (Volume, Probe, PersistentVolumeSpec, env sources, ephemeral containers)', () => {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        spec: {
          volumes: [{ name: 'v', hostPath: { path: '/tmp' } }, { name: 'c', configMap: { name: 'cm', optional: true } }],
          containers: [{ name: 'c', livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 }, envFrom: [{ configMapRef: { name: 'env' } }] }],
          ephemeralContainers: [{ name: 'debug', image: 'busybox', targetContainerName: 'c' }],
        },
      };
      assert.deepStrictEqual(roundTrip(pod), pod);
      // Volume{name=1 "v", volumeSource=2{hostPath=1{path=1 "/tmp"}}}: the inlined struct is a nested message on the wire
      assert.ok(rawHex({ apiVersion: 'v1', kind: 'Pod', spec: { volumes: [{ name: 'v', hostPath: { path: '/tmp' } }] } }).includes('0a0176' + '1208' + '0a06' + '0a042f746d70'));
      const pv = { apiVersion: 'v1', kind: 'PersistentVolume', spec: { capacity: { storage: '1Gi' }, nfs: { server: 'nfs', path: '/x' }, storageClassName: 'slow' } };
      assert.deepStrictEqual(roundTrip(pv), pv);
    });

    it('names that differ between proto and JSON: uID/uid, aPIGroup/apiGroup, ref/$ref, xKubernetes*/x-kubernetes-*', () => {
      const tr = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['a'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u-1' } } };
      assert.deepStrictEqual(roundTrip(tr), tr);
      const ic = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', spec: { controller: 'c', parameters: { apiGroup: 'g', kind: 'K', name: 'n' } } };
      assert.deepStrictEqual(roundTrip(ic), ic);
      const schema = { type: 'object', $ref: '#/x', $schema: 's', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-list-map-keys': ['a'], 'x-kubernetes-validations': [{ rule: 'self.a > 0' }] };
      const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] } };
      assert.deepStrictEqual(roundTrip(crd), crd);
    });

    it('JSON schema unions: OrBool, OrArray, OrStringArray in both forms; JSON values of any type', () => {
      const props = (p: Json) => ({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: p } }] },
      });
      const cases: Json[] = [
        { additionalProperties: false },
        { additionalProperties: true },
        { additionalProperties: { type: 'string' } },
        { items: { type: 'integer' } },
        { items: [{ type: 'integer' }, { type: 'string' }] },
        { dependencies: { a: ['b', 'c'], d: { required: ['e'] } } },
        { default: { a: [1, 'x', null] }, enum: ['a', 1, null, { b: false }], example: 3.25 },
      ];
      for (const c of cases) assert.deepStrictEqual(roundTrip(props(c)), props(c), JSON.stringify(c));
    });

    it('RawExtension: JSON bytes, or a whole protobuf object (k8s\\0 magic) decoded recursively', () => {
      const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 3, data: { spec: { template: { x: 1 } } } };
      assert.deepStrictEqual(roundTrip(rev), rev);
      const inner = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } });
      const body = envelope('apps/v1', 'ControllerRevision', (w) => w.uint32(0x12).fork().uint32(0x0a).bytes(inner).ldelim().uint32(0x18).int64(1));
      assert.deepStrictEqual(decodeObject(body).object, { apiVersion: 'apps/v1', kind: 'ControllerRevision', data: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' } }, revision: 1 });
      const bad = envelope('apps/v1', 'ControllerRevision', (w) => w.uint32(0x12).fork().uint32(0x0a).bytes(Buffer.from('not: json')).ldelim());
      assertProtobufError(() => decodeObject(bad), 'Malformed', /does not hold JSON/);
    });

    it('FieldsV1: the managed-fields object held as JSON bytes', () => {
      const cm = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }] },
      };
      assert.deepStrictEqual(roundTrip(cm), cm);
      assert.ok(rawHex(cm).includes(Buffer.from('{"f:data":{"f:a":{}}}').toString('hex')));
    });

    it('ExtraValue wrappers: map values that are arrays of strings', () => {
      const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status: { authenticated: true, user: { username: 'u', extra: { scopes: ['a', 'b'], none: [] } } } };
      assert.deepStrictEqual(roundTrip(review), review);
      const sar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', extra: { k: ['v'] } } };
      assert.deepStrictEqual(roundTrip(sar), sar);
    });
  });

  describe('lists, Status and watch events', () => {
    it('encodeList writes ListMeta and each item as the item kind\'s message, without the items\' apiVersion and kind', () => {
      const bytes = encodeList({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '42' }, items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
      const back = decodeObject(bytes);
      assert.equal(back.kind, 'ConfigMapList');
      assert.deepStrictEqual(back.object, { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '42' }, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
      assert.equal(Buffer.from(readUnknown(encodeList({ apiVersion: 'v1', kind: 'PodList', items: [] })).raw).toString('hex'), '0a00');
    });

    it('encodeStatus writes a v1 Status', () => {
      const status = { status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'pods' }, code: 404 };
      const back = decodeObject(encodeStatus(status));
      assert.equal(back.apiVersion, 'v1');
      assert.equal(back.kind, 'Status');
      assert.deepStrictEqual(back.object, { apiVersion: 'v1', kind: 'Status', ...status });
    });

    it('encodeWatchEvent writes one length-prefixed WatchEvent whose object is the full k8s\\0 encoding', () => {
      const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '7' } };
      const frame = encodeWatchEvent('ADDED', obj);
      const full = encodeObject(obj);
      assert.equal(frame.readUInt32BE(0), frame.length - 4);
      // WatchEvent{type=1 "ADDED", object=2 RawExtension{raw=1 <k8s\0 + Unknown + ConfigMap>}}
      const expected = Buffer.concat([Buffer.from([0x0a, 5]), Buffer.from('ADDED'), Buffer.from([0x12, full.length + 2, 0x0a, full.length]), full]);
      assert.equal(frame.subarray(4).toString('hex'), expected.toString('hex'));
      assert.deepStrictEqual(decodeWatchEvent(frame.subarray(4)), { type: 'ADDED', object: obj });
      assert.deepStrictEqual(encodeWatchEvent('ADDED', full), frame, 'an object encoded once gives the same frame');
    });

    it('splitFrames cuts complete frames and keeps the partial rest', () => {
      const a = encodeWatchEvent('ADDED', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const b = encodeWatchEvent('ERROR', { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
      const stream = Buffer.concat([a, b]);
      const first = splitFrames(stream.subarray(0, a.length + 3));
      assert.equal(first.frames.length, 1);
      assert.equal(first.rest.length, 3);
      const all = splitFrames(stream);
      assert.equal(all.rest.length, 0);
      assert.deepStrictEqual(all.frames.map((f) => decodeWatchEvent(f).type), ['ADDED', 'ERROR']);
      assert.deepStrictEqual(decodeWatchEvent(all.frames[1]).object, { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
    });

    it('frames a large object with a multi-byte length', () => {
      const big = { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'x'.repeat(70_000) } };
      const frame = encodeWatchEvent('MODIFIED', big);
      assert.equal(frame.readUInt32BE(0), frame.length - 4);
      assert.deepStrictEqual(decodeWatchEvent(frame.subarray(4)), { type: 'MODIFIED', object: big });
    });
  });
});

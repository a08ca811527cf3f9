/**
 * codegen/emit/protobuf.ts over the real schemas: what it derives, and that it fails, naming the
 * message and the field, where a proto field maps onto no JSON property.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildContext, type Context } from '../../../codegen/context';
import * as protobuf from 'protobufjs';
import { emitProtobuf, loadGoFields, loadProtoRoot, type GoFieldClass, type GoFields } from '../../../codegen/emit/protobuf';
import { load } from '../../../codegen/load';
import type { Schema } from '../../../codegen/model';
import { mappings } from '../../../generated/protobuf/mappings';
import { REPO_ROOT } from './random';

/** withDefinition is ctx with one definition replaced by an edited deep copy. */
function withDefinition(ctx: Context, name: string, edit: (s: Schema) => void): Context {
  const copy = structuredClone(ctx.definitions.get(name)!);
  edit(copy);
  const definitions = new Map(ctx.definitions);
  definitions.set(name, copy);
  return { ...ctx, definitions };
}

/** withGoField is goFields with one message's field set to cls, or removed (undefined). */
function withGoField(goFields: GoFields, message: string, field: string, cls: GoFieldClass | undefined): GoFields {
  const fields = { ...goFields.messages[message] };
  if (cls === undefined) delete fields[field];
  else fields[field] = cls;
  return { messages: { ...goFields.messages, [message]: fields } };
}

describe('codegen/emit/protobuf', function () {
  this.timeout(60_000);
  let ctx: Context;
  let goFields: GoFields;

  before(() => {
    ctx = buildContext(load(REPO_ROOT));
    goFields = loadGoFields(REPO_ROOT);
  });

  it('emits what generated/protobuf/ holds', () => {
    for (const f of emitProtobuf(ctx)) assert.equal(fs.readFileSync(path.join(REPO_ROOT, f.path), 'utf8'), f.content, f.path);
  });

  it('derives JSON names by comparing with the definitions, not from proto names', () => {
    const json = (message: string, proto: string) => mappings.messages[message].fields.find((f) => f.proto === proto);
    assert.deepEqual(json('k8s.io.api.authentication.v1.BoundObjectReference', 'uID'), { proto: 'uID', json: 'uid', omitEmpty: true });
    assert.deepEqual(json('k8s.io.api.networking.v1.IngressClassParametersReference', 'aPIGroup'), { proto: 'aPIGroup', json: 'apiGroup' });
    const props = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
    assert.equal(json(props, 'ref')?.json, '$ref');
    assert.equal(json(props, 'xKubernetesPreserveUnknownFields')?.json, 'x-kubernetes-preserve-unknown-fields');
    assert.deepEqual(json('k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', 'fieldsV1'), { proto: 'fieldsV1', json: 'fieldsV1', special: 'FieldsV1' });
  });

  it('finds the inlined structs', () => {
    const inlined = Object.entries(mappings.messages).flatMap(([m, mm]) => mm.fields.filter((f) => f.inline).map((f) => `${m.split('.').pop()}.${f.proto}`));
    for (const want of ['Volume.volumeSource', 'Probe.handler', 'PersistentVolumeSpec.persistentVolumeSource', 'ConfigMapEnvSource.localObjectReference', 'EphemeralContainer.ephemeralContainerCommon', 'IngressRule.ingressRuleValue']) {
      assert.ok(inlined.includes(want), want);
    }
  });

  it('lists proto fields newer than the OpenAPI documents instead of failing on them', () => {
    assert.deepEqual(mappings.messages['k8s.io.api.core.v1.PodSpec'].notInOpenAPI, ['resources', 'hostnameOverride', 'workloadRef']);
    assert.deepEqual(mappings.messages['k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions'].notInOpenAPI, ['ignoreStoreReadErrorWithClusterBreakingPotential']);
  });

  it('fails naming the message and the field when a field in the middle maps to no property', () => {
    const broken = withDefinition(ctx, 'io.k8s.api.core.v1.PodSpec', (s) => delete s.properties!.nodeName);
    assert.throws(() => emitProtobuf(broken), /cannot map k8s\.io\.api\.core\.v1\.PodSpec\.nodeName \(field 10, JSON io\.k8s\.api\.core\.v1\.PodSpec\)/);
  });

  it('fails on an inlined struct that maps only in part, naming the inner field', () => {
    const broken = withDefinition(ctx, 'io.k8s.api.core.v1.Volume', (s) => delete s.properties!.hostPath);
    assert.throws(() => emitProtobuf(broken), /cannot map k8s\.io\.api\.core\.v1\.VolumeSource\.hostPath \(field 1, JSON io\.k8s\.api\.core\.v1\.Volume\)/);
  });

  it('fails when a repeated-strings wrapper is not an array of strings in JSON', () => {
    const broken = withDefinition(ctx, 'io.k8s.api.authentication.v1.UserInfo', (s) => {
      s.properties!.extra = { type: 'object', additionalProperties: { type: 'string' } };
    });
    assert.throws(() => emitProtobuf(broken), /UserInfo\.extra .*wrapper of repeated strings/);
  });

  describe('zero values (schemas/proto/go-fields.json)', () => {
    const field = (message: string, proto: string) => mappings.messages[message].fields.find((f) => f.proto === proto);

    it('marks omitempty scalar value fields, and no pointer, plain value or struct', () => {
      assert.deepEqual(field('k8s.io.api.core.v1.PodSpec', 'restartPolicy'), { proto: 'restartPolicy', json: 'restartPolicy', omitEmpty: true });
      assert.equal(field('k8s.io.api.core.v1.PodSpec', 'hostNetwork')?.omitEmpty, true);
      assert.equal(field('k8s.io.api.apps.v1.DeploymentStatus', 'replicas')?.omitEmpty, true, 'int32 value, omitempty');
      assert.equal(field('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'generation')?.omitEmpty, true, 'int64 value, omitempty');
      assert.equal(field('k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.WebhookClientConfig', 'caBundle')?.omitEmpty, true, '[]byte, omitempty');
      assert.equal(field('k8s.io.api.apps.v1.DeploymentSpec', 'replicas')?.omitEmpty, undefined, '*int32');
      assert.equal(field('k8s.io.api.core.v1.PodSpec', 'automountServiceAccountToken')?.omitEmpty, undefined, '*bool');
      assert.equal(field('k8s.io.api.core.v1.ContainerPort', 'containerPort')?.omitEmpty, undefined, 'int32 without omitempty');
      assert.equal(field('k8s.io.api.core.v1.Container', 'name')?.omitEmpty, undefined, 'string without omitempty');
      assert.equal(field('k8s.io.api.apps.v1.DeploymentSpec', 'strategy')?.omitEmpty, undefined, 'omitempty struct: encoding/json never omits it');
      assert.equal(field('k8s.io.api.core.v1.ServicePort', 'targetPort')?.omitEmpty, undefined, 'omitempty IntOrString struct');
      assert.equal(field('k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp')?.omitEmpty, undefined, 'omitzero Time: the codec drops the zero time itself');
    });

    it('fails naming the message and the field when go-fields.json has no entry for a mapped field', () => {
      const missing = withGoField(goFields, 'k8s.io.api.core.v1.PodSpec', 'dnsPolicy', undefined);
      assert.throws(() => emitProtobuf(ctx, missing), /k8s\.io\.api\.core\.v1\.PodSpec\.dnsPolicy \(field 6, JSON io\.k8s\.api\.core\.v1\.PodSpec\) has no entry in schemas\/proto\/go-fields\.json/);
      const noMessage: GoFields = { messages: { ...goFields.messages } };
      delete (noMessage.messages as Record<string, unknown>)['k8s.io.api.apps.v1.DeploymentStrategy'];
      assert.throws(() => emitProtobuf(ctx, noMessage), /k8s\.io\.api\.apps\.v1\.DeploymentStrategy\.type .*has no entry/);
      const inlined = withGoField(goFields, 'k8s.io.api.core.v1.Volume', 'volumeSource', undefined);
      assert.throws(() => emitProtobuf(ctx, inlined), /k8s\.io\.api\.core\.v1\.Volume\.volumeSource .*has no entry/);
    });

    it('fails where go-fields.json contradicts the .proto files or asks for what the codec cannot do', () => {
      assert.throws(() => emitProtobuf(ctx, withGoField(goFields, 'k8s.io.api.core.v1.PodSpec', 'containers', 'omitempty')), /PodSpec\.containers .*is repeated, but .* says its Go field is omitempty/);
      assert.throws(() => emitProtobuf(ctx, withGoField(goFields, 'k8s.io.api.core.v1.Volume', 'volumeSource', 'pointer')), /Volume\.volumeSource .*inlined struct, but .* says its Go field is pointer/);
      assert.throws(() => emitProtobuf(ctx, withGoField(goFields, 'k8s.io.api.apps.v1.DeploymentSpec', 'strategy', 'omitzero')), /DeploymentSpec\.strategy .*omitzero on a message other than Time or MicroTime/);
    });

    it('go-fields.json is sorted and names only messages and fields of the vendored .proto files', () => {
      const root = loadProtoRoot(REPO_ROOT);
      const sorted = (keys: string[]) => keys.every((k, i) => i === 0 || keys[i - 1] < k);
      const names = Object.keys(goFields.messages);
      assert.ok(sorted(names), 'message names sorted');
      for (const name of names) {
        const type = root.lookupType(name);
        const fields = Object.keys(goFields.messages[name]);
        assert.ok(sorted(fields), `${name}: field names sorted`);
        assert.deepEqual(fields, Object.keys(type.fields).sort(), `${name}: one entry per proto field`);
        assert.ok(type instanceof protobuf.Type);
      }
    });
  });
});

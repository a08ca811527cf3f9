/**
 * codegen/emit/protobuf.ts over the real schemas: what it derives, and that it fails, naming the
 * message and the field, where a proto field maps onto no JSON property.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildContext, type Context } from '../../../codegen/context';
import { emitProtobuf } from '../../../codegen/emit/protobuf';
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

describe('codegen/emit/protobuf', function () {
  this.timeout(60_000);
  let ctx: Context;

  before(() => {
    ctx = buildContext(load(REPO_ROOT));
  });

  it('emits what generated/protobuf/ holds', () => {
    for (const f of emitProtobuf(ctx)) assert.equal(fs.readFileSync(path.join(REPO_ROOT, f.path), 'utf8'), f.content, f.path);
  });

  it('derives JSON names by comparing with the definitions, not from proto names', () => {
    const json = (message: string, proto: string) => mappings.messages[message].fields.find((f) => f.proto === proto);
    assert.deepEqual(json('k8s.io.api.authentication.v1.BoundObjectReference', 'uID'), { proto: 'uID', json: 'uid' });
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
});

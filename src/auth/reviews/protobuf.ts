/**
 * kubectl posts the review objects and TokenRequests in protobuf (`kubectl auth can-i`,
 * `auth whoami`, `create token`). The generic handlers decode action bodies as JSON or YAML
 * only, so this step transcodes these requests' protobuf bodies to JSON before they reach them.
 * (The handlers' createAction/subresourceAction paths should decode protobuf themselves; this
 * shim is scoped to the security APIs until they do.)
 */
import type { Context, Next } from 'koa';
import { newBadRequest, newUnsupportedMediaType } from '../../apierrors';
import { readBody } from '../../endpoints/request';
import { PROTOBUF_CONTENT_TYPE, ProtobufError, decodeObject } from '../../protobuf';
import type { RequestInfo } from '../authz/requestinfo';
import { replayRequest } from '../replay';

/** KINDS maps the create endpoints served by actions to the kind their body is. */
const KINDS: Record<string, { apiVersion: string; kind: string }> = {
  'authorization.k8s.io/selfsubjectaccessreviews': { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' },
  'authorization.k8s.io/selfsubjectrulesreviews': { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview' },
  'authorization.k8s.io/subjectaccessreviews': { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview' },
  'authorization.k8s.io/localsubjectaccessreviews': { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview' },
  'authentication.k8s.io/tokenreviews': { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview' },
  'authentication.k8s.io/selfsubjectreviews': { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  '/serviceaccounts/token': { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' },
};

/** protobufActionBodies transcodes protobuf bodies of the security APIs' create requests to JSON. */
export function protobufActionBodies() {
  return async function transcode(ctx: Context, next: Next): Promise<void> {
    const info = (ctx.state as { requestInfo?: RequestInfo }).requestInfo;
    const type = (ctx.get('content-type') || '').split(';')[0].trim().toLowerCase();
    if (!info?.isResourceRequest || info.verb !== 'create' || type !== PROTOBUF_CONTENT_TYPE) return next();
    const key = info.subresource ? `${info.apiGroup}/${info.resource}/${info.subresource}` : `${info.apiGroup}/${info.resource}`;
    const target = KINDS[key];
    if (!target || !info.apiVersion.startsWith('v1')) return next();
    const raw = await readBody(ctx);
    let json: string;
    try {
      json = JSON.stringify(decodeObject(raw, target).object);
    } catch (e) {
      if (e instanceof ProtobufError) {
        if (e.reason === 'NoMessage') throw newUnsupportedMediaType(PROTOBUF_CONTENT_TYPE, ['application/json', 'application/yaml']);
        throw newBadRequest(`the object provided is unrecognized: ${e.message}`);
      }
      throw e;
    }
    // The same headers object: Koa's ctx.get reads the original request's.
    const headers = ctx.request.header;
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(json));
    ctx.req = replayRequest(ctx.req, Buffer.from(json), headers);
    await next();
  };
}

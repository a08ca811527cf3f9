/**
 * Auditing in the HTTP chain (k8s.io/apiserver filters WithAuditInit, WithAudit,
 * WithFailedAuthenticationAudit). Every response carries an Audit-Id. With --audit-log-path and
 * --audit-policy-file, each request is recorded at the stages the policy keeps: RequestReceived
 * once the user is known, ResponseStarted when a long-running response (watch) sends its
 * headers, ResponseComplete when it is done. A failed authentication is one ResponseStarted
 * event without a user.
 */
import type { Context, Next } from 'koa';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { newRequestEntityTooLarge } from '../apierrors';
import { AuditContext, MAX_USER_AGENT_LENGTH, type AuditObjectRef } from '../auth/audit/event';
import type { AuditSink } from '../auth/audit/log';
import { evaluatePolicy, levelAtLeast, type AuditAttributes, type Policy } from '../auth/audit/policy';
import { bearerTokenOf } from '../auth/authn/bearer';
import type { RequestInfo } from '../auth/authz/requestinfo';
import type { UserInfo } from '../auth/user';
import { MAX_REQUEST_BODY_BYTES } from '../endpoints/request';
import { isPlainObject } from '../meta/object';
import { PROTOBUF_CONTENT_TYPE, decodeObject } from '../protobuf';
import { replayRequest } from '../auth/replay';
import { securityState } from './authz';

/** AuditBackend is where events go and which policy decides about them. */
export interface AuditBackend {
  sink: AuditSink;
  policy: Policy;
}

interface PendingAudit {
  id: string;
  received: Date;
}

const pendingKey = Symbol('audit');

/** withAuditInit assigns the audit ID and writes the last event of every audited request. */
export function withAuditInit(backend: AuditBackend | undefined) {
  return async function auditInit(ctx: Context, next: Next): Promise<void> {
    const id = ctx.get('audit-id') || randomUUID();
    ctx.set('Audit-Id', id);
    if (!backend) return next();
    const pending: PendingAudit = { id, received: new Date() };
    (ctx.state as Record<symbol, PendingAudit>)[pendingKey] = pending;
    try {
      await next();
    } finally {
      finish(ctx, backend, pending);
    }
  };
}

/** withAudit starts the event of an authenticated request: policy, RequestReceived, the request body. */
export function withAudit(backend: AuditBackend | undefined) {
  return async function audit(ctx: Context, next: Next): Promise<void> {
    const pending = (ctx.state as Record<symbol, PendingAudit | undefined>)[pendingKey];
    const state = securityState(ctx);
    if (!backend || !pending || !state.requestInfo) return next();
    const info = state.requestInfo;
    const config = evaluatePolicy(backend.policy, auditAttributes(info, state.user));
    if (config.level === 'None') return next();
    const ac = new AuditContext(backend.sink, config, auditRequest(ctx, pending, info), state.user);
    state.audit = ac;
    ac.processStage('RequestReceived');
    if (hasBody(ctx.method)) await captureRequestBody(ctx, ac, info);
    if (info.verb === 'watch') onHeadersSent(ctx, () => ac.processStage('ResponseStarted'));
    await next();
  };
}

function finish(ctx: Context, backend: AuditBackend, pending: PendingAudit): void {
  const state = securityState(ctx);
  const ac = state.audit;
  if (ac) {
    if (!ac.hasResponseStatus) ac.setResponseStatus(responseStatusOf(ctx));
    recordResponse(ctx, ac);
    ac.processStage('ResponseComplete');
    return;
  }
  if (ctx.status !== 401 || state.user || !state.requestInfo) return;
  // A failed authentication: recorded as the policy says for a request without a user.
  const config = evaluatePolicy(backend.policy, auditAttributes(state.requestInfo, undefined));
  if (config.level === 'None') return;
  const failed = new AuditContext(backend.sink, config, auditRequest(ctx, pending, state.requestInfo), undefined);
  failed.setResponseStatus({ metadata: {}, message: authMethods(ctx), code: 401 });
  failed.processStage('ResponseStarted');
}

function auditAttributes(info: RequestInfo, user: UserInfo | undefined): AuditAttributes {
  return {
    user,
    verb: info.verb,
    resourceRequest: info.isResourceRequest,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    path: info.path,
  };
}

function auditRequest(ctx: Context, pending: PendingAudit, info: RequestInfo) {
  let objectRef: AuditObjectRef | undefined;
  if (info.isResourceRequest) {
    objectRef = { resource: info.resource, namespace: info.namespace, name: info.name, apiGroup: info.apiGroup, apiVersion: info.apiVersion, subresource: info.subresource };
  }
  const ua = ctx.get('user-agent');
  return {
    auditID: pending.id,
    requestURI: ctx.url,
    verb: info.verb,
    sourceIPs: sourceIPs(ctx),
    userAgent: ua.length > MAX_USER_AGENT_LENGTH ? `${ua.slice(0, MAX_USER_AGENT_LENGTH)}...TRUNCATED` : ua,
    objectRef,
    received: pending.received,
  };
}

/** sourceIPs lists X-Forwarded-For, X-Real-Ip and the peer address, as utilnet.SourceIPs. */
function sourceIPs(ctx: Context): string[] {
  const ips: string[] = [];
  for (const ip of ctx.get('x-forwarded-for').split(',')) if (ip.trim()) ips.push(ip.trim());
  const real = ctx.get('x-real-ip').trim();
  if (real && !ips.includes(real)) ips.push(real);
  const remote = (ctx.req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (remote && !ips.includes(remote)) ips.push(remote);
  return ips;
}

/** authMethods is upstream's message for a failed authentication. */
function authMethods(ctx: Context): string {
  const methods: string[] = [];
  const auth = ctx.get('authorization');
  if (/^basic /i.test(auth.trim())) methods.push('basic');
  if (bearerTokenOf(auth) !== undefined || /^bearer\s/i.test(auth.trim())) methods.push('bearer');
  if (new URL(ctx.url, 'https://kapi.invalid').searchParams.get('access_token')) methods.push('access_token');
  const socket = ctx.req.socket as { getPeerCertificate?: () => object };
  const cert = socket.getPeerCertificate?.();
  if (cert && Object.keys(cert).length) methods.push('x509');
  return methods.length ? `Authentication failed, attempted: ${methods.join(', ')}` : 'Authentication failed, no credentials provided';
}

function hasBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}

/**
 * captureRequestBody reads the body for the event (the request object fills in the object
 * reference; at Request level it is recorded) and hands the handler an identical stream. The
 * handler applies its own limit; this read keeps to the same one.
 */
async function captureRequestBody(ctx: Context, ac: AuditContext, info: RequestInfo): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) throw newRequestEntityTooLarge(`limit is ${MAX_REQUEST_BODY_BYTES}`);
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks, size);
  ctx.req = replayRequest(ctx.req, body);
  if (size === 0) return;
  const obj = decodeAny(body, (ctx.get('content-type') || 'application/json').split(';')[0].trim().toLowerCase());
  if (!obj) return;
  // A patch is recorded as sent; an object also names what the request acts on (upstream LogRequestObject).
  if (info.verb !== 'patch') ac.fillObjectRef(isPlainObject(obj.metadata) ? (obj.metadata as Record<string, string>) : undefined);
  ac.setRequestObject(obj);
}

/** decodeAny reads a JSON, YAML or protobuf body into its JSON shape; undefined when it cannot. */
function decodeAny(body: Buffer, type: string): Record<string, unknown> | undefined {
  try {
    let v: unknown;
    if (type === PROTOBUF_CONTENT_TYPE) v = decodeObject(body).object;
    else if (type.endsWith('yaml')) v = parseYaml(body.toString('utf8'));
    else v = JSON.parse(body.toString('utf8'));
    return isPlainObject(v) ? v : undefined;
  } catch {
    // An undecodable body is the handler's to refuse; the event simply has no request object.
    return undefined;
  }
}

/** onHeadersSent calls back once, when the response's status line and headers go out. */
function onHeadersSent(ctx: Context, cb: () => void): void {
  const res = ctx.res;
  const original = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
  let called = false;
  res.writeHead = ((...args: unknown[]) => {
    if (!called) {
      called = true;
      const ac = securityState(ctx).audit;
      ac?.setResponseStatus({ metadata: {}, code: typeof args[0] === 'number' ? args[0] : res.statusCode });
      cb();
    }
    return original(...args);
  }) as typeof res.writeHead;
}

/** responseStatusOf is the event's responseStatus: the Status of a failure, the code of a success. */
function responseStatusOf(ctx: Context): Record<string, unknown> {
  const status = parseBody(ctx);
  if (status && status.kind === 'Status') {
    const { kind: _k, apiVersion: _v, ...rest } = status;
    return rest;
  }
  return { metadata: {}, code: ctx.status };
}

function recordResponse(ctx: Context, ac: AuditContext): void {
  if (!levelAtLeast(ac.level, 'RequestResponse')) return;
  const body = parseBody(ctx);
  if (body) ac.setResponseObject(body);
}

/** parseBody decodes a response body held in memory (JSON, YAML, protobuf; streamed lists are not recorded). */
function parseBody(ctx: Context): Record<string, unknown> | undefined {
  const body: unknown = ctx.body;
  if (typeof body === 'string') return decodeAny(Buffer.from(body), ctx.type);
  if (Buffer.isBuffer(body)) return decodeAny(body, ctx.type);
  return undefined;
}

/**
 * AuditContext: one request's audit event as it passes through the stages
 * (k8s.io/apiserver/pkg/audit: context.go, request.go). The level the policy gives the request
 * decides what the event carries: Metadata has who, what and the outcome; Request adds the
 * request body; RequestResponse the response body too. Below Request no object ever appears, so
 * a Secret's data is never logged at Metadata level.
 */
import { levelAtLeast, type Level, type RequestAuditConfig, type Stage } from './policy';
import type { AuditSink } from './log';
import type { UserInfo } from '../user';

/** ObjectReference mirrors audit.k8s.io/v1 ObjectReference. */
export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditRequest {
  auditID: string;
  requestURI: string;
  verb: string;
  sourceIPs: string[];
  userAgent: string;
  objectRef?: AuditObjectRef;
  received: Date;
}

/** MAX_USER_AGENT_LENGTH is upstream's truncation of user agents in events. */
export const MAX_USER_AGENT_LENGTH = 1024;

/** AuditContext accumulates one request's event and writes it at each stage. */
export class AuditContext {
  readonly level: Level;
  private readonly omitStages: Stage[];
  readonly omitManagedFields: boolean;
  private user?: UserInfo;
  private impersonatedUser?: UserInfo;
  private objectRef?: AuditObjectRef;
  private responseStatus?: Record<string, unknown>;
  private requestObject?: unknown;
  private responseObject?: unknown;
  private readonly annotations: Record<string, string> = {};

  constructor(
    private readonly sink: AuditSink,
    config: RequestAuditConfig,
    private readonly req: AuditRequest,
    user: UserInfo | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.level = config.level;
    this.omitStages = config.omitStages;
    this.omitManagedFields = config.omitManagedFields;
    this.user = user;
    this.objectRef = req.objectRef ? { ...req.objectRef } : undefined;
  }

  get enabled(): boolean {
    return this.level !== 'None';
  }

  setImpersonatedUser(u: UserInfo): void {
    this.impersonatedUser = u;
  }

  annotate(key: string, value: string): void {
    this.annotations[key] = value;
  }

  setResponseStatus(status: Record<string, unknown>): void {
    this.responseStatus = status;
  }

  get hasResponseStatus(): boolean {
    return this.responseStatus !== undefined;
  }

  /** setRequestObject records the request body (Request level and above). */
  setRequestObject(obj: unknown): void {
    if (levelAtLeast(this.level, 'Request')) this.requestObject = this.stripManagedFields(obj);
  }

  /** setResponseObject records the response body (RequestResponse level). */
  setResponseObject(obj: unknown): void {
    if (levelAtLeast(this.level, 'RequestResponse')) this.responseObject = this.stripManagedFields(obj);
  }

  /** fillObjectRef completes the reference from the object the request wrote (uid, resourceVersion). */
  fillObjectRef(meta: { name?: string; namespace?: string; uid?: string; resourceVersion?: string } | undefined): void {
    if (!this.objectRef || !meta) return;
    if (!this.objectRef.name && meta.name) this.objectRef.name = meta.name;
    if (!this.objectRef.namespace && meta.namespace) this.objectRef.namespace = meta.namespace;
    if (!this.objectRef.uid && meta.uid) this.objectRef.uid = meta.uid;
    if (!this.objectRef.resourceVersion && meta.resourceVersion) this.objectRef.resourceVersion = meta.resourceVersion;
  }

  /** processStage writes the event as it stands, unless the stage is omitted. */
  processStage(stage: Stage): void {
    if (!this.enabled || this.omitStages.includes(stage)) return;
    this.sink.write(this.render(stage));
  }

  private stripManagedFields(obj: unknown): unknown {
    if (!this.omitManagedFields || typeof obj !== 'object' || obj === null) return obj;
    const copy = structuredClone(obj) as Record<string, unknown>;
    const drop = (o: unknown) => {
      const m = (o as { metadata?: Record<string, unknown> } | undefined)?.metadata;
      if (m && typeof m === 'object') delete m.managedFields;
    };
    drop(copy);
    if (Array.isArray(copy.items)) copy.items.forEach(drop);
    return copy;
  }

  private render(stage: Stage): Record<string, unknown> {
    const e: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: this.level,
      auditID: this.req.auditID,
      stage,
      requestURI: this.req.requestURI,
      verb: this.req.verb,
      user: renderUser(this.user),
    };
    if (this.impersonatedUser) e.impersonatedUser = renderUser(this.impersonatedUser);
    e.sourceIPs = this.req.sourceIPs;
    if (this.req.userAgent) e.userAgent = this.req.userAgent;
    if (this.objectRef) e.objectRef = compact(this.objectRef);
    if (this.responseStatus && stage !== 'RequestReceived') e.responseStatus = this.responseStatus;
    if (this.requestObject !== undefined) e.requestObject = this.requestObject;
    if (this.responseObject !== undefined && stage === 'ResponseComplete') e.responseObject = this.responseObject;
    e.requestReceivedTimestamp = microTime(this.req.received);
    e.stageTimestamp = microTime(this.now());
    if (Object.keys(this.annotations).length) e.annotations = { ...this.annotations };
    return e;
  }
}

function renderUser(u: UserInfo | undefined): Record<string, unknown> {
  if (!u) return {};
  const out: Record<string, unknown> = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

function compact(ref: AuditObjectRef): AuditObjectRef {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ref)) if (v) out[k] = v;
  return out as AuditObjectRef;
}

/** microTime renders metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

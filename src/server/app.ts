import Router from '@koa/router';
import Koa from 'koa';
import { StatusError, newNotFoundPath } from '../apierrors';
import type { EndpointFactory } from '../endpoints/factory';
import type { ResourceDescriptor } from '../resources/descriptor';
import { customResourceRouter } from '../endpoints/customroutes';
import type { SecurityMiddlewares } from './authn';
import { aggregatedDiscovery, apiGroup, apiResourceList, groupsOf } from './discovery';
import { acceptsAggregatedDiscovery } from './negotiation';
import type { OpenAPIV3 } from './openapi';
import { LEGACY_SWAGGER_PROTOBUF_PATH, OpenAPIV2, openAPIV3Sources, serveLegacySwaggerProtobuf, serveOpenAPIV2 } from './openapiv2';
import { statusMiddleware, type Logger } from './status';
import { versionInfo } from './version';
import { JWKS_PATH, OPENID_CONFIGURATION_PATH, type OpenIDDocuments } from '../auth/oidc';

/** GroupVersionRoutes is one generated route module. */
export interface GroupVersionRoutes {
  groupVersion: { group: string; version: string; prefix: string };
  routes(factory: EndpointFactory): Record<string, Router>;
}

export interface AppOptions {
  /** served lists everything served (built-in and custom resources) and tells of changes. */
  served: { all(): readonly ResourceDescriptor[]; onChange(listener: () => void): void };
  routeModules: readonly GroupVersionRoutes[];
  endpoints: EndpointFactory;
  openapi: OpenAPIV3;
  /** openapiV2 serves /openapi/v2; by default built from `openapi`, and rebuilt when its index changes. */
  openapiV2?: OpenAPIV2;
  log: Logger;
  kapiVersion: string;
  /** ready reports whether storage and caches serve (for /readyz). */
  ready: () => boolean;
  /** serverAddress is what /api advertises to clients. */
  serverAddress: string;
  /** security are the audit, authentication, impersonation and authorization steps. */
  security: SecurityMiddlewares;
  /** oidc are the service account issuer discovery documents, when the issuer is an https URL. */
  oidc?: OpenIDDocuments;
}

const METHOD_NOT_ALLOWED = new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

/** createApp assembles the Koa application: errors, authentication, discovery, the APIs. */
export function createApp(opts: AppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  // Request info and the audit's outer step come first: they record the final response,
  // errors included. Then the Status middleware, and the security steps in upstream's order:
  // authentication, audit, impersonation, authorization.
  app.use(opts.security.requestInfo);
  app.use(opts.security.auditInit);
  app.use(statusMiddleware(opts.log));
  app.use(opts.security.authenticate);
  app.use(opts.security.audit);
  app.use(opts.security.impersonate);
  app.use(opts.security.authorize);

  const meta = new Router();
  const health = (ctx: Koa.Context) => {
    const ok = opts.ready();
    ctx.status = ok ? 200 : 500;
    ctx.type = 'text/plain';
    const verbose = ctx.query.verbose !== undefined;
    ctx.body = verbose ? `[+]ping ok\n[${ok ? '+' : '-'}]storage ${ok ? 'ok' : 'failed'}\n${ctx.path.slice(1)} check ${ok ? 'passed' : 'failed'}\n` : ok ? 'ok' : 'not ready';
  };
  for (const p of ['/healthz', '/livez', '/readyz']) meta.get([p, `${p}/`], health);
  meta.get(['/version', '/version/'], (ctx) => {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(versionInfo(opts.kapiVersion));
  });

  if (opts.oidc) {
    const { configuration, jwks } = opts.oidc;
    const cached = (body: string, type: string) => (ctx: Koa.Context) => {
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = type;
      ctx.body = body;
    };
    meta.get(OPENID_CONFIGURATION_PATH, cached(configuration, 'application/json'));
    meta.get(JWKS_PATH, cached(jwks, 'application/jwk-set+json'));
  }

  const sendJson = (ctx: Koa.Context, body: unknown, type = 'application/json') => {
    ctx.type = type;
    ctx.body = JSON.stringify(body);
  };
  const discovery = (core: boolean) => (ctx: Koa.Context) => {
    const v = acceptsAggregatedDiscovery(ctx.get('accept'));
    if (v) {
      ctx.set('Vary', 'Accept');
      return sendJson(ctx, aggregatedDiscovery(opts.served.all(), core, v), `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`);
    }
    if (core) {
      return sendJson(ctx, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: opts.serverAddress }] });
    }
    sendJson(ctx, { kind: 'APIGroupList', apiVersion: 'v1', groups: groupsOf(opts.served.all()).filter((g) => g.name).map(apiGroup) });
  };
  meta.get(['/api', '/api/'], discovery(true));
  meta.get(['/apis', '/apis/'], discovery(false));
  // Group and group-version discovery are looked up per request: custom resources come and go.
  meta.get(['/apis/:group', '/apis/:group/'], (ctx) => {
    const g = groupsOf(opts.served.all()).find((x) => x.name && x.name === ctx.params.group);
    if (!g) throw newNotFoundPath();
    sendJson(ctx, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) });
  });
  const resourceList = (group: string, version: string) => (ctx: Koa.Context) => {
    const all = opts.served.all();
    if (!all.some((r) => r.group === group && r.version === version)) throw newNotFoundPath();
    sendJson(ctx, apiResourceList(group, version, all));
  };
  meta.get(['/api/v1', '/api/v1/'], resourceList('', 'v1'));
  meta.get(['/apis/:group/:version', '/apis/:group/:version/'], (ctx) => resourceList(ctx.params.group, ctx.params.version)(ctx));
  const openapiV2 = opts.openapiV2 ?? new OpenAPIV2(openAPIV3Sources(opts.openapi));
  meta.get('/openapi/v2', serveOpenAPIV2(openapiV2));
  meta.get(LEGACY_SWAGGER_PROTOBUF_PATH, serveLegacySwaggerProtobuf(openapiV2));
  meta.get('/openapi/v3', (ctx) => sendJson(ctx, JSON.parse(opts.openapi.index()) as unknown));
  meta.get('/openapi/v3/*path', (ctx) => {
    const raw = (ctx.params as Record<string, string | string[]>).path;
    const doc = opts.openapi.document(Array.isArray(raw) ? raw.join('/') : raw);
    if (!doc) throw newNotFoundPath();
    const etag = `"${doc.hash}"`;
    ctx.set('ETag', etag);
    ctx.set('Vary', 'Accept');
    if (ctx.query.hash === doc.hash) ctx.set('Cache-Control', 'public, immutable');
    else ctx.set('Cache-Control', 'no-cache, private');
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = doc.body;
  });
  app.use(meta.routes());

  // Each resource has its own router: a request is dispatched by group-version prefix and
  // resource name, then matched against that resource's dozen routes only.
  const asMiddleware = (router: Router): Koa.Middleware => {
    const routes = router.routes();
    return (ctx, next) =>
      routes(ctx as never, async () => {
        // The path names a resource but no route takes this method: 405, as kube-apiserver.
        const matched = (ctx as { matched?: { methods: string[] }[] }).matched;
        if (matched?.some((layer) => layer.methods.length > 0)) throw METHOD_NOT_ALLOWED;
        return next();
      });
  };
  const byPrefix = new Map<string, Map<string, Koa.Middleware>>();
  for (const m of opts.routeModules) {
    const routers = new Map<string, Koa.Middleware>();
    for (const [plural, router] of Object.entries(m.routes(opts.endpoints))) routers.set(plural, asMiddleware(router));
    byPrefix.set(m.groupVersion.prefix, routers);
  }
  // Custom resources' routers are rebuilt whenever the set of established CRDs changes.
  let custom = new Map<string, Map<string, Koa.Middleware>>();
  const rebuildCustom = () => {
    const next = new Map<string, Map<string, Koa.Middleware>>();
    for (const d of opts.served.all()) {
      if (!d.custom) continue;
      const prefix = `/apis/${d.group}/${d.version}`;
      let routers = next.get(prefix);
      if (!routers) next.set(prefix, (routers = new Map()));
      routers.set(d.plural, asMiddleware(customResourceRouter(d, opts.endpoints)));
    }
    custom = next;
  };
  rebuildCustom();
  opts.served.onChange(rebuildCustom);
  app.use(async (ctx, next) => {
    const path = ctx.path;
    let rest: string[];
    let routers: Map<string, Koa.Middleware> | undefined;
    if (path.startsWith('/api/')) {
      const parts = path.split('/');
      routers = byPrefix.get(`/api/${parts[2]}`);
      rest = parts.slice(3);
    } else if (path.startsWith('/apis/')) {
      const parts = path.split('/');
      routers = byPrefix.get(`/apis/${parts[2]}/${parts[3]}`) ?? custom.get(`/apis/${parts[2]}/${parts[3]}`);
      rest = parts.slice(4);
    } else {
      return next();
    }
    if (!routers) return next();
    if (rest[0] === 'watch') rest = rest.slice(1);
    // `namespaces/<ns>/<resource>` is namespaced content; `namespaces/<name>/status` is the
    // namespace itself, and no namespaced resource is called like a namespace subresource.
    const handler = (rest[0] === 'namespaces' && rest.length >= 3 ? routers.get(rest[2]) : undefined) ?? routers.get(rest[0] ?? '');
    if (handler) return handler(ctx, next);
    return next();
  });
  app.use(() => {
    throw newNotFoundPath();
  });
  return app;
}

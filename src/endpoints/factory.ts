import type { RouterMiddleware } from '@koa/router';
import type { ResourceDescriptor } from '../resources/descriptor';

/** Handler is one generic endpoint bound to one resource. */
export type Handler = RouterMiddleware;

/**
 * ResourceEndpoints are the generic handlers of one resource, named after the
 * `x-kubernetes-action` they serve. The type parameter is the kind, so generated route modules
 * stay typed even though the handlers themselves are generic.
 */
export interface ResourceEndpoints<T = unknown> {
  readonly list: Handler;
  readonly create: Handler;
  readonly deletecollection: Handler;
  readonly get: Handler;
  readonly update: Handler;
  readonly patch: Handler;
  readonly delete: Handler;
  /** watch serves the deprecated `/watch/.../<name>` paths. */
  readonly watch: Handler;
  /** watchlist serves the deprecated `/watch/...` collection paths. */
  readonly watchlist: Handler;
  /** connect serves exec, attach, proxy and friends. */
  readonly connect: Handler;
  /** kind is a phantom marker that keeps T part of the type. */
  readonly kind?: T;
}

/** SubresourceEndpoints serve `<resource>/<name>/<subresource>`. */
export type SubresourceEndpoints<T = unknown> = ResourceEndpoints<T>;

/** EndpointFactory binds generic handlers to a resource; generated route modules call it. */
export interface EndpointFactory {
  resource<T = unknown>(d: ResourceDescriptor): ResourceEndpoints<T>;
  subresource<T = unknown>(d: ResourceDescriptor, name: string): SubresourceEndpoints<T>;
}

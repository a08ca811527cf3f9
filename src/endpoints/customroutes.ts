import Router from '@koa/router';
import type { ResourceDescriptor } from '../resources/descriptor';
import type { EndpointFactory } from './factory';

/**
 * customResourceRouter binds a custom resource's paths to the generic handlers: the same path
 * shapes the generated route modules bind for built-in resources, made at run time because a
 * CRD's resources exist only once it is established.
 */
export function customResourceRouter(d: ResourceDescriptor, factory: EndpointFactory): Router {
  const router = new Router();
  const h = factory.resource(d);
  const base = `/apis/${d.group}/${d.version}`;
  const collection = d.namespaced ? `${base}/namespaces/:namespace/${d.plural}` : `${base}/${d.plural}`;
  const watchCollection = d.namespaced ? `${base}/watch/namespaces/:namespace/${d.plural}` : `${base}/watch/${d.plural}`;
  if (d.namespaced) {
    router.get(`${base}/${d.plural}`, h.list);
    router.get(`${base}/watch/${d.plural}`, h.watchlist);
  }
  router.get(collection, h.list);
  router.post(collection, h.create);
  router.delete(collection, h.deletecollection);
  router.get(`${collection}/:name`, h.get);
  router.put(`${collection}/:name`, h.update);
  router.patch(`${collection}/:name`, h.patch);
  router.delete(`${collection}/:name`, h.delete);
  router.get(watchCollection, h.watchlist);
  router.get(`${watchCollection}/:name`, h.watch);
  for (const sub of d.subresources) {
    const s = factory.subresource(d, sub.name);
    router.get(`${collection}/:name/${sub.name}`, s.get);
    router.put(`${collection}/:name/${sub.name}`, s.update);
    router.patch(`${collection}/:name/${sub.name}`, s.patch);
  }
  return router;
}

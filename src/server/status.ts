import type { Context, Next } from 'koa';
import { StatusError, isStatusError, newInternalError } from '../apierrors';
import { PROTOBUF_CONTENT_TYPE, encodeStatus } from '../protobuf';
import { acceptsJson } from './negotiation';

/** Logger is where the server reports what clients do not see (500s, start-up). */
export interface Logger {
  info(msg: string): void;
  error(msg: string, err?: unknown): void;
}

/** writeStatus renders a StatusError as its metav1.Status body. */
export function writeStatus(ctx: Context, err: StatusError): void {
  ctx.status = err.code;
  for (const [k, v] of Object.entries(err.headers ?? {})) ctx.set(k, v);
  const accept = ctx.get('accept');
  // A client that takes only protobuf gets its Status in protobuf; everyone else JSON.
  if (!acceptsJson(accept) && /application\/vnd\.kubernetes\.protobuf/.test(accept)) {
    ctx.type = PROTOBUF_CONTENT_TYPE;
    ctx.body = encodeStatus(err.toStatus() as unknown as Record<string, unknown>);
    return;
  }
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(err.toStatus());
}

/**
 * statusMiddleware is the one place errors become responses: a StatusError becomes its
 * metav1.Status; anything else is a bug, logged and answered with a 500 InternalError.
 */
export function statusMiddleware(log: Logger) {
  return async function status(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (e) {
      if (ctx.respond === false || ctx.res.headersSent) {
        log.error(`error after the response started (${ctx.method} ${ctx.path})`, e);
        ctx.res.destroy();
        return;
      }
      if (isStatusError(e)) {
        writeStatus(ctx, e);
        return;
      }
      log.error(`internal error serving ${ctx.method} ${ctx.url}`, e);
      writeStatus(ctx, newInternalError(e));
    }
  };
}

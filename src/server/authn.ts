import type { Context, Next } from 'koa';
import type { TLSSocket } from 'node:tls';
import { newUnauthorized } from '../apierrors';
import type { UserInfo } from '../auth/user';

/** AUTHENTICATED_GROUP is the group every authenticated user is in. */
export const AUTHENTICATED_GROUP = 'system:authenticated';

const usersBySocket = new WeakMap<TLSSocket, UserInfo | null>();

/** userFromCertificate reads CN (user) and O (groups) of a verified client certificate. */
function userFromCertificate(socket: TLSSocket): UserInfo | null {
  const cached = usersBySocket.get(socket);
  if (cached !== undefined) return cached;
  let user: UserInfo | null = null;
  if (socket.authorized) {
    const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    const o = subject?.O;
    const orgs = o === undefined ? [] : Array.isArray(o) ? o : [o];
    if (name) user = { name, groups: [...orgs, AUTHENTICATED_GROUP] };
  }
  usersBySocket.set(socket, user);
  return user;
}

/**
 * authenticate accepts clients whose TLS certificate the server's CA verified; everything else
 * gets 401. (Bearer tokens, service accounts and RBAC arrive with the security work.)
 */
export function authenticate() {
  return async function authn(ctx: Context, next: Next): Promise<void> {
    const user = userFromCertificate(ctx.req.socket as TLSSocket);
    if (!user) throw newUnauthorized();
    (ctx.state as { user?: UserInfo }).user = user;
    await next();
  };
}

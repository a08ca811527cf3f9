/**
 * Client certificate authentication (k8s.io/apiserver/pkg/authentication/request/x509): the TLS
 * layer verifies the chain against --client-ca-file; a verified certificate's CN is the user name
 * and each O a group. A certificate that does not verify is an error, not "no credential": a
 * client that presents a certificate from another CA gets 401 even if anonymous access is on.
 */
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from '../user';
import { AuthenticationError, type AuthRequest, type AuthResponse, type RequestAuthenticator } from './types';

const bySocket = new WeakMap<TLSSocket, UserInfo | AuthenticationError | null>();

/** x509Authenticator reads the user of the connection's verified client certificate. */
export function x509Authenticator(): RequestAuthenticator {
  return {
    async authenticateRequest(req: AuthRequest): Promise<AuthResponse | undefined> {
      const socket = req.socket;
      if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
      let result = bySocket.get(socket);
      if (result === undefined) {
        result = userOf(socket);
        bySocket.set(socket, result);
      }
      if (result === null) return undefined;
      if (result instanceof AuthenticationError) throw result;
      return { user: result };
    },
  };
}

/** userOf is the certificate's user, an error for an unverified certificate, null for none. */
function userOf(socket: TLSSocket): UserInfo | AuthenticationError | null {
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return null;
  if (!socket.authorized) {
    const why = String(socket.authorizationError ?? 'unknown error');
    return new AuthenticationError(`verifying certificate SN=${BigInt(`0x${cert.serialNumber || '0'}`).toString()}, SKID=, AKID= failed: x509: ${describeVerifyError(why)}`);
  }
  const subject = cert.subject as unknown as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return new AuthenticationError('x509: certificate has no common name');
  const o = subject?.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { name, groups };
}

/** describeVerifyError words OpenSSL's verification codes as Go's crypto/x509 does. */
function describeVerifyError(code: string): string {
  switch (code) {
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_SIGNATURE_FAILURE':
      return 'certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'certificate has expired or is not yet valid';
    default:
      return code;
  }
}

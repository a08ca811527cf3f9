/**
 * replayRequest: a request whose body was read early (by the audit) handed on as a stream with
 * the same body and the same request properties, so later steps read it as if nothing had
 * happened.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

export function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from(body.length ? [body] : []) as unknown as IncomingMessage & Record<string, unknown>;
  const props: Record<string, unknown> = {
    headers: original.headers,
    headersDistinct: original.headersDistinct,
    rawHeaders: original.rawHeaders,
    method: original.method,
    url: original.url,
    httpVersion: original.httpVersion,
    socket: original.socket,
    connection: original.socket,
    complete: true,
  };
  for (const [k, v] of Object.entries(props)) Object.defineProperty(replay, k, { value: v, writable: true, configurable: true, enumerable: true });
  return replay;
}

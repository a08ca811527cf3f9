import type { Context } from 'koa';
import { encodeWatchEvent } from '../protobuf';
import { decode } from '../storage/codec';
import type { WatchEncoder, WatchSink } from '../watch/watcher';
import { renderTable, type IncludeObject, type TableSpec } from './table';

/** INITIAL_EVENTS_END_ANNOTATION marks the bookmark that ends a streaming list's initial state. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/** ObjectView renders stored JSON in the version a request asked for. */
export type ObjectView = (value: string) => string;

function bookmarkObject(apiVersion: string, kind: string, rev: number, end: boolean): string {
  const meta: Record<string, unknown> = { resourceVersion: String(rev), creationTimestamp: null };
  if (end) meta.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
  return JSON.stringify({ kind, apiVersion, metadata: meta });
}

/** jsonWatchEncoder frames events as newline-delimited JSON WatchEvents. */
export function jsonWatchEncoder(versionKey: string, apiVersion: string, kind: string, view: ObjectView): WatchEncoder {
  return {
    key: `json:${versionKey}`,
    event: (type, value) => `{"type":"${type}","object":${view(value)}}\n`,
    bookmark: (rev, end) => `{"type":"BOOKMARK","object":${bookmarkObject(apiVersion, kind, rev, end)}}\n`,
  };
}

/** protobufWatchEncoder frames events as length-prefixed protobuf WatchEvents. */
export function protobufWatchEncoder(versionKey: string, apiVersion: string, kind: string, view: ObjectView): WatchEncoder {
  return {
    key: `protobuf:${versionKey}`,
    event: (type, value) => encodeWatchEvent(type, decode(view(value))),
    bookmark: (rev, end) => {
      const metadata: Record<string, unknown> = { resourceVersion: String(rev) };
      if (end) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
      return encodeWatchEvent('BOOKMARK', { kind, apiVersion, metadata });
    },
  };
}

/**
 * tableWatchEncoder frames events as Tables of one row. Like kube-apiserver it sends column
 * definitions with the first event only; the encoder switches its key after that so the
 * header-less rendering is shared between watchers.
 */
export function tableWatchEncoder(
  versionKey: string,
  spec: TableSpec,
  tableVersion: string,
  include: IncludeObject,
  view: ObjectView,
  now: () => Date,
): WatchEncoder {
  let headers = true;
  const keyOf = () => `table:${versionKey}:${tableVersion}:${include}:${headers ? 'h' : 'nh'}`;
  const enc: WatchEncoder = {
    key: keyOf(),
    event: (type, value) => {
      const obj = decode(view(value));
      const table = renderTable(spec, [obj], { version: tableVersion, include, noHeaders: !headers, now: now(), resourceVersion: obj.metadata.resourceVersion });
      return `{"type":"${type}","object":${table}}\n`;
    },
    afterEvent: () => {
      if (!headers) return;
      headers = false;
      (enc as { key: string }).key = keyOf();
    },
    bookmark: (rev, end) => `{"type":"BOOKMARK","object":${bookmarkObject(`meta.k8s.io/${tableVersion}`, 'Table', rev, end)}}\n`,
  };
  return enc;
}

/**
 * streamTo takes over the HTTP response for a watch: chunked newline-delimited frames until the
 * watch ends, the client goes away or the timeout passes.
 */
export function openWatchStream(ctx: Context, contentType: string): { sink: WatchSink; closed: Promise<void> } {
  ctx.respond = false;
  const res = ctx.res;
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  for (const [k, v] of Object.entries(ctx.response.headers)) if (!res.hasHeader(k) && v !== undefined) res.setHeader(k, v as string | string[]);
  res.flushHeaders();
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let ended = false;
  const sink: WatchSink = {
    write: (chunk) => {
      if (!ended) res.write(chunk);
    },
    buffered: () => res.writableLength,
    close: () => {
      if (ended) return;
      ended = true;
      res.end();
      done();
    },
  };
  res.on('close', () => {
    ended = true;
    done();
  });
  return { sink, closed };
}

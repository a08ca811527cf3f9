/**
 * RequestInfo: what an HTTP request does, in API terms (k8s.io/apiserver/pkg/endpoints/request
 * RequestInfoFactory). Resource requests are `/api/<v>/...` and `/apis/<g>/<v>/...`; everything
 * else is a non-resource request whose verb is the lower-cased HTTP method.
 */

/** RequestInfo is the parsed request (upstream request.RequestInfo). */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
  fieldSelector: string;
  labelSelector: string;
}

/** API_PREFIXES and GROUPLESS_API_PREFIXES are kube-apiserver's. */
const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
/** SPECIAL_VERBS are path prefixes that name the verb (`/api/v1/watch/pods`). */
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
/** NAMESPACE_SUBRESOURCES tell `namespaces/<ns>/status` (the namespace) from `namespaces/<ns>/pods`. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERBS_WITH_SELECTORS = new Set(['list', 'watch', 'deletecollection']);

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** RequestInfoError is a resource path too short to tell what it names. */
export class RequestInfoError extends Error {}

/**
 * newRequestInfo parses method, path and query. A parse failure still returns what is known
 * (as upstream does) together with the error.
 */
export function newRequestInfo(method: string, path: string, query: URLSearchParams): { info: RequestInfo; error?: RequestInfoError } {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
    fieldSelector: '',
    labelSelector: '',
  };
  let parts = splitPath(path);
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return { info };
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (!GROUPLESS_API_PREFIXES.has(info.apiPrefix)) {
    if (parts.length < 3) return { info };
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);

  let verbViaPathPrefix = false;
  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) return { info, error: new RequestInfoError(`unable to determine kind and namespace from url, ${path}`) };
    info.verb = parts[0];
    parts = parts.slice(1);
    verbViaPathPrefix = true;
  } else {
    info.verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  // No name and a GET: a list or a watch; a single-object field selector names the object.
  if (!info.name && info.verb === 'get') {
    info.verb = isWatch(query) ? 'watch' : 'list';
    const name = exactNameOf(query.get('fieldSelector'));
    if (name !== undefined && isPathSegmentName(name)) info.name = name;
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  if (!verbViaPathPrefix && VERBS_WITH_SELECTORS.has(info.verb)) {
    info.fieldSelector = query.get('fieldSelector') ?? '';
    info.labelSelector = query.get('labelSelector') ?? '';
  }
  return { info };
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

/** isWatch reads the watch parameter as upstream's ListOptions decoding does. */
function isWatch(query: URLSearchParams): boolean {
  const v = query.get('watch');
  if (v === null) return false;
  return !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(v);
}

/** exactNameOf returns X of the first `metadata.name=X` (or `==X`) term of a field selector. */
function exactNameOf(selector: string | null): string | undefined {
  if (!selector) return undefined;
  for (const t of selector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(t);
    if (m) return m[2];
  }
  return undefined;
}

/** isPathSegmentName is upstream's path.IsValidPathSegmentName. */
function isPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

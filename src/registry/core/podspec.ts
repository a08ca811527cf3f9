/**
 * PodSpec defaults, shared by every kind that embeds a pod template (pods, pod templates,
 * replication controllers, deployments, replica sets, stateful sets, daemon sets), as upstream's
 * defaulters recurse into each embedded PodSpec (k8s.io/kubernetes pkg/apis/core/v1/defaults.go).
 */
import { isPlainObject } from '../../meta/object';

type Obj = Record<string, unknown>;

/** DEFAULT_TERMINATION_GRACE_PERIOD_S is upstream's DefaultTerminationGracePeriodSeconds. */
const DEFAULT_TERMINATION_GRACE_PERIOD_S = 30;
/** DEFAULT_VOLUME_MODE is 0644, the mode of files projected from secrets and config maps. */
const DEFAULT_VOLUME_MODE = 0o644;
/** TOKEN_PROJECTION_SECONDS is the default lifetime of a projected service account token (1h). */
const TOKEN_PROJECTION_SECONDS = 3600;

function obj(v: unknown): Obj | undefined {
  return isPlainObject(v) ? v : undefined;
}

function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

/**
 * pullPolicyFor is upstream's rule: `:latest` or no tag pulls Always, a digest or another tag
 * IfNotPresent.
 */
export function pullPolicyFor(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagSep = image.indexOf(':', lastSlash + 1);
  if (tagSep < 0) return 'Always'; // no tag means :latest
  return image.slice(tagSep + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  const http = obj(p.httpGet);
  if (http) {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
}

function defaultHandler(h: Obj | undefined): void {
  const http = obj(h?.httpGet);
  if (http) {
    setDefault(http, 'path', '/');
    setDefault(http, 'scheme', 'HTTP');
  }
}

function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string' && c.imagePullPolicy === undefined) c.imagePullPolicy = pullPolicyFor(c.image);
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const port of list(c.ports)) setDefault(port, 'protocol', 'TCP');
  for (const env of list(c.env)) {
    const fieldRef = obj(obj(env.valueFrom)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(obj(c.livenessProbe));
  defaultProbe(obj(c.readinessProbe));
  defaultProbe(obj(c.startupProbe));
  const lifecycle = obj(c.lifecycle);
  defaultHandler(obj(lifecycle?.postStart));
  defaultHandler(obj(lifecycle?.preStop));
}

function defaultVolume(v: Obj): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  const modeSources = ['secret', 'configMap', 'downwardAPI', 'projected'];
  for (const s of modeSources) {
    const src = obj(v[s]);
    if (src) setDefault(src, 'defaultMode', DEFAULT_VOLUME_MODE);
  }
  for (const source of list(obj(v.projected)?.sources)) {
    const token = obj(source.serviceAccountToken);
    if (token) setDefault(token, 'expirationSeconds', TOKEN_PROJECTION_SECONDS);
  }
  const hostPath = obj(v.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  for (const item of list(obj(v.downwardAPI)?.items)) {
    const fieldRef = obj(item.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

/**
 * mirrorServiceAccount keeps v1's deprecated serviceAccount an alias of serviceAccountName, as
 * upstream's conversions do for every v1 PodSpec (Convert_v1_PodSpec_To_core_PodSpec takes it
 * when serviceAccountName is empty; the way back writes serviceAccountName into it), so a stored
 * pod or template shows both or neither.
 */
function mirrorServiceAccount(spec: Obj): void {
  const deprecated = typeof spec.serviceAccount === 'string' ? spec.serviceAccount : '';
  if ((typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '') && deprecated) spec.serviceAccountName = deprecated;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
}

/** defaultPodSpec applies upstream's PodSpec, Container and Volume defaults in place. */
export function defaultPodSpec(spec: Obj): void {
  mirrorServiceAccount(spec);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_S);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/**
 * defaultPodOnly applies the defaults upstream keeps to Pod objects (not templates, so that
 * adding them never changes a workload's template): requests from limits, service links, and
 * host ports under host networking.
 */
export function defaultPodOnly(spec: Obj): void {
  setDefault(spec, 'enableServiceLinks', true);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const resources = obj(c.resources);
    const limits = obj(resources?.limits);
    if (resources && limits) {
      const requests = obj(resources.requests) ?? {};
      for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
      resources.requests = requests;
    }
    if (hostNetwork) for (const port of list(c.ports)) if (!port.hostPort) port.hostPort = port.containerPort;
  }
}

/** defaultPodTemplate defaults the PodSpec of an embedded PodTemplateSpec at `template`. */
export function defaultPodTemplate(template: unknown): void {
  const spec = obj(obj(template)?.spec);
  if (spec) defaultPodSpec(spec);
}

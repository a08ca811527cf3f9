/**
 * ServiceAccount admission (k8s.io/kubernetes plugin/pkg/admission/serviceaccount): a new pod
 * runs as a service account (`default` unless it names one), which must exist; unless either
 * opts out of automounting, every container gets the projected `kube-api-access-<random>` volume
 * (a bound token, the cluster CA and the namespace) at /var/run/secrets/kubernetes.io/serviceaccount;
 * the service account's imagePullSecrets are copied when the pod has none.
 */
import { randomInt } from 'node:crypto';
import { isPlainObject, type KubeObject } from '../meta/object';
import { admissionForbidden } from './forbidden';
import type { Attributes, Plugin } from './interface';

export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS is the projected token's lifetime upstream asks for (1h + 7s). */
const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
/** PROJECTED_DEFAULT_MODE is 0644, set explicitly as upstream does. */
const PROJECTED_DEFAULT_MODE = 0o644;
/**
 * DEFAULT_SA_WAIT_MS: the default account is made by a controller right after its namespace, so
 * a pod created at once may have to wait for it; upstream retries up to 10 times 100-200ms apart.
 * DEFAULT_SA_POLL_MS looks more often, so the wait is no longer than it has to be.
 */
const DEFAULT_SA_WAIT_MS = 2_000;
const DEFAULT_SA_POLL_MS = 20;
/** NAME_ALPHABET and RANDOM_LENGTH are upstream's SimpleNameGenerator's. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const RANDOM_LENGTH = 5;

type Obj = Record<string, unknown>;

/** tokenVolumeSource is upstream's TokenVolumeSource(). */
export function tokenVolumeSource(): Obj {
  return {
    defaultMode: PROJECTED_DEFAULT_MODE,
    sources: [
      { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
      { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
    ],
  };
}

function generateVolumeName(): string {
  let s = `${SERVICE_ACCOUNT_VOLUME_NAME}-`;
  for (let i = 0; i < RANDOM_LENGTH; i++) s += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return s;
}

/** serviceAccountAdmission reads service accounts through `lookup` (the watch cache). */
export function serviceAccountAdmission(lookup: (namespace: string, name: string) => KubeObject | undefined): Plugin {
  const ignore = (a: Attributes) => a.resource.group !== '' || a.resource.plural !== 'pods' || (a.subresource !== '' && a.subresource !== 'ephemeralcontainers') || !a.object;

  const getServiceAccount = async (a: Attributes, name: string): Promise<KubeObject> => {
    const deadline = Date.now() + (name === DEFAULT_SERVICE_ACCOUNT_NAME ? DEFAULT_SA_WAIT_MS : 0);
    for (;;) {
      const sa = lookup(a.namespace, name);
      if (sa) return sa;
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, DEFAULT_SA_POLL_MS));
    }
    throw admissionForbidden(a, `error looking up service account ${a.namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found`);
  };

  const validate = async (a: Attributes) => {
    if (ignore(a) || a.operation !== 'CREATE' || a.subresource !== '') return;
    const pod = a.object!;
    const spec = isPlainObject(pod.spec) ? pod.spec : {};
    const saName = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : '';
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
      if (saName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
      if (referencedSecrets(spec).length) throw admissionForbidden(a, 'a mirror pod may not reference secrets');
      return;
    }
    if (!saName) throw admissionForbidden(a, `no service account specified for pod ${a.namespace}/${pod.metadata.name ?? ''}`);
    const sa = await getServiceAccount(a, saName);
    if (sa.metadata.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION] === 'true') {
      const err = limitSecretReferences(sa, spec);
      if (err) throw admissionForbidden(a, err);
    }
  };

  return {
    name: 'ServiceAccount',
    async admit(a) {
      if (ignore(a) || a.operation !== 'CREATE' || a.subresource !== '') return;
      const pod = a.object!;
      if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      const spec: Obj = isPlainObject(pod.spec) ? pod.spec : (pod.spec = {});
      // v1's deprecated serviceAccount stands in for serviceAccountName, and mirrors it on the way out.
      if (typeof spec.serviceAccountName !== 'string' || !spec.serviceAccountName) {
        spec.serviceAccountName = typeof spec.serviceAccount === 'string' && spec.serviceAccount ? spec.serviceAccount : DEFAULT_SERVICE_ACCOUNT_NAME;
      }
      spec.serviceAccount = spec.serviceAccountName;
      const sa = await getServiceAccount(a, spec.serviceAccountName as string);
      if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
      const pull = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [];
      const saPull = Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets.filter(isPlainObject) : [];
      if (pull.length === 0 && saPull.length) spec.imagePullSecrets = saPull.map((s) => ({ name: s.name }));
    },
    validate,
  };
}

function shouldAutomount(sa: KubeObject, spec: Obj): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** mountServiceAccountToken adds the projected volume and its mount to every container without one. */
function mountServiceAccountToken(spec: Obj): void {
  const volumes: Obj[] = Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : [];
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const volumeName = existing ? String(existing.name) : generateVolumeName();
  let needsVolume = false;
  for (const field of ['initContainers', 'containers']) {
    const containers = Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isPlainObject) : [];
    for (const c of containers) {
      const mounts: Obj[] = Array.isArray(c.volumeMounts) ? (c.volumeMounts as Obj[]) : [];
      if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { mountPath: DEFAULT_API_TOKEN_MOUNT_PATH, name: volumeName, readOnly: true }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

/** referencedSecrets lists the secret names a pod spec uses (volumes, env, envFrom, pull secrets). */
function referencedSecrets(spec: Obj): string[] {
  const names: string[] = [];
  for (const v of Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []) {
    if (isPlainObject(v.secret) && typeof v.secret.secretName === 'string') names.push(v.secret.secretName);
  }
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isPlainObject) : []) {
      for (const e of Array.isArray(c.env) ? c.env.filter(isPlainObject) : []) {
        if (isPlainObject(e.valueFrom) && isPlainObject(e.valueFrom.secretKeyRef)) names.push(String(e.valueFrom.secretKeyRef.name ?? ''));
      }
      for (const e of Array.isArray(c.envFrom) ? c.envFrom.filter(isPlainObject) : []) {
        if (isPlainObject(e.secretRef)) names.push(String(e.secretRef.name ?? ''));
      }
    }
  }
  for (const p of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets.filter(isPlainObject) : []) names.push(String(p.name ?? ''));
  return names;
}

/** limitSecretReferences enforces kubernetes.io/enforce-mountable-secrets: only the account's secrets. */
function limitSecretReferences(sa: KubeObject, spec: Obj): string | undefined {
  const saName = sa.metadata.name ?? '';
  const mountable = new Set((Array.isArray(sa.secrets) ? sa.secrets.filter(isPlainObject) : []).map((s) => String(s.name ?? '')));
  for (const v of Array.isArray(spec.volumes) ? spec.volumes.filter(isPlainObject) : []) {
    if (!isPlainObject(v.secret)) continue;
    const name = String(v.secret.secretName ?? '');
    if (!mountable.has(name)) return `volume with secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [field, label] of [['initContainers', 'init container'], ['containers', 'container']] as const) {
    for (const c of Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isPlainObject) : []) {
      for (const e of Array.isArray(c.env) ? c.env.filter(isPlainObject) : []) {
        if (!isPlainObject(e.valueFrom) || !isPlainObject(e.valueFrom.secretKeyRef)) continue;
        const name = String(e.valueFrom.secretKeyRef.name ?? '');
        if (!mountable.has(name)) return `${label} ${String(c.name ?? '')} with envVar ${String(e.name ?? '')} referencing secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
      }
      for (const e of Array.isArray(c.envFrom) ? c.envFrom.filter(isPlainObject) : []) {
        if (!isPlainObject(e.secretRef)) continue;
        const name = String(e.secretRef.name ?? '');
        if (!mountable.has(name)) return `${label} ${String(c.name ?? '')} with envFrom referencing secret.secretName="${name}" is not allowed because service account ${saName} does not reference that secret`;
      }
    }
  }
  const pullable = new Set((Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets.filter(isPlainObject) : []).map((s) => String(s.name ?? '')));
  const pulls = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets.filter(isPlainObject) : [];
  for (let i = 0; i < pulls.length; i++) {
    const name = String(pulls[i].name ?? '');
    if (!pullable.has(name)) return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

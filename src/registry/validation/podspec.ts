/**
 * PodSpec validation: the rules of upstream's ValidatePodSpec that users meet, with its field
 * paths and messages. Shared by pods and every pod template.
 */
import { FieldError, FieldPath, duplicate, forbidden, invalid, notSupported, required } from '../../apierrors';
import { compareQuantities } from '../../meta/quantity';
import { formatQuantity } from '../printing';
import {
  type Obj,
  objects,
  obj,
  quantityList,
  str,
  uniqueNames,
  validateDNSLabel,
  validateEnum,
  validatePortName,
  validatePortNum,
  validateProtocol,
} from './common';

const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'] as const;
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const TERMINATION_MESSAGE_POLICIES = ['FallbackToLogsOnError', 'File'] as const;
/** ENV_NAME matches upstream's relaxed environment variable names (printable ASCII without '='). */
const ENV_NAME = /^[ -<>-~]+$/;

/** VOLUME_SOURCES are the fields of VolumeSource; a volume has exactly one. */
const VOLUME_SOURCES = [
  'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI', 'emptyDir',
  'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image', 'iscsi',
  'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd', 'scaleIO',
  'secret', 'storageos', 'vsphereVolume',
];

function validateResources(resources: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(resources);
  if (!r) return errs;
  const limits = quantityList(r.limits, path.child('limits'), errs);
  const requests = quantityList(r.requests, path.child('requests'), errs);
  for (const [name, req] of requests) {
    const lim = limits.get(name);
    if (lim && compareQuantities(req, lim) > 0) {
      // Upstream reports on the requests path itself, values as Quantity.String() prints them.
      const reqText = formatQuantity(String((obj(r.requests) ?? {})[name]));
      const limText = formatQuantity(String((obj(r.limits) ?? {})[name]));
      errs.push(invalid(path.child('requests').toString(), reqText, `must be less than or equal to ${name} limit of ${limText}`));
    }
  }
  return errs;
}

function validateContainer(c: Obj, path: FieldPath, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateDNSLabel(c.name, path.child('name')));
  if (!str(c.image) || !str(c.image)!.trim()) errs.push(required(path.child('image').toString()));
  errs.push(...validateEnum(c.imagePullPolicy, PULL_POLICIES, path.child('imagePullPolicy'), false));
  errs.push(...validateEnum(c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, path.child('terminationMessagePolicy'), false));
  const portNames = new Set<string>();
  objects(c.ports).forEach((p, i) => {
    const pp = path.child('ports').index(i);
    if (p.containerPort === undefined) errs.push(required(pp.child('containerPort').toString()));
    else errs.push(...validatePortNum(p.containerPort, pp.child('containerPort')));
    if (p.hostPort !== undefined) errs.push(...validatePortNum(p.hostPort, pp.child('hostPort'), true));
    const name = str(p.name);
    if (name) {
      errs.push(...validatePortName(name, pp.child('name')));
      if (portNames.has(name)) errs.push(new FieldError('Duplicate', pp.child('name').toString(), name));
      portNames.add(name);
    }
    if (p.protocol !== undefined) errs.push(...validateProtocol(p.protocol, pp.child('protocol')));
  });
  objects(c.env).forEach((e, i) => {
    const ep = path.child('env').index(i).child('name');
    const name = str(e.name);
    if (!name) errs.push(required(ep.toString()));
    else if (!ENV_NAME.test(name)) errs.push(invalid(ep.toString(), name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
  });
  objects(c.volumeMounts).forEach((m, i) => {
    const mp = path.child('volumeMounts').index(i);
    const name = str(m.name);
    if (!name) errs.push(required(mp.child('name').toString()));
    else if (!volumes.has(name)) errs.push(new FieldError('NotFound', mp.child('name').toString(), name));
    if (!str(m.mountPath)) errs.push(required(mp.child('mountPath').toString()));
  });
  errs.push(...validateResources(c.resources, path.child('resources')));
  return errs;
}

function validateVolumes(volumes: Obj[], path: FieldPath): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const vp = path.index(i);
    errs.push(...validateDNSLabel(v.name, vp.child('name')));
    const name = str(v.name);
    if (name) {
      if (names.has(name)) errs.push(new FieldError('Duplicate', vp.child('name').toString(), name));
      names.add(name);
    }
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
    if (sources.length === 0) errs.push(required(vp.toString(), 'must specify a volume type'));
    else if (sources.length > 1) errs.push(new FieldError('Forbidden', vp.child(sources[1]).toString(), undefined, 'may not specify more than 1 volume type'));
    const claim = obj(v.persistentVolumeClaim);
    if (claim && !str(claim.claimName)) errs.push(required(vp.child('persistentVolumeClaim').child('claimName').toString()));
  });
  return { errs, names };
}

/**
 * EPHEMERAL_FORBIDDEN are the container fields an ephemeral container may not set: upstream
 * keeps an allow list, so that probes, lifecycle, resources and ports (what a workload relies
 * on) stay out of a container that is only for debugging.
 */
const EPHEMERAL_FORBIDDEN = ['ports', 'resources', 'resizePolicy', 'lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe', 'restartPolicy'] as const;
const EPHEMERAL_DETAIL = 'cannot be set for an Ephemeral Container';

/** isGoZero tells a value Go would leave at its zero value: absent, a scalar zero, or an object of such. */
function isGoZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  const o = obj(v);
  return o !== undefined && Object.values(o).every((x) => x === undefined || x === null || x === false || x === 0 || x === '');
}

/**
 * validateEphemeralContainers is upstream's validateEphemeralContainers: each is a valid
 * container whose name no other container of the pod has, whose target is one of the pod's
 * containers, and which sets none of the workload fields nor volume subpaths. `names` holds the
 * names of the other containers.
 */
function validateEphemeralContainers(ecs: Obj[], others: Obj[], volumes: Set<string>, path: FieldPath, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const targets = new Set(others.map((c) => c.name).filter((n): n is string => typeof n === 'string'));
  ecs.forEach((c, i) => {
    const p = path.index(i);
    errs.push(...validateContainer(c, p, volumes));
    if (typeof c.name === 'string' && c.name) {
      if (names.has(c.name)) errs.push(duplicate(p.child('name').toString(), c.name));
      else names.add(c.name);
    }
    if (typeof c.targetContainerName === 'string' && c.targetContainerName && !targets.has(c.targetContainerName)) {
      errs.push(new FieldError('NotFound', p.child('targetContainerName').toString(), c.targetContainerName));
    }
    for (const f of EPHEMERAL_FORBIDDEN) if (!isGoZero(c[f])) errs.push(forbidden(p.child(f).toString(), EPHEMERAL_DETAIL));
    objects(c.volumeMounts).forEach((m, j) => {
      for (const f of ['subPath', 'subPathExpr']) if (m[f]) errs.push(forbidden(p.child('volumeMounts').index(j).child(f).toString(), EPHEMERAL_DETAIL));
    });
  });
  return errs;
}

/** validatePodSpec validates a PodSpec at `path` (`spec` or `spec.template.spec`). */
export function validatePodSpec(spec: unknown, path: FieldPath, opts: { restartPolicies?: readonly string[] } = {}): FieldError[] {
  const s = obj(spec);
  if (!s) return [required(path.toString())];
  const errs: FieldError[] = [];
  const { errs: volumeErrs, names: volumes } = validateVolumes(objects(s.volumes), path.child('volumes'));
  errs.push(...volumeErrs);
  const containers = objects(s.containers);
  if (containers.length === 0) errs.push(required(path.child('containers').toString()));
  const seen = new Set<string>();
  const init = objects(s.initContainers);
  init.forEach((c, i) => errs.push(...validateContainer(c, path.child('initContainers').index(i), volumes)));
  errs.push(...uniqueNames(init, path.child('initContainers'), 'name', seen));
  containers.forEach((c, i) => errs.push(...validateContainer(c, path.child('containers').index(i), volumes)));
  errs.push(...uniqueNames(containers, path.child('containers'), 'name', seen));
  errs.push(...validateEphemeralContainers(objects(s.ephemeralContainers), [...init, ...containers], volumes, path.child('ephemeralContainers'), seen));
  const allowed = opts.restartPolicies ?? RESTART_POLICIES;
  if (s.restartPolicy !== undefined && (typeof s.restartPolicy !== 'string' || !allowed.includes(s.restartPolicy))) {
    errs.push(notSupported(path.child('restartPolicy').toString(), s.restartPolicy, allowed));
  }
  errs.push(...validateEnum(s.dnsPolicy, DNS_POLICIES, path.child('dnsPolicy'), false));
  if (typeof s.terminationGracePeriodSeconds === 'number' && s.terminationGracePeriodSeconds < 0) {
    errs.push(invalid(path.child('terminationGracePeriodSeconds').toString(), s.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  if (typeof s.activeDeadlineSeconds === 'number' && s.activeDeadlineSeconds <= 0) {
    errs.push(invalid(path.child('activeDeadlineSeconds').toString(), s.activeDeadlineSeconds, 'must be greater than or equal to 1'));
  }
  if (s.nodeName !== undefined && s.nodeName !== '' && typeof s.nodeName === 'string') {
    const name = s.nodeName;
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) errs.push(invalid(path.child('nodeName').toString(), name, 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character'));
  }
  return errs;
}

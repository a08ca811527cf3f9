/**
 * PersistentVolumeClaims (core/v1): the resource's special behaviour. For now, its Table printer:
 * the cells of `kubectl get persistentvolumeclaims [-o wide]`, as kube-apiserver's
 * printPersistentVolumeClaim computes them (k8s.io/kubernetes pkg/printers/internalversion).
 * Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { isPlainObject, type KubeObject } from '../../meta/object';
import { ageOf, formatQuantity, nameOf, readArray, readField, readOptionalString, readString } from '../printing';

/** BETA_STORAGE_CLASS_ANNOTATION names the class of claims written before spec.storageClassName; it wins. */
const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** UNSET is what upstream prints for an absent optional field of a claim. */
const UNSET = '<unset>';

/** ACCESS_MODE_ABBREVIATIONS lists the access modes in the order upstream prints them. */
const ACCESS_MODE_ABBREVIATIONS: ReadonlyArray<[string, string]> = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** accessModes prints access modes abbreviated, in upstream's fixed order ("RWO,ROX"). */
function accessModes(modes: unknown[]): string {
  return ACCESS_MODE_ABBREVIATIONS.filter(([mode]) => modes.includes(mode))
    .map(([, abbreviation]) => abbreviation)
    .join(',');
}

/** storageClass is the claim's class: the beta annotation if present, else spec.storageClassName. */
function storageClass(claim: KubeObject): string {
  const annotations = claim.metadata.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(annotations, BETA_STORAGE_CLASS_ANNOTATION)) {
    return String(annotations[BETA_STORAGE_CLASS_ANNOTATION]);
  }
  return readString(claim, 'spec', 'storageClassName');
}

/**
 * printer returns a claim's cells: NAME, STATUS (the phase, "Terminating" once deleted), VOLUME,
 * CAPACITY and ACCESS MODES (both from status, and only once bound to a volume), STORAGECLASS,
 * VOLUMEATTRIBUTESCLASS, AGE and the wide VOLUMEMODE.
 */
export const printer: TablePrinter = (claim, now) => {
  const volumeName = readString(claim, 'spec', 'volumeName');
  const isBound = volumeName !== '';
  const capacity = readField(claim, 'status', 'capacity', 'storage');
  // A quantity may arrive as a JSON number; absent, it is the zero quantity, "0".
  const capacityText = typeof capacity === 'string' || typeof capacity === 'number' ? formatQuantity(String(capacity)) : '0';
  return [
    nameOf(claim),
    readField(claim, 'metadata', 'deletionTimestamp') != null ? 'Terminating' : readString(claim, 'status', 'phase'),
    volumeName,
    isBound ? capacityText : '',
    isBound ? accessModes(readArray(claim, 'status', 'accessModes')) : '',
    storageClass(claim),
    readOptionalString(claim, 'spec', 'volumeAttributesClassName') ?? UNSET,
    ageOf(claim, now),
    readOptionalString(claim, 'spec', 'volumeMode') ?? UNSET,
  ];
};


/** defaults applies upstream's claim defaults: Filesystem volumes, a Pending phase. */
function defaults(claim: KubeObject): void {
  if (isPlainObject(claim.spec)) claim.spec.volumeMode ??= 'Filesystem';
  if (isPlainObject(claim.status)) claim.status.phase ??= 'Pending';
}

/** strategy is what persistentvolumeclaims does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, tracksGeneration: false, defaults };

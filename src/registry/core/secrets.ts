/**
 * Secrets (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get secrets`, as kube-apiserver's printSecret computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { immutableData, mergeStringData, secretTypeImmutable, validateSecret } from '../validation/data';
import { ageOf, nameOf, readObject, readString } from '../printing';

/**
 * dataKeyCount counts the secret's keys. v1 stringData is write-only: decoding merges it into
 * data (a key in both counts once), so a secret that still carries it counts the union.
 */
function dataKeyCount(secret: KubeObject): number {
  const keys = new Set([...Object.keys(readObject(secret, 'data') ?? {}), ...Object.keys(readObject(secret, 'stringData') ?? {})]);
  return keys.size;
}

/** printer returns a secret's cells: NAME, TYPE, DATA (how many keys) and AGE. */
export const printer: TablePrinter = (secret, now) => [
  nameOf(secret),
  readString(secret, 'type'),
  dataKeyCount(secret),
  ageOf(secret, now),
];


/** defaults gives a secret without a type the Opaque type, as upstream. */
function defaults(secret: KubeObject): void {
  secret.type ??= 'Opaque';
}

/** strategy is what secrets does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  printer,
  defaults: (secret) => {
    mergeStringData(secret);
    defaults(secret);
  },
  validate: validateSecret,
  validateUpdate: (secret, old) => [...immutableData(secret, old, ['data']), ...secretTypeImmutable(secret, old)],
};

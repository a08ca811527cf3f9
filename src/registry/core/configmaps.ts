/**
 * ConfigMaps (core/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get configmaps`, as kube-apiserver's printConfigMap computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { immutableData, validateConfigMap } from '../validation/data';
import { ageOf, countKeys, nameOf } from '../printing';

/** printer returns a config map's cells: NAME, DATA (how many keys data and binaryData hold) and AGE. */
export const printer: TablePrinter = (cm, now) => [
  nameOf(cm),
  countKeys(cm, 'data') + countKeys(cm, 'binaryData'),
  ageOf(cm, now),
];

/** strategy is what configmaps does differently from the default strategy. */
export const strategy: StrategyOverrides = {
  printer,
  validate: validateConfigMap,
  validateUpdate: (cm, old) => immutableData(cm, old, ['data', 'binaryData']),
};

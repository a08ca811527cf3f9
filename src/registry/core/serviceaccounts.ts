/**
 * ServiceAccounts (core/v1): the resource's special behaviour. For now, its Table printer: the
 * cells of `kubectl get serviceaccounts`, as kube-apiserver's printServiceAccount computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import { ageOf, nameOf, readArray } from '../printing';

/** printer returns a service account's cells: NAME, SECRETS (how many it lists) and AGE. */
export const printer: TablePrinter = (sa, now) => [nameOf(sa), readArray(sa, 'secrets').length, ageOf(sa, now)];

/** strategy is what serviceaccounts does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, returnDeletedObject: true };

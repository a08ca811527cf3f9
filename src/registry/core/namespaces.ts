/**
 * Namespaces (core/v1): the resource's special behaviour. For now, its Table printer: the cells
 * of `kubectl get namespaces`, as kube-apiserver's printNamespace computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { TablePrinter } from '../printer';
import { ageOf, nameOf, readString } from '../printing';

/** printer returns a namespace's cells: NAME, STATUS (status.phase) and AGE. */
export const printer: TablePrinter = (ns, now) => [nameOf(ns), readString(ns, 'status', 'phase'), ageOf(ns, now)];

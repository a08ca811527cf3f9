import type { KubeObject } from '../meta/object';

/**
 * PrinterColumn mirrors metav1.TableColumnDefinition plus an optional JSONPath. The columns of
 * each resource come from the generated resource table (schemas/overlay/printers.yaml for
 * built-in kinds, additionalPrinterColumns for custom resources).
 */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
  /** jsonPath, when set, computes the cell generically; otherwise the resource's printer does. */
  jsonPath?: string;
}

/**
 * TablePrinter computes one row's cells for a resource whose columns need more than a JSONPath
 * (pods' READY and STATUS, say). It returns one cell per printer column, in column order, the
 * Name column included. `now` is injected so ages are testable.
 */
export type TablePrinter = (obj: KubeObject, now: Date) => unknown[];

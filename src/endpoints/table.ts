import type { KubeObject } from '../meta/object';
import type { PrinterColumn, TablePrinter } from '../registry/printer';
import { translateTimestampSince } from '../registry/printing';
import { evaluateJsonPath } from './jsonpath';

/** IncludeObject is the Table's includeObject parameter. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** TableSpec is what a resource needs to render Table rows. */
export interface TableSpec {
  columns: readonly PrinterColumn[];
  printer?: TablePrinter;
}

/** cellsFor computes one row's cells: the resource's printer, or each column's JSONPath. */
export function cellsFor(spec: TableSpec, obj: KubeObject, now: Date): unknown[] {
  if (spec.printer) return spec.printer(obj, now);
  return spec.columns.map((c) => {
    if (!c.jsonPath) return null;
    const values = evaluateJsonPath(c.jsonPath, obj);
    if (values.length === 0) return null;
    const v = values[0];
    if (c.type === 'date') return translateTimestampSince(v, now);
    if (c.type === 'string' && typeof v === 'object' && v !== null) return JSON.stringify(v);
    return v;
  });
}

/** rowObject is what a row carries besides its cells, by includeObject. */
export function rowObject(obj: KubeObject, include: IncludeObject, tableVersion: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: obj.metadata };
}

/** renderTable renders a meta.k8s.io Table of the given objects. */
export function renderTable(
  spec: TableSpec,
  objects: readonly KubeObject[],
  opts: { version: string; include: IncludeObject; resourceVersion?: string; continue?: string; remainingItemCount?: number; noHeaders?: boolean; now: Date },
): string {
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  const table = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : spec.columns.map(({ name, type, format, description, priority }) => ({ name, type, format, description, priority })),
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: cellsFor(spec, o, opts.now) };
      const object = rowObject(o, opts.include, opts.version);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
  return JSON.stringify(table);
}

/**
 * Events (core/v1): the resource's special behaviour. For now, its Table printer: the cells of
 * `kubectl get events [-o wide]`, as kube-apiserver's printEvent computes them
 * (k8s.io/kubernetes pkg/printers/internalversion). Columns: schemas/overlay/printers.yaml.
 */

import type { KubeObject } from '../../meta/object';
import type { TablePrinter } from '../printer';
import type { StrategyOverrides } from '../strategy';
import {
  nameOf,
  parseTimestamp,
  readField,
  readInt,
  readObject,
  readString,
  translateTimestampSince,
  trimSpace,
} from '../printing';

/**
 * eventSource prints the SOURCE cell: "component, host", taking reportingController and
 * reportingInstance where the legacy source fields are empty, and leaving out an empty host.
 */
function eventSource(event: KubeObject): string {
  const component = readString(event, 'source', 'component') || readString(event, 'reportingController');
  const host = readString(event, 'source', 'host') || readString(event, 'reportingInstance');
  return host === '' ? component : `${component}, ${host}`;
}

/** involvedObject prints the OBJECT cell: "<kind>/<name>" in lower case kind, or the kind alone. */
function involvedObject(event: KubeObject): string {
  const kind = readString(event, 'involvedObject', 'kind').toLowerCase();
  const name = readString(event, 'involvedObject', 'name');
  return name !== '' ? `${kind}/${name}` : kind;
}

/**
 * printer returns an event's cells: LAST SEEN, TYPE, REASON, OBJECT, the wide SUBOBJECT and
 * SOURCE, MESSAGE, and the wide FIRST SEEN, COUNT and NAME.
 * - FIRST SEEN is the age of firstTimestamp, or of eventTime for events.k8s.io-style events;
 * - LAST SEEN is the age of lastTimestamp, or FIRST SEEN without one; for a series, the age of
 *   series.lastObservedTime, and COUNT is series.count;
 * - COUNT is otherwise count, and 1 for a singleton event that has none.
 */
export const printer: TablePrinter = (event, now) => {
  const firstSeen = parseTimestamp(readField(event, 'firstTimestamp'))
    ? translateTimestampSince(readField(event, 'firstTimestamp'), now)
    : translateTimestampSince(readField(event, 'eventTime'), now);
  let lastSeen = parseTimestamp(readField(event, 'lastTimestamp'))
    ? translateTimestampSince(readField(event, 'lastTimestamp'), now)
    : firstSeen;
  let count = readInt(event, 'count');
  const series = readObject(event, 'series');
  if (series) {
    lastSeen = translateTimestampSince(readField(series, 'lastObservedTime'), now);
    count = readInt(series, 'count');
  } else if (count === 0) {
    count = 1;
  }
  return [
    lastSeen,
    readString(event, 'type'),
    readString(event, 'reason'),
    involvedObject(event),
    readString(event, 'involvedObject', 'fieldPath'),
    eventSource(event),
    trimSpace(readString(event, 'message')),
    firstSeen,
    count,
    nameOf(event),
  ];
};

/** strategy is what events does differently from the default strategy. */
export const strategy: StrategyOverrides = { printer, allowCreateOnUpdate: true };

// Drift (SPEC §10): a managed object whose live controls differ from what tollgate last applied to it, i.e. it was
// changed outside tollgate (a dashboard edit, another tool). Pure: records and live state in, drift out.
import type { Location } from '../diagnostics/diagnostic.js';
import { fingerprint } from '../resolve/canonical.js';
import { diffControls, type ControlChange } from './diff.js';
import { isEmptyControls, parseObjectKey, type LiveObject, type ObjectControls, type ObjectRef } from './objects.js';

/** What tollgate last applied to one object, as the state backend records it. */
export interface LastApplied {
  controls: ObjectControls;
  fingerprint: string;
  /** ISO time the write was confirmed. */
  at: string;
  applyId?: string;
}

/** One object changed outside tollgate since its last apply. */
export interface DriftEntry {
  key: string;
  ref: ObjectRef;
  /** When tollgate last applied it, and in which apply. */
  appliedAt: string;
  applyId?: string;
  /** Currency of money values, where known. */
  currency?: string;
  /** Per control: `before` is the last-applied value, `after` the live one (null: not set). */
  changes: ControlChange[];
}

const EMPTY: ObjectControls = { features: {} };

/** The managed objects whose live controls are not what tollgate last applied; only objects read in this run are judged. */
export function findDrift(
  records: ReadonlyMap<string, LastApplied>,
  live: ReadonlyMap<string, LiveObject | null>,
  currencyOf: (key: string) => string | undefined = () => undefined,
): DriftEntry[] {
  const drift: DriftEntry[] = [];
  for (const [key, record] of records) {
    if (!live.has(key)) continue;
    const now = live.get(key)?.controls;
    const nowPrint = fingerprint(isEmptyControls(now) ? null : now);
    if (nowPrint === record.fingerprint) continue;
    const changes = diffControls(record.controls, isEmptyControls(now) ? EMPTY : now!, {} as Record<string, Location>);
    // the same controls in another spelling are not drift
    if (changes.length === 0) continue;
    const entry: DriftEntry = { key, ref: parseObjectKey(key), appliedAt: record.at, changes };
    if (record.applyId !== undefined) entry.applyId = record.applyId;
    const currency = currencyOf(key);
    if (currency !== undefined) entry.currency = currency;
    drift.push(entry);
  }
  return drift.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

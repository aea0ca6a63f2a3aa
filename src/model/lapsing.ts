import { DAY_MS } from './instant.js';
import type { ExceptionDef, Origin, PolicySet } from './policy-set.js';

/** An exception or waiver that has ended, or ends within the warning window, at the instant the set is resolved at. */
export interface Lapsing {
  kind: 'exception' | 'waiver';
  id: string;
  /** Whose exception ("customer cust_1", "entity cust_1/ws_a"), or which guardrail a waiver lifts ("guardrail exposure-cap"). */
  subject: string;
  customer?: string;
  entity?: string;
  /** When it ends (epoch ms): `until` of an exception, `expires` of a waiver. */
  endsAt: number;
  /** True when it has ended already; false when it ends within the window. */
  lapsed: boolean;
  /** The `until` or `expires` value in its document. */
  origin: Origin;
  pointer: string;
}

/** Default warning window before an exception or waiver ends (`expiryWarningDays` in tollgate.yaml). */
export const DEFAULT_EXPIRY_WARNING_DAYS = 7;

/**
 * Every exception and waiver that has lapsed at `set.asOf`, or lapses within `windowDays` after it, ordered by when
 * it ends. Exceptions and waivers whose end is not a real instant are left out (validation reports them).
 */
export function findLapsing(set: PolicySet, windowDays = DEFAULT_EXPIRY_WARNING_DAYS): Lapsing[] {
  const asOf = set.asOf;
  const horizon = asOf + windowDays * DAY_MS;
  const out: Lapsing[] = [];
  const consider = (item: Omit<Lapsing, 'lapsed'>): void => {
    if (item.endsAt <= horizon) out.push({ ...item, lapsed: item.endsAt <= asOf });
  };
  for (const customer of set.customers.values()) {
    for (const e of customer.exceptions) {
      if (e.until !== undefined) consider({ kind: 'exception', id: e.id, subject: `customer "${customer.id}"`, customer: customer.id, endsAt: e.until, origin: e.origin, pointer: '/until' });
    }
    for (const entity of customer.entities.values()) {
      for (const e of entity.exceptions) {
        if (e.until !== undefined) consider({ kind: 'exception', id: e.id, subject: `entity "${customer.id}/${entity.id}"`, customer: customer.id, entity: entity.id, endsAt: e.until, origin: e.origin, pointer: '/until' });
      }
    }
  }
  for (const w of set.waivers.values()) {
    if (w.expires !== undefined) consider({ kind: 'waiver', id: w.id, subject: `guardrail "${w.guardrail}"`, endsAt: w.expires, origin: w.origin, pointer: '/expires' });
  }
  return out.sort((a, b) => a.endsAt - b.endsAt || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || (a.id < b.id ? -1 : 1));
}

/** The next instant after `set.asOf` at which an exception starts or ends: the effective policy may change by itself then. */
export function nextChangeAt(set: PolicySet): number | null {
  let next: number | null = null;
  const see = (t: number | undefined): void => {
    if (t !== undefined && t > set.asOf && (next === null || t < next)) next = t;
  };
  // An exception that never applies (an unreadable instant, or from not before until) changes nothing.
  const seeBoth = (e: ExceptionDef): void => {
    if (e.until === undefined || (e.hasFrom && (e.from === undefined || e.from >= e.until))) return;
    see(e.from);
    see(e.until);
  };
  for (const customer of set.customers.values()) {
    customer.exceptions.forEach(seeBoth);
    for (const entity of customer.entities.values()) entity.exceptions.forEach(seeBoth);
  }
  return next;
}

import type { CustomerEffect } from '../plan.js';

/** How far exposure moves in minor units (null is unbounded): +Infinity when it loses its cap, -Infinity when it gains one. */
export function exposureDelta(before: number | null, after: number | null): number {
  if (before === after) return 0;
  if (after === null) return Infinity;
  if (before === null) return -Infinity;
  return after - before;
}

/** The customers whose exposure moves, largest increase first (losing a cap before any amount), ties by id. */
export function byExposureChange(effects: readonly CustomerEffect[]): CustomerEffect[] {
  return effects
    .filter((e) => e.exposureBefore !== e.exposureAfter)
    .map((e) => ({ e, delta: exposureDelta(e.exposureBefore, e.exposureAfter) }))
    .sort((a, b) => (a.delta === b.delta ? (a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0) : b.delta - a.delta))
    .map(({ e }) => e);
}

/** Exposure summed over the customers of one currency; null (unbounded) when any of them is. */
export interface ExposureTotal {
  currency: string | null;
  customers: number;
  before: number | null;
  after: number | null;
}

/** One total per currency (sorted), over the given customers. */
export function exposureTotals(effects: readonly CustomerEffect[]): ExposureTotal[] {
  const totals = new Map<string | null, ExposureTotal>();
  const add = (sum: number | null, value: number | null): number | null => (sum === null || value === null ? null : sum + value);
  for (const e of effects) {
    const t = totals.get(e.currency) ?? { currency: e.currency, customers: 0, before: 0, after: 0 };
    t.customers++;
    t.before = add(t.before, e.exposureBefore);
    t.after = add(t.after, e.exposureAfter);
    totals.set(e.currency, t);
  }
  return [...totals.values()].sort((a, b) => ((a.currency ?? '') < (b.currency ?? '') ? -1 : 1));
}

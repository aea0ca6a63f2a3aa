// Autumn entries tollgate does not model (SPEC §8), in words: import and plan list them per object as
// "not managed by tollgate". They are kept on every write (wire.ts sends them back unchanged).
import type { ForeignEntries } from './wire.js';

/** One line per entry: "usage alert on credits: remaining 500 (Low credits)". */
export function describeUnmodeled(foreign: ForeignEntries): string[] {
  const on = (feature: string | undefined) => (feature === undefined ? 'every feature' : feature);
  return [
    ...foreign.spend_limits.map((e) => `spend limit on ${on(e.feature_id)}: ${e.limit_type ?? 'absolute'} ${e.overage_limit ?? 'no cap'}${e.skip_overage_billing ? ', overage not billed' : ''}${e.enabled ? '' : ' (disabled)'}`),
    ...foreign.usage_alerts.map((e) => {
      const basis = e.basis !== undefined && e.basis !== 'balance' ? ` of ${e.basis}` : '';
      const filter = e.filter ? ' with a filter' : '';
      return `usage alert on ${on(e.feature_id)}: ${e.threshold_type} ${e.threshold}${basis}${filter}${e.name ? ` (${e.name})` : ''}${e.enabled ? '' : ' (disabled)'}`;
    }),
    ...foreign.usage_limits.map((e) => `usage limit on ${e.feature_id}: ${e.limit} per ${e.interval}${e.anchor ? ` (${e.anchor})` : ''}${e.enabled ? '' : ' (disabled)'}`),
    ...foreign.auto_topups.map((e) => `auto top-up on ${e.feature_id}: ${e.quantity} at ${e.threshold}${e.invoice_mode ? ', invoiced' : ''}${e.enabled ? '' : ' (disabled)'}`),
  ];
}

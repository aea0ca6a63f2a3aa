// Autumn entries tollgate has no words for (alerts with a basis or filter, remaining alerts, percentage spend
// limits, invoice-mode top-ups, usage limits on other windows): found here for plan and import to list, and kept
// by every write (encodeControls sends them back as read).
import type { FeatureControlName, ObjectControls, ObjectRef, UnmanagedEntry } from '../../plan/objects.js';
import { decodeControls, KEY_OF, OWN_SOURCE, type BillingKey, type ForeignEntries, type ReadControls } from './wire.js';

/** Keys where Autumn keeps at most one entry per feature (SPEC §5), and the control of tollgate's that writes there. */
const ONE_PER_FEATURE: Partial<Record<keyof ForeignEntries, FeatureControlName>> = { spend_limits: 'maxOverageUnits', auto_topups: 'autoTopup' };

/** The object's own entries tollgate does not model, in Autumn's wire form, by billing_controls key. */
export function unmodeledEntries(read: ReadControls | undefined, kind: ObjectRef['kind']): UnmanagedEntry[] {
  return foreignEntries(decodeControls(read, OWN_SOURCE[kind]).foreign);
}

/** ForeignEntries (as decodeControls sets them aside) as one list, in the order Autumn keeps the keys. */
export function foreignEntries(foreign: ForeignEntries): UnmanagedEntry[] {
  const keys = ['auto_topups', 'spend_limits', 'usage_limits', 'usage_alerts'] as const;
  return keys.flatMap((key) =>
    (foreign[key] as ReadonlyArray<Record<string, unknown> & { feature_id?: string | undefined }>).map((entry): UnmanagedEntry => {
      const out: UnmanagedEntry = { key, entry: { ...entry } };
      if (entry.feature_id !== undefined) out.feature = entry.feature_id;
      const occupies = ONE_PER_FEATURE[key];
      if (occupies !== undefined && out.feature !== undefined) out.occupies = occupies;
      return out;
    }),
  );
}

/** Foreign entries a write of `keys` holding `after` would replace (one per feature): write refuses rather than drop them. */
export function replacedEntries(after: ObjectControls, keys: readonly BillingKey[], foreign: ForeignEntries): UnmanagedEntry[] {
  return foreignEntries(foreign).filter(
    (e) => e.occupies !== undefined && e.feature !== undefined && keys.includes(KEY_OF[e.occupies]) && after.features[e.feature]?.[e.occupies] !== undefined,
  );
}

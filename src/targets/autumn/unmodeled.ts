// Autumn entries tollgate has no words for (alerts with a basis or filter, remaining alerts, percentage spend
// limits, invoice-mode top-ups, usage limits on other windows): found here for plan and import to list, and kept
// by every write (encodeControls sends them back as read).
import type { ObjectRef, UnmanagedEntry } from '../../plan/objects.js';
import { decodeControls, OWN_SOURCE, type ForeignEntries, type ReadControls } from './wire.js';

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
      return out;
    }),
  );
}

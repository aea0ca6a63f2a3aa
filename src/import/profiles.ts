// --profiles: customers that hold the very same own controls (three or more of them) share one generated
// profile instead of repeating them. A customer's desired object is its own controls merged with its
// profiles, so moving them changes nothing the billing system is asked to hold.
import { canonicalJson } from '../resolve/canonical.js';
import { isEmptyControls, type ObjectControls } from '../plan/objects.js';

/** How many customers must share a set of controls before it becomes a profile. */
export const PROFILE_THRESHOLD = 3;

export interface GeneratedProfile {
  id: string;
  controls: ObjectControls;
  /** Customer ids that extend it, in order. */
  customers: string[];
}

/**
 * Groups customers by their own controls; each group of PROFILE_THRESHOLD or more becomes a profile, largest
 * first (ties in the order of their first customer), named `imported-1`, `imported-2`, … skipping taken ids.
 */
export function shareProfiles(customers: ReadonlyArray<{ id: string; controls: ObjectControls }>, taken: (id: string) => boolean): GeneratedProfile[] {
  const groups = new Map<string, { controls: ObjectControls; customers: string[] }>();
  for (const c of customers) {
    if (isEmptyControls(c.controls)) continue;
    const key = canonicalJson(c.controls);
    const group = groups.get(key);
    if (group) group.customers.push(c.id);
    else groups.set(key, { controls: c.controls, customers: [c.id] });
  }
  const shared = [...groups.values()]
    .filter((g) => g.customers.length >= PROFILE_THRESHOLD)
    .sort((a, b) => b.customers.length - a.customers.length || (a.customers[0]! < b.customers[0]! ? -1 : 1));
  let n = 0;
  return shared.map((g) => {
    let id: string;
    do id = `imported-${++n}`;
    while (taken(id));
    return { id, controls: g.controls, customers: g.customers };
  });
}

// Which Autumn objects tollgate manages, recorded in Autumn itself so that a fresh CI clone knows them.
//
// Why customer metadata: the managed set must survive without local state (CI runs from a clean clone),
// and "every object that holds own controls" would claim overrides set by hand in the dashboard, so a
// first plan would propose deleting them. Customers carry metadata and customers.list returns it with
// the billing controls, so one paginated scan finds every managed customer and entity. Entities have no
// metadata of their own; their ids are listed on their customer. Plans are not tracked: every plan of
// the policies is read anyway, and a plan is rarely deleted from the policies while still in Autumn.

/** The metadata key; its value is "v1" followed by the managed entity ids, space separated. */
export const MANAGED_KEY = 'tollgate_managed';
const VERSION = 'v1';

/** Tollgate manages the customer itself (marker present) and these of its entities. */
export interface ManagedMarker {
  entities: Set<string>;
}

/** The marker in a customer's metadata; undefined when tollgate never wrote to the customer. */
export function readMarker(metadata: Record<string, unknown> | undefined): ManagedMarker | undefined {
  const value = metadata?.[MANAGED_KEY];
  if (typeof value !== 'string') return undefined;
  const [version, ...ids] = value.trim().split(/\s+/);
  // A marker from a newer tollgate still says the customer is managed; its entity list is unreadable.
  return { entities: new Set(version === VERSION ? ids.filter((id) => id !== '') : []) };
}

/** The customer's metadata with this marker in it; the rest of the metadata is kept as it is. */
export function withMarker(metadata: Record<string, unknown> | undefined, marker: ManagedMarker): Record<string, unknown> {
  return { ...metadata, [MANAGED_KEY]: [VERSION, ...[...marker.entities].sort()].join(' ') };
}

/** Object keys of a marked customer and its marked entities. */
export function managedKeysOf(customerId: string, marker: ManagedMarker): string[] {
  return [`customer:${customerId}`, ...[...marker.entities].map((id) => `entity:${customerId}/${id}`)];
}

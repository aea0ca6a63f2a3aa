// Which Autumn objects tollgate manages, recorded in Autumn itself so that a fresh CI clone knows them.
//
// Why customer metadata: the managed set must survive without local state (CI runs from a clean clone),
// and "every object that holds own controls" would claim overrides set by hand in the dashboard, so a
// first plan would propose deleting them. Customers carry metadata and customers.list returns it with
// the billing controls, so one paginated scan finds every managed customer and entity. Entities have no
// metadata of their own; their ids are listed on their customer. Plans are not tracked: every plan of
// the policies is read anyway, and a plan is rarely deleted from the policies while still in Autumn.

import { isEmptyControls, type DesiredObject } from '../../plan/objects.js';

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

/** The marker's metadata value, "v1 a b"; undefined for no marker. */
export function formatMarker(marker: ManagedMarker | undefined): string | undefined {
  return marker === undefined ? undefined : [VERSION, ...[...marker.entities].sort()].join(' ');
}

/** The customer's metadata holding this marker (none: without the key); the rest of the metadata is kept as it is. */
export function withMarker(metadata: Record<string, unknown> | undefined, marker: ManagedMarker | undefined): Record<string, unknown> {
  const { [MANAGED_KEY]: _old, ...others } = metadata ?? {};
  return marker === undefined ? others : { ...others, [MANAGED_KEY]: formatMarker(marker) };
}

/**
 * The markers the desired state implies, by customer: a customer is marked when it or one of its entities holds
 * controls, and lists the entities that do. This is what a complete apply leaves, and what plan compares with.
 */
export function impliedMarkers(desired: ReadonlyMap<string, DesiredObject>): Map<string, ManagedMarker> {
  const markers = new Map<string, ManagedMarker>();
  const of = (customer: string): ManagedMarker => {
    let m = markers.get(customer);
    if (!m) markers.set(customer, (m = { entities: new Set() }));
    return m;
  };
  for (const o of desired.values()) {
    if (isEmptyControls(o.controls)) continue;
    if (o.ref.kind === 'customer') of(o.ref.id);
    else if (o.ref.kind === 'entity') of(o.ref.customer).entities.add(o.ref.id);
  }
  return markers;
}

/** What a marker write needs to know about one customer at that moment. */
export interface MarkerState {
  /** As Autumn holds it, as far as tollgate knows. */
  confirmed: ManagedMarker | undefined;
  /** What the plan wants (undefined: no marker); absent when this apply has no marker change for the customer. */
  planned?: { marker: ManagedMarker | undefined };
  /** Whether the customer itself holds (or, once this write lands, will hold) controls; counts only with a planned marker. */
  customerHolds: boolean;
  /** Whether an entity may still hold controls tollgate wrote (its clear has not been seen to succeed). */
  entityHolds(id: string): boolean;
  /** An entity about to be given controls, or one just cleared. */
  adding?: string;
  removing?: string;
}

/**
 * The marker to write now. It never leaves out an object that may hold controls tollgate wrote, so a kill
 * at any moment leaves every such object findable; once every write of the plan has landed it is the planned one.
 */
export function markerToHold(s: MarkerState): ManagedMarker | undefined {
  const entities = new Set<string>();
  if (s.planned) {
    for (const id of s.planned.marker?.entities ?? []) entities.add(id);
    for (const id of s.confirmed?.entities ?? []) if (s.entityHolds(id)) entities.add(id);
  } else {
    for (const id of s.confirmed?.entities ?? []) if (id !== s.removing) entities.add(id);
  }
  if (s.adding !== undefined) entities.add(s.adding);
  // Without a planned marker only entities move; a customer keeps its own mark (or lack of one).
  const marked = s.planned ? s.planned.marker !== undefined || s.customerHolds : s.confirmed !== undefined;
  return marked || entities.size > 0 ? { entities } : undefined;
}

/** Object keys of a marked customer and its marked entities. */
export function managedKeysOf(customerId: string, marker: ManagedMarker): string[] {
  return [`customer:${customerId}`, ...[...marker.entities].map((id) => `entity:${customerId}/${id}`)];
}

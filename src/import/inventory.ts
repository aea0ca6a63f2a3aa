// What import reads from a billing system: every customer (or the named ones) with its own controls, its
// entities' own controls, and the plan-level controls of their plans. Listing and reading go through the
// target, so they share its rate limit, retries and answer checks with plan and apply.
import { isEmptyControls, objectKey, parseObjectKey, type ObjectControls } from '../plan/objects.js';
import { entryLine } from '../plan/format/unmanaged.js';
import { UserError } from '../util/errors.js';
import type { OnProgress } from '../util/progress.js';
import type { ReadContext, Target } from '../targets/target.js';

export interface LiveEntity {
  id: string;
  name?: string;
  controls: ObjectControls;
  /** Entries tollgate does not model, in words; the target keeps them. */
  unmodeled: string[];
}

export interface LiveCustomer {
  id: string;
  name?: string;
  /** The plan the billing system says the customer is on; undefined when it does not say. */
  plan?: string;
  controls: ObjectControls;
  entities: LiveEntity[];
  unmodeled: string[];
}

export interface Inventory {
  /** In id order. */
  customers: LiveCustomer[];
  /** Plan-level controls of the plans the customers are on; an empty set for a plan that holds none. */
  plans: Map<string, ObjectControls>;
}

const NONE: ObjectControls = { features: {} };

/** Lists and reads the customers (all, or the named ones), their entities and their plans' controls. */
export async function readInventory(target: Target, customers: readonly string[] | undefined, onProgress?: OnProgress, context?: ReadContext): Promise<Inventory> {
  if (!target.listObjects) throw new UserError(`Target ${target.name} cannot list its customers, so tollgate cannot import from it.`);
  const listing = 'listing the billing system';
  onProgress?.({ phase: listing, done: 0, unit: 'objects' });
  const listed = await target.listObjects(customers, (done) => onProgress?.({ phase: listing, done, unit: 'objects' }), context);
  const keys = listed.map((o) => o.key);
  const phase = 'reading the billing system';
  onProgress?.({ phase, done: 0, total: keys.length, unit: 'objects' });
  const live = await target.read(keys, (done) => onProgress?.({ phase, done, total: keys.length, unit: 'objects' }), context);

  const byId = new Map<string, LiveCustomer>();
  for (const o of listed) {
    const ref = parseObjectKey(o.key);
    if (ref.kind !== 'customer') continue;
    const c: LiveCustomer = { id: ref.id, controls: live.get(o.key)?.controls ?? NONE, entities: [], unmodeled: (live.get(o.key)?.unmanaged ?? []).map(entryLine) };
    if (o.name !== undefined) c.name = o.name;
    const plan = o.plan ?? live.get(o.key)?.plan;
    if (plan !== undefined) c.plan = plan;
    byId.set(ref.id, c);
  }
  for (const o of listed) {
    const ref = parseObjectKey(o.key);
    if (ref.kind !== 'entity') continue;
    const customer = byId.get(ref.customer);
    if (!customer) continue;
    const e: LiveEntity = { id: ref.id, controls: live.get(o.key)?.controls ?? NONE, unmodeled: (live.get(o.key)?.unmanaged ?? []).map(entryLine) };
    if (o.name !== undefined) e.name = o.name;
    customer.entities.push(e);
    customer.plan ??= live.get(o.key)?.plan;
  }
  const planIds = [...new Set([...byId.values()].flatMap((c) => (c.plan === undefined ? [] : [c.plan])))].sort();
  const planKeys = planIds.map((id) => objectKey({ kind: 'plan', id }));
  const planLive = planKeys.length === 0 ? new Map() : await target.read(planKeys);
  const plans = new Map(planIds.map((id, i) => [id, planLive.get(planKeys[i]!)?.controls ?? NONE]));
  onProgress?.({ phase, done: keys.length, total: keys.length, unit: 'objects' });
  const sorted = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of sorted) c.entities.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { customers: sorted, plans };
}

/** Whether a customer or any of its entities holds a control of its own. */
export function holdsControls(c: LiveCustomer): boolean {
  return !isEmptyControls(c.controls) || c.entities.some((e) => !isEmptyControls(e.controls));
}

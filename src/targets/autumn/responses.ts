// Reads the parts of Autumn's answers tollgate needs. billing_controls are parsed with autumn-js's own
// response schemas (so they are checked and typed by the vendor); the few other fields are picked by
// hand, so a change elsewhere in a large customer object cannot break a plan.
import type { ListFeaturesList, ListPlansItem } from 'autumn-js';
import { TargetError } from '../target.js';
import type { ReadControls } from './wire.js';

/** A customer as customers.get and customers.list return it, reduced to what tollgate reads. */
export interface CustomerRead {
  id: string;
  name?: string;
  metadata: Record<string, unknown>;
  /** The main (non add-on) plan the customer subscribes to. */
  plan?: string;
  controls: ReadControls | undefined;
  /** Usage this period per feature: `balances[feature].usage`. */
  usage: Record<string, number>;
}

export interface ControlsRead {
  controls: ReadControls | undefined;
}

// autumn-js takes over a second to load; only commands that talk to Autumn pay for it.
let sdk: Promise<typeof import('autumn-js')> | undefined;
const loadSdk = (): Promise<typeof import('autumn-js')> => (sdk ??= import('autumn-js'));

interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function unexpected(route: string, what: string): TargetError {
  return new TargetError(`Autumn's answer to ${route} is not what autumn-js expects: ${what}. Is the endpoint an Autumn API (x-api-version 2.3.0)?`);
}

/** A value as a message shows it. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `${typeof value} ${String(value)}`;
}

function controlsOf<T extends ReadControls>(schema: Schema<T>, body: Record<string, unknown>, route: string, at = ''): T | undefined {
  if (body.billing_controls === undefined || body.billing_controls === null) return undefined;
  const parsed = schema.safeParse(body.billing_controls);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = [...(issue?.path ?? [])];
    let value: unknown = body.billing_controls;
    for (const key of where) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
    // A union's issue stops at the array ("Invalid input"); name the entry that is not an object.
    const bad = Array.isArray(value) ? value.findIndex((entry) => !record(entry)) : -1;
    if (bad >= 0) where.push(bad);
    const what = bad >= 0 ? `is ${shown((value as unknown[])[bad])}, expected an object` : issue?.message ?? 'invalid';
    throw unexpected(route, `${at}billing_controls.${where.map(String).join('.')}: ${what}`);
  }
  return parsed.data;
}

function customerOf(value: unknown, route: string, schema: Schema<ReadControls>, at = ''): CustomerRead {
  const body = record(value);
  if (!body) throw unexpected(route, `${at === '' ? 'the answer' : at.slice(0, -1)} is ${shown(value)}, expected a customer object`);
  if (typeof body.id !== 'string' || body.id === '') throw unexpected(route, `${at}id is ${shown(body.id)}, expected the customer id`);
  // Metadata is sent back whole on a write: one that cannot be read must not be replaced.
  if (body.metadata !== undefined && body.metadata !== null && !record(body.metadata)) throw unexpected(route, `${at}metadata is ${shown(body.metadata)}, expected an object`);
  if (body.subscriptions !== undefined && body.subscriptions !== null && !Array.isArray(body.subscriptions)) {
    throw unexpected(route, `${at}subscriptions is ${shown(body.subscriptions)}, expected an array`);
  }
  const read: CustomerRead = { id: body.id, metadata: record(body.metadata) ?? {}, controls: controlsOf(schema, body, route, at), usage: usageOf(body, route, at) };
  if (typeof body.name === 'string' && body.name !== '') read.name = body.name;
  const subscriptions = Array.isArray(body.subscriptions) ? body.subscriptions.map(record) : [];
  const main = subscriptions.find((s) => s !== undefined && s.add_on !== true && typeof s.plan_id === 'string');
  if (main) read.plan = main.plan_id as string;
  return read;
}

/** The answer of customers.get. */
export async function readCustomer(value: unknown): Promise<CustomerRead> {
  return customerOf(value, 'customers.get', (await loadSdk()).GetCustomerBillingControls$inboundSchema);
}

/** One page of customers.list: its customers and the cursor of the next page (null on the last). */
export async function readCustomerPage(value: unknown): Promise<{ customers: CustomerRead[]; next: string | null }> {
  const { ListCustomersBillingControls$inboundSchema: schema } = await loadSdk();
  const body = record(value);
  if (!body) throw unexpected('customers.list', `the answer is ${shown(value)}, expected an object`);
  if (!Array.isArray(body.list)) throw unexpected('customers.list', `list is ${shown(body.list)}, expected an array`);
  // A cursor that cannot be read would end the scan early and hide managed customers.
  const cursor = body.next_cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') throw unexpected('customers.list', `next_cursor is ${shown(cursor)}, expected a string or null`);
  const next = typeof cursor === 'string' && cursor !== '' ? cursor : null;
  return { customers: body.list.map((c, i) => customerOf(c, 'customers.list', schema, `list[${i}].`)), next };
}

/** An entity as entities.list returns it, reduced to what tollgate reads. */
export interface EntityRead extends ControlsRead {
  id: string;
  customer: string;
  usage: Record<string, number>;
  name?: string;
}

/** `balances[feature].usage` of a customer or entity; a balance without a numeric usage is not what Autumn sends. */
function usageOf(body: Record<string, unknown>, route: string, at: string): Record<string, number> {
  if (body.balances === undefined || body.balances === null) return {};
  const balances = record(body.balances);
  if (!balances) throw unexpected(route, `${at}balances is ${shown(body.balances)}, expected an object keyed by feature`);
  const usage: Record<string, number> = {};
  for (const [feature, balance] of Object.entries(balances)) {
    if (balance === null) continue;
    const used = record(balance)?.usage;
    if (typeof used !== 'number' || !Number.isFinite(used)) throw unexpected(route, `${at}balances.${feature}.usage is ${shown(used)}, expected a number`);
    usage[feature] = used;
  }
  return usage;
}

/** One page of entities.list: its entities and the cursor of the next page (null on the last). */
export async function readEntityPage(value: unknown): Promise<{ entities: EntityRead[]; next: string | null }> {
  const { ListEntitiesBillingControls$inboundSchema: schema } = await loadSdk();
  const body = record(value);
  if (!body) throw unexpected('entities.list', `the answer is ${shown(value)}, expected an object`);
  if (!Array.isArray(body.list)) throw unexpected('entities.list', `list is ${shown(body.list)}, expected an array`);
  const cursor = body.next_cursor;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') throw unexpected('entities.list', `next_cursor is ${shown(cursor)}, expected a string or null`);
  const next = typeof cursor === 'string' && cursor !== '' ? cursor : null;
  const entities = body.list.map((item, i): EntityRead => {
    const e = record(item);
    if (!e) throw unexpected('entities.list', `list[${i}] is ${shown(item)}, expected an entity object`);
    if (typeof e.id !== 'string' || e.id === '') throw unexpected('entities.list', `list[${i}].id is ${shown(e.id)}, expected the entity id`);
    if (typeof e.customer_id !== 'string' || e.customer_id === '') throw unexpected('entities.list', `list[${i}].customer_id is ${shown(e.customer_id)}, expected the customer id`);
    const entity: EntityRead = { id: e.id, customer: e.customer_id, controls: controlsOf(schema, e, 'entities.list', `list[${i}].`), usage: usageOf(e, 'entities.list', `list[${i}].`) };
    if (typeof e.name === 'string' && e.name !== '') entity.name = e.name;
    return entity;
  });
  return { entities, next };
}

/** A plan as plans.list returns it, reduced to what tollgate compares and writes. */
export interface PlanRead extends ControlsRead {
  id: string;
  archived: boolean;
  /** Parsed by autumn-js: included units, reset, price (amount in major units per billing_units), max purchase. */
  items: ListPlansItem[];
}

/** The answer of plans.list: every plan (one request; Autumn does not paginate it). */
export async function readPlanList(value: unknown): Promise<PlanRead[]> {
  const { ListPlansBillingControls$inboundSchema: controls, ListPlansItem$inboundSchema: itemSchema } = await loadSdk();
  const body = record(value);
  if (!body) throw unexpected('plans.list', `the answer is ${shown(value)}, expected an object`);
  if (!Array.isArray(body.list)) throw unexpected('plans.list', `list is ${shown(body.list)}, expected an array`);
  return body.list.map((item, i): PlanRead => {
    const p = record(item);
    if (!p) throw unexpected('plans.list', `list[${i}] is ${shown(item)}, expected a plan object`);
    if (typeof p.id !== 'string' || p.id === '') throw unexpected('plans.list', `list[${i}].id is ${shown(p.id)}, expected the plan id`);
    if (!Array.isArray(p.items)) throw unexpected('plans.list', `list[${i}].items is ${shown(p.items)}, expected an array`);
    const items = p.items.map((raw, j) => parsed(itemSchema as Schema<ListPlansItem>, raw, 'plans.list', `list[${i}].items[${j}]`));
    return { id: p.id, archived: p.archived === true, items, controls: controlsOf(controls, p, 'plans.list', `list[${i}].`) };
  });
}

/** The answer of features.list: every feature, parsed by autumn-js. */
export async function readFeatureList(value: unknown): Promise<ListFeaturesList[]> {
  const { ListFeaturesList$inboundSchema: schema } = await loadSdk();
  const body = record(value);
  if (!body) throw unexpected('features.list', `the answer is ${shown(value)}, expected an object`);
  if (!Array.isArray(body.list)) throw unexpected('features.list', `list is ${shown(body.list)}, expected an array`);
  return body.list.map((raw, i) => parsed(schema as Schema<ListFeaturesList>, raw, 'features.list', `list[${i}]`));
}

/** One value parsed by an SDK schema; the first issue is named by its path under `at`. */
function parsed<T>(schema: Schema<T>, value: unknown, route: string, at: string): T {
  if (!record(value)) throw unexpected(route, `${at} is ${shown(value)}, expected an object`);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw unexpected(route, `${[at, ...(issue?.path ?? []).map(String)].join('.')}: ${issue?.message ?? 'invalid'}`);
}

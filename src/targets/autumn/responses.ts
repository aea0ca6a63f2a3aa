// Reads the parts of Autumn's answers tollgate needs. billing_controls are parsed with autumn-js's own
// response schemas (so they are checked and typed by the vendor); the few other fields are picked by
// hand, so a change elsewhere in a large customer object cannot break a plan.
import { TargetError } from '../target.js';
import type { ReadControls } from './wire.js';

/** A customer as customers.get and customers.list return it, reduced to what tollgate reads. */
export interface CustomerRead {
  id: string;
  metadata: Record<string, unknown>;
  /** The main (non add-on) plan the customer subscribes to. */
  plan?: string;
  controls: ReadControls | undefined;
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

function controlsOf<T extends ReadControls>(schema: Schema<T>, body: Record<string, unknown>, route: string): T | undefined {
  if (body.billing_controls === undefined || body.billing_controls === null) return undefined;
  const parsed = schema.safeParse(body.billing_controls);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unexpected(route, `billing_controls.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function customerOf(value: unknown, route: string, schema: Schema<ReadControls>): CustomerRead {
  const body = record(value);
  if (!body || typeof body.id !== 'string') throw unexpected(route, 'a customer without an id');
  const read: CustomerRead = { id: body.id, metadata: record(body.metadata) ?? {}, controls: controlsOf(schema, body, route) };
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
  if (!body || !Array.isArray(body.list)) throw unexpected('customers.list', 'no list');
  const next = typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null;
  return { customers: body.list.map((c) => customerOf(c, 'customers.list', schema)), next };
}

/** An entity as entities.list returns it, reduced to what tollgate reads. */
export interface EntityRead extends ControlsRead {
  id: string;
  customer: string;
}

/** One page of entities.list: its entities and the cursor of the next page (null on the last). */
export async function readEntityPage(value: unknown): Promise<{ entities: EntityRead[]; next: string | null }> {
  const { ListEntitiesBillingControls$inboundSchema: schema } = await loadSdk();
  const body = record(value);
  if (!body || !Array.isArray(body.list)) throw unexpected('entities.list', 'no list');
  const next = typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : null;
  const entities = body.list.map((item): EntityRead => {
    const e = record(item);
    if (!e || typeof e.id !== 'string' || typeof e.customer_id !== 'string') throw unexpected('entities.list', 'an entity without an id or customer_id');
    return { id: e.id, customer: e.customer_id, controls: controlsOf(schema, e, 'entities.list') };
  });
  return { entities, next };
}

/** The answer of plans.get. */
export async function readPlan(value: unknown): Promise<ControlsRead> {
  const body = record(value);
  if (!body) throw unexpected('plans.get', 'not an object');
  return { controls: controlsOf((await loadSdk()).GetPlanBillingControls$inboundSchema, body, 'plans.get') };
}

import { renderControls, type RenderedControls } from './controls.js';
import type { AutumnEnv } from './errors.js';
import type { AutumnStore } from './store.js';
import { CONTROL_KEYS, ENTITY_CONTROL_KEYS, type CustomerRecord, type EntityRecord, type FeatureRecord, type PlanRecord } from './wire.js';

// Response bodies in Autumn's wire shape; every field the SDK's inbound schemas require is present.

/** What a read needs to know about the caller. */
export interface ReadContext {
  env: AutumnEnv;
  /** API version 2.3.0 or later: plan-inherited entries are included, marked `source: "plan"`. */
  showSources: boolean;
}

/** A customer as customers.get, get_or_create, update and list return it. */
export function renderCustomer(
  customer: CustomerRecord,
  store: AutumnStore,
  context: ReadContext,
): Record<string, unknown> {
  const plan = store.planOf(customer);
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    created_at: customer.created_at,
    fingerprint: null,
    stripe_id: null,
    env: context.env,
    metadata: customer.metadata,
    send_email_receipts: false,
    billing_controls: renderControls(customer.billing_controls, plan?.billing_controls, {
      keys: CONTROL_KEYS,
      showSources: context.showSources,
      ownSource: 'customer',
    }),
    subscriptions: plan === undefined ? [] : [renderSubscription(customer, plan)],
    purchases: [],
    licenses: [],
    balances: {},
    flags: {},
  };
}

/** An entity as entities.get, create and update return it. */
export function renderEntity(entity: EntityRecord, store: AutumnStore, context: ReadContext): Record<string, unknown> {
  const plan = store.planOf(store.customers.get(entity.customer_id));
  const controls: RenderedControls = renderControls(entity.billing_controls, plan?.billing_controls, {
    keys: ENTITY_CONTROL_KEYS,
    showSources: context.showSources,
  });
  return {
    id: entity.id,
    name: entity.name,
    customer_id: entity.customer_id,
    feature_id: entity.feature_id,
    created_at: entity.created_at,
    env: context.env,
    subscriptions: [],
    purchases: [],
    balances: {},
    flags: {},
    billing_controls: controls,
  };
}

/** A plan as plans.get, plans.list and plans.update return it; its controls are its own, so carry no source. */
export function renderPlan(plan: PlanRecord, context: ReadContext): Record<string, unknown> {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    group: null,
    version: 1,
    add_on: false,
    auto_enable: false,
    price: null,
    items: (plan.items ?? []).map((item) => ({ ...item })),
    created_at: plan.created_at,
    env: context.env,
    archived: plan.archived === true,
    config: { ignore_past_due: false },
    billing_controls: renderControls(plan.billing_controls, undefined, { keys: CONTROL_KEYS, showSources: false }),
    metadata: {},
    base_variant_id: null,
  };
}

function renderSubscription(customer: CustomerRecord, plan: PlanRecord): Record<string, unknown> {
  return {
    id: `sub_${customer.id}_${plan.id}`,
    plan_id: plan.id,
    auto_enable: false,
    add_on: false,
    status: 'active',
    past_due: false,
    canceled_at: null,
    expires_at: null,
    trial_ends_at: null,
    started_at: customer.created_at,
    current_period_start: null,
    current_period_end: null,
    quantity: 1,
  };
}

/** A feature as features.list returns it. */
export function renderFeature(feature: FeatureRecord): Record<string, unknown> {
  return { ...feature };
}

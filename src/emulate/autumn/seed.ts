import {
  ListFeaturesList$inboundSchema,
  ListPlansItem$inboundSchema,
  UpdateCustomerBillingControlsRequestBody$outboundSchema,
  UpdateEntityBillingControlsRequestBody$outboundSchema,
  UpdatePlanBillingControlsRequestBody$outboundSchema,
} from 'autumn-js';
import { controlRuleViolations } from './control-rules.js';
import { mergeControls } from './controls.js';
import { parseWithSdkSchema, type SdkSchema } from './sdk-parse.js';
import type { AutumnStore } from './store.js';
import { isPlainObject } from './sdk-parse.js';
import type { BillingControls, FeatureRecord, PlanItemRecord } from './wire.js';

/** Objects to place in the Autumn emulator's state directly, bypassing HTTP; same ids are replaced. */
export interface AutumnSeed {
  /** The catalog's features, as features.list returns them (name, consumable and archived have defaults). */
  features?: Array<{ id: string; type: string; name?: string; consumable?: boolean; archived?: boolean; [field: string]: unknown }>;
  plans?: Array<{
    id: string;
    name?: string;
    description?: string | null;
    billing_controls?: BillingControls;
    /** Plan items as plans.list returns them (snake_case): included, unlimited, reset, price. */
    items?: PlanItemRecord[];
    archived?: boolean;
  }>;
  customers?: Array<{
    id: string;
    name?: string | null;
    email?: string | null;
    /** Plan whose billing_controls the customer and its entities inherit; must be seeded or known. */
    plan_id?: string | null;
    metadata?: Record<string, unknown>;
    billing_controls?: BillingControls;
    created_at?: number;
  }>;
  entities?: Array<{
    customer_id: string;
    id: string;
    feature_id?: string | null;
    name?: string | null;
    billing_controls?: BillingControls;
    created_at?: number;
  }>;
}

/** Seeds features, plans, then customers, then entities; throws on shapes and controls the real API would refuse. */
export function seedAutumn(store: AutumnStore, seed: AutumnSeed, now: () => number): void {
  (seed.features ?? []).forEach((feature, index) => {
    const record: FeatureRecord = { name: feature.id, consumable: feature.type !== 'boolean', archived: false, ...feature };
    if (!ListFeaturesList$inboundSchema.safeParse(record).success) throw new Error(`Seed features[${index}]: not a feature autumn-js reads`);
    store.features.set(feature.id, record);
  });
  (seed.plans ?? []).forEach((plan, index) => {
    const items = (plan.items ?? []).map((item, i) => {
      const parsed = isPlainObject(item) ? ListPlansItem$inboundSchema.safeParse(item) : undefined;
      if (!parsed?.success) throw new Error(`Seed plans[${index}].items[${i}]: not a plan item autumn-js reads: ${JSON.stringify(parsed?.error.issues[0] ?? item)}`);
      return { ...item };
    });
    const controls = checked(
      UpdatePlanBillingControlsRequestBody$outboundSchema,
      plan.billing_controls,
      `plans[${index}]`,
    );
    store.plans.set(plan.id, {
      id: plan.id,
      name: plan.name ?? plan.id,
      description: plan.description ?? null,
      created_at: now(),
      billing_controls: controls,
      items,
      ...(plan.archived === undefined ? {} : { archived: plan.archived }),
    });
  });
  (seed.customers ?? []).forEach((customer, index) => {
    const at = `customers[${index}]`;
    const planId = customer.plan_id ?? null;
    if (planId !== null && !store.plans.has(planId)) throw new Error(`Seed ${at}: unknown plan ${planId}`);
    store.customers.set(customer.id, {
      id: customer.id,
      name: customer.name ?? null,
      email: customer.email ?? null,
      created_at: customer.created_at ?? now(),
      plan_id: planId,
      metadata: customer.metadata ?? {},
      billing_controls: checked(UpdateCustomerBillingControlsRequestBody$outboundSchema, customer.billing_controls, at),
    });
  });
  (seed.entities ?? []).forEach((entity, index) => {
    const at = `entities[${index}]`;
    if (!store.customers.has(entity.customer_id)) throw new Error(`Seed ${at}: unknown customer ${entity.customer_id}`);
    if (entity.billing_controls?.auto_topups !== undefined) {
      throw new Error(`Seed ${at}.billing_controls.auto_topups: entities cannot take auto top-ups`);
    }
    store.putEntity({
      id: entity.id,
      customer_id: entity.customer_id,
      feature_id: entity.feature_id ?? null,
      name: entity.name ?? null,
      created_at: entity.created_at ?? now(),
      billing_controls: checked(UpdateEntityBillingControlsRequestBody$outboundSchema, entity.billing_controls, at),
    });
  });
}

function checked<T extends BillingControls>(
  schema: SdkSchema<T>,
  controls: BillingControls | undefined,
  at: string,
): BillingControls {
  if (controls === undefined) return {};
  const parsed = parseWithSdkSchema(schema, controls);
  if (!parsed.ok) throw new Error(`Seed ${at}.billing_controls: ${parsed.message}`);
  const problems = controlRuleViolations(parsed.value, `${at}.billing_controls`);
  if (problems.length > 0) throw new Error(`Seed: ${problems.join('; ')}`);
  // Empty arrays mean "none", which the store keeps as an absent key.
  return mergeControls({}, parsed.value);
}

import {
  ListFeaturesRequest$outboundSchema,
  ListPlansParams$outboundSchema,
  type ListFeaturesRequest$Outbound,
  type ListPlansParams$Outbound,
} from 'autumn-js';
import { renderFeature, renderPlan } from './render.js';
import { ok, parseBody, type AutumnRoute, type RouteContext } from './route-kit.js';

/**
 * POST /v1/plans.list {customer_id?, entity_id?, include_archived?, all_versions?} → {list}: every plan, items
 * and billing_controls included, not paginated (as Autumn serves it). Archived plans only when asked for.
 */
export const listPlans: AutumnRoute = (context) => {
  const parsed = parseBody<ListPlansParams$Outbound>(withBody(context), ListPlansParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const plans = [...context.store.plans.values()].filter((plan) => parsed.value.include_archived === true || plan.archived !== true);
  return ok({ list: plans.map((plan) => renderPlan(plan, context.read)) });
};

/** POST /v1/features.list (no parameters) → {list}: every feature. */
export const listFeatures: AutumnRoute = (context) => {
  const parsed = parseBody<ListFeaturesRequest$Outbound>(withBody(context), ListFeaturesRequest$outboundSchema);
  if ('error' in parsed) return parsed.error;
  return ok({ list: [...context.store.features.values()].map(renderFeature) });
};

// autumn-js sends these routes without a body when no parameter is set.
function withBody(context: RouteContext): RouteContext {
  return context.call.body === undefined ? { ...context, call: { ...context.call, body: {} } } : context;
}

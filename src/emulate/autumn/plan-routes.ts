import {
  GetPlanParams$outboundSchema,
  UpdatePlanParams$outboundSchema,
  type GetPlanParams$Outbound,
  type UpdatePlanParams$Outbound,
} from 'autumn-js';
import type { ApiOutcome } from '../common/api.js';
import { mergeControls } from './controls.js';
import { autumnError } from './errors.js';
import { renderPlan } from './render.js';
import { ok, parseBody, parseControlsBody, type AutumnRoute, type RouteContext } from './route-kit.js';
import type { PlanRecord } from './wire.js';

/** POST /v1/plans.get {plan_id}. */
export const getPlan: AutumnRoute = (context) => {
  const parsed = parseBody<GetPlanParams$Outbound>(context, GetPlanParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const plan = context.store.plans.get(parsed.value.plan_id);
  if (plan === undefined) return planNotFound(context, parsed.value.plan_id);
  return ok(renderPlan(plan, context.read));
};

/**
 * POST /v1/plans.update {plan_id, billing_controls?, name?, description?}: billing_controls follow
 * the same replace-per-key rule as customers. Catalog fields (items, price, ...) are accepted and
 * ignored, since tollgate never pushes them.
 */
export const updatePlan: AutumnRoute = (context) => {
  const parsed = parseControlsBody<UpdatePlanParams$Outbound>(context, UpdatePlanParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  const current = context.store.plans.get(params.plan_id);
  if (current === undefined) return planNotFound(context, params.plan_id);
  const next: PlanRecord = {
    ...current,
    name: params.name ?? current.name,
    description: params.description ?? current.description,
    billing_controls: mergeControls(current.billing_controls, params.billing_controls ?? {}),
  };
  return {
    status: 200,
    body: renderPlan(next, context.read),
    write: { object: `plan/${current.id}`, apply: () => void context.store.plans.set(current.id, next) },
  };
};

function planNotFound(context: RouteContext, planId: string): ApiOutcome {
  return autumnError(404, 'plan_not_found', `Plan ${planId} not found`, context.env);
}

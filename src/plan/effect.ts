import type { PolicySet } from '../model/policy-set.js';
import type { EffectiveFeature } from '../resolve/effective.js';
import { exposure, controllableFeatures } from '../resolve/resolve.js';
import { resolveFeature, resolveOverageLimit, type ControlLayer } from '../resolve/precedence.js';
import type { ControlsByFeature } from '../types/policy.generated.js';
import type { ObjectControls } from './objects.js';

/** Effective values without provenance: what a reviewer compares before and after. */
export type PlainFeature = Omit<EffectiveFeature, 'sources'>;

export interface PlainCustomer {
  plan: string;
  currency: string;
  overageLimit: unknown;
  maxOverageExposure: number | null;
  features: Record<string, PlainFeature>;
  entities: Record<string, Record<string, PlainFeature>>;
}

function layer(name: ControlLayer['layer'], controls: ObjectControls | undefined): ControlLayer {
  return {
    layer: name,
    controls: (controls?.features ?? {}) as ControlsByFeature,
    overageLimit: controls?.overageLimit,
  };
}

/**
 * The effective policy of one customer as the billing system would compute it from per-object controls:
 * entity > customer > plan object > plan-item defaults. Used for both sides of a plan, so that the
 * before and after are computed the same way.
 */
export function effectiveFromObjects(
  set: PolicySet,
  planId: string,
  customer: ObjectControls | undefined,
  plan: ObjectControls | undefined,
  entities: ReadonlyMap<string, ObjectControls | undefined>,
): PlainCustomer | undefined {
  const planDef = set.plans.get(planId);
  if (!planDef) return undefined;
  const base = [layer('customer', customer), layer('plan', plan)];
  const features = controllableFeatures(set, planDef);
  const resolveAll = (layers: ControlLayer[]): Record<string, PlainFeature> => {
    const out: Record<string, PlainFeature> = {};
    for (const [id, type] of features) {
      const { sources: _sources, ...plain } = resolveFeature(id, type, planDef.items.get(id)!, undefined, layers, false).effective;
      out[id] = plain;
    }
    return out;
  };
  const own = resolveAll(base);
  const entityFeatures: Record<string, Record<string, PlainFeature>> = {};
  for (const id of [...entities.keys()].sort()) entityFeatures[id] = resolveAll([layer('entity', entities.get(id)), ...base]);
  const limit = resolveOverageLimit(base, false).value;
  const charges = [own, ...Object.values(entityFeatures)].flatMap((f) => Object.values(f).map((x) => x.maxOverageCharge));
  return {
    plan: planId,
    currency: planDef.currency,
    overageLimit: limit,
    maxOverageExposure: exposure(charges, limit),
    features: own,
    entities: entityFeatures,
  };
}

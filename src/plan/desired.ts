import type { Location } from '../diagnostics/diagnostic.js';
import { toPointer } from '../load/positions.js';
import { at, type Origin, type PolicySet } from '../model/policy-set.js';
import { customerOwnLayers, entityOwnLayers, planLayer } from '../resolve/resolve.js';
import { alertSetting, topupSetting, type ControlLayer } from '../resolve/precedence.js';
import type { AutoTopup, UsageAlert, UsageLimit } from '../types/policy.generated.js';
import { usageLimitSetting } from '../model/usage-limits.js';
import { settableOn } from '../model/controls.js';
import {
  controlPath,
  FEATURE_CONTROLS,
  objectKey,
  type DesiredObject,
  type FeatureSettings,
  type ObjectControls,
} from './objects.js';

/**
 * What each billing-system object should hold (SPEC §5): plan controls on the plan, a customer's own controls
 * merged with its profiles on the customer, an entity's own on the entity. The billing system's precedence
 * then yields the effective policy.
 */
export function desiredObjects(set: PolicySet): Map<string, DesiredObject> {
  const out = new Map<string, DesiredObject>();
  const add = (o: DesiredObject): void => {
    out.set(objectKey(o.ref), o);
  };
  for (const id of [...set.plans.keys()].sort()) {
    const plan = set.plans.get(id)!;
    add({ ref: { kind: 'plan', id }, currency: plan.currency, ...merge([planLayer(plan)], false) });
  }
  for (const id of [...set.customers.keys()].sort()) {
    const customer = set.customers.get(id)!;
    const plan = set.plans.get(customer.plan);
    const currency = plan?.currency;
    add({ ref: { kind: 'customer', id }, plan: customer.plan, currency, ...merge(customerOwnLayers(set, customer, plan), false) });
    for (const entityId of [...customer.entities.keys()].sort()) {
      const entity = customer.entities.get(entityId)!;
      add({ ref: { kind: 'entity', customer: id, id: entityId }, plan: customer.plan, currency, ...merge(entityOwnLayers(entity, set.asOf), true) });
    }
  }
  return out;
}

/** First layer that sets a control wins, per feature and control; entities take no top-ups or overage limit. */
function merge(
  layers: readonly ControlLayer[],
  entity: boolean,
): { controls: ObjectControls; locations: Record<string, Location>; setBy: Record<string, string> } {
  const controls: ObjectControls = { features: {} };
  const locations: Record<string, Location> = {};
  const setBy: Record<string, string> = {};
  const nameOf = (l: ControlLayer): string => (l.layer === 'profile' ? `profile ${l.profile}` : l.exception ? `exception ${l.exception.id}` : l.layer);
  const featureIds = new Set(layers.flatMap((l) => Object.keys(l.controls)));
  for (const feature of [...featureIds].sort()) {
    const settings: FeatureSettings = {};
    for (const control of FEATURE_CONTROLS) {
      if (entity && !settableOn(control, 'entity')) continue;
      const layer = layers.find((l) => {
        const v = l.controls[feature]?.[control];
        return v !== undefined && v !== null;
      });
      if (!layer) continue;
      const value = layer.controls[feature]![control]!;
      (settings as Record<string, unknown>)[control] = normalizeSetting(control, value);
      lazyLocation(locations, controlPath(feature, control), layer.origin, toPointer(['controls', feature, control]));
      setBy[controlPath(feature, control)] = nameOf(layer);
    }
    if (Object.keys(settings).length > 0) controls.features[feature] = settings;
  }
  if (!entity) {
    const layer = layers.find((l) => l.overageLimit !== undefined && l.overageLimit !== null);
    if (layer) {
      const v = layer.overageLimit!;
      controls.overageLimit = v === 'unlimited' ? 'unlimited' : { maxOverageAmount: v.maxOverageAmount, onLimitReached: v.onLimitReached };
      lazyLocation(locations, 'overageLimit', layer.origin, '/overageLimit');
      setBy.overageLimit = nameOf(layer);
    }
  }
  return { controls, locations, setBy };
}

function locate(origin: Origin | undefined, pointer: string): Location {
  return origin ? at(origin, pointer) : { file: '', line: 0, column: 0, endLine: 0, endColumn: 0, pointer };
}

/** Sets locations[path] to be worked out on first read: only changed controls are ever shown, out of millions. */
function lazyLocation(locations: Record<string, Location>, path: string, origin: Origin | undefined, pointer: string): void {
  Object.defineProperty(locations, path, {
    enumerable: true,
    configurable: true,
    get() {
      const value = locate(origin, pointer);
      Object.defineProperty(locations, path, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
  });
}

function normalizeSetting(control: string, value: unknown): unknown {
  if (control === 'usageAlerts') return (value as UsageAlert[]).map(alertSetting);
  if (control === 'usageLimits') return (value as UsageLimit[]).map(usageLimitSetting);
  if (control === 'autoTopup') return topupSetting(value as AutoTopup);
  return value;
}

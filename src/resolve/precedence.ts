import type { AutoTopup, ControlsByFeature, FeatureControls, OverageLimit, PlanItem, UsageAlert } from '../types/policy.generated.js';
import { at, atShared, type Origin } from '../model/policy-set.js';
import { toPointer } from '../load/positions.js';
import { exactAdd, overageCharge } from './exact.js';
import { usageLimitSetting } from '../model/usage-limits.js';
import { CONTROLS, settableOn } from '../model/controls.js';
import type {
  AlertSetting,
  EffectiveAlert,
  EffectiveAutoTopup,
  EffectiveFeature,
  EffectiveOverageLimit,
  FeatureField,
  LayerName,
  Overridden,
  Source,
  TopupSetting,
  UsageLimitSetting,
} from './effective.js';

/*
 * Precedence (SPEC §2). Each control resolves on its own: the first layer that sets it (not absent, not null) wins.
 *
 * | layer                        | overage | maxOverageUnits | usageAlerts | usageLimits | autoTopup | overageLimit |
 * |------------------------------|---------|-----------------|-------------|-------------|-----------|--------------|
 * | 1 entity exceptions (active) | yes     | yes             | yes         | yes         | error     | no           |
 * | 2 entity                     | yes     | yes             | yes         | yes         | error     | no           |
 * | 3 customer exceptions (active)| yes    | yes             | yes         | yes         | yes       | yes          |
 * | 4 customer                   | yes     | yes             | yes         | yes         | yes       | yes          |
 * | 5 profiles, later wins       | yes     | yes             | yes         | yes         | yes       | yes          |
 * | 6 plan controls              | yes     | yes             | yes         | yes         | yes       | yes          |
 * | 7 plan item defaults         | allow if usage_based, else block | maxPurchase | none | none | none | none |
 *
 * Exceptions (SPEC §12) are active from `from` until `until` (exclusive) at the instant resolved for; of several
 * active in one block, the later in the list wins. usageAlerts and usageLimits are lists replaced whole by the
 * winning layer; [] wins too and means none.
 */

/** One layer of controls, highest precedence first in a stack. */
export interface ControlLayer {
  layer: Exclude<LayerName, 'default'>;
  profile?: string;
  /** For an exception layer: its id, the block it is declared in, and its end (RFC 3339). */
  exception?: { id: string; on: 'customer' | 'entity'; until: string };
  controls: ControlsByFeature;
  overageLimit?: OverageLimit;
  /** Where the layer's document is; absent for layers read from a billing system. */
  origin?: Origin;
}

/** The layer that supplied a value, so checks can point at it. */
export interface Winner {
  layer: ControlLayer;
  pointer: string;
}

export interface ResolvedFeature {
  effective: EffectiveFeature;
  winners: Partial<Record<FeatureField, Winner>>;
}

/** Layers that may set each feature control, from the controls' descriptions (entities set no auto top-ups). */
/** An active exception may set what its own block may set (an entity's exception: what an entity may set, below). */
function withExceptions(layers: ReadonlySet<ControlLayer['layer']>): ReadonlySet<ControlLayer['layer']> {
  return new Set([...layers, 'exception']);
}

const SETTABLE: Record<FeatureField, ReadonlySet<ControlLayer['layer']>> = {
  overage: withExceptions(CONTROLS.overage.layers),
  maxOverageUnits: withExceptions(CONTROLS.maxOverageUnits.layers),
  usageAlerts: withExceptions(CONTROLS.usageAlerts.layers),
  usageLimits: withExceptions(CONTROLS.usageLimits.layers),
  autoTopup: withExceptions(CONTROLS.autoTopup.layers),
};

/** Whether `layer` may set `name`: an entity's exceptions are entity-level, so they never set auto top-ups either. */
function settable(layer: ControlLayer, name: FeatureField): boolean {
  return SETTABLE[name].has(layer.layer) && !(layer.exception?.on === 'entity' && !settableOn(name, 'entity'));
}

/** Whether a layer belongs to an entity (its own block or one of its exceptions): those never set customer-wide values. */
export function isEntityLevel(layer: ControlLayer): boolean {
  return layer.layer === 'entity' || layer.exception?.on === 'entity';
}

/** Copies a layer's identity (profile or exception) onto a source or an overridden value. */
function nameLayer(target: Source | Overridden, layer: ControlLayer): void {
  if (layer.profile !== undefined) target.profile = layer.profile;
  if (layer.exception !== undefined) {
    target.exception = layer.exception.id;
    target.on = layer.exception.on;
    target.until = layer.exception.until;
  }
}

const controlPointers = new Map<string, Record<FeatureField, string>>();

/** "/controls/<feature>/<control>": a handful of features, resolved for every customer and entity, so cached. */
function controlPointer(featureId: string, name: FeatureField): string {
  let pointers = controlPointers.get(featureId);
  if (!pointers) {
    const of = (control: FeatureField) => toPointer(['controls', featureId, control]);
    pointers = { overage: of('overage'), maxOverageUnits: of('maxOverageUnits'), usageAlerts: of('usageAlerts'), usageLimits: of('usageLimits'), autoTopup: of('autoTopup') };
    controlPointers.set(featureId, pointers);
  }
  return pointers[name];
}

/** Where a layer sets a value; plan and profile places repeat for every customer, so they are cached. */
function locationIn(layer: ControlLayer & { origin: Origin }, pointer: string) {
  return layer.layer === 'plan' || layer.layer === 'profile' ? atShared(layer.origin, pointer) : at(layer.origin, pointer);
}

function sourceOf(layer: ControlLayer, pointer: string, withLocation: boolean): Source {
  const source: Source = { layer: layer.layer, overridden: [] };
  nameLayer(source, layer);
  if (withLocation && layer.origin) {
    const loc = locationIn(layer as ControlLayer & { origin: Origin }, pointer);
    source.file = loc.file;
    source.line = loc.line;
    source.column = loc.column;
  }
  return source;
}

function overriddenOf(layer: ControlLayer, pointer: string, value: unknown, withLocation: boolean): Overridden {
  const o: Overridden = { layer: layer.layer, value };
  nameLayer(o, layer);
  if (withLocation && layer.origin) {
    const loc = locationIn(layer as ControlLayer & { origin: Origin }, pointer);
    o.file = loc.file;
    o.line = loc.line;
  }
  return o;
}

/** First layer that sets `read(layer)`; the ones below that also set it are recorded as overridden. */
function pick<T>(
  layers: readonly ControlLayer[],
  read: (layer: ControlLayer) => T | null | undefined,
  pointer: string,
  withLocation: boolean,
): { value: T; source: Source; winner: Winner } | { value: undefined; overridden: Overridden[] } {
  let found: { value: T; source: Source; winner: Winner } | undefined;
  const overridden: Overridden[] = [];
  for (const layer of layers) {
    const value = read(layer);
    if (value === undefined || value === null) continue;
    if (!found) found = { value, source: sourceOf(layer, pointer, withLocation), winner: { layer, pointer } };
    else overridden.push(overriddenOf(layer, pointer, value, withLocation));
  }
  if (found) {
    found.source.overridden = overridden;
    return found;
  }
  return { value: undefined, overridden };
}

/** Resolves one feature of a plan through a stack of layers (highest precedence first). */
export function resolveFeature(
  featureId: string,
  type: 'metered' | 'credits',
  item: PlanItem,
  itemOrigin: Origin | undefined,
  layers: readonly ControlLayer[],
  withLocation = true,
): ResolvedFeature {
  const pricing = item.pricing ?? 'included';
  const included = item.included ?? 0;
  const winners: ResolvedFeature['winners'] = {};
  const itemSource = (key: string): Source => {
    const s: Source = { layer: 'default', overridden: [] };
    if (withLocation && itemOrigin) {
      const loc = atShared(itemOrigin, key in item ? `/${key}` : '');
      s.file = loc.file;
      s.line = loc.line;
      s.column = loc.column;
    }
    return s;
  };
  // The plan item's default is hidden too when a layer wins: a reviewer sees that `unlimited` lifted maxPurchase.
  const hiddenDefault = (key: string, value: unknown): Overridden => {
    const s = itemSource(key);
    const o: Overridden = { layer: 'default', value };
    if (s.file !== undefined) {
      o.file = s.file;
      o.line = s.line;
    }
    return o;
  };
  // A layer that may not set a control reads as not setting it: pick skips it like an absent value.
  const read = <K extends FeatureField>(name: K) =>
    pick<NonNullable<FeatureControls[K]>>(
      layers,
      (l) => (settable(l, name) ? (l.controls[featureId]?.[name] as NonNullable<FeatureControls[K]> | null | undefined) : undefined),
      controlPointer(featureId, name),
      withLocation,
    );

  const overage = read('overage');
  let overageValue: 'allow' | 'block';
  let overageSource: Source;
  if (overage.value !== undefined) {
    overageValue = overage.value;
    overageSource = overage.source;
    overageSource.overridden.push(hiddenDefault('pricing', pricing === 'usage_based' ? 'allow' : 'block'));
    winners.overage = overage.winner;
  } else {
    overageValue = pricing === 'usage_based' ? 'allow' : 'block';
    overageSource = { ...itemSource('pricing'), overridden: overage.overridden };
  }

  const cap = read('maxOverageUnits');
  let maxOverageUnits: number | 'unlimited' | null;
  let capSource: Source;
  if (cap.value !== undefined) {
    maxOverageUnits = cap.value;
    capSource = cap.source;
    if (item.maxPurchase !== undefined) capSource.overridden.push(hiddenDefault('maxPurchase', item.maxPurchase));
    winners.maxOverageUnits = cap.winner;
  } else {
    maxOverageUnits = item.maxPurchase ?? null;
    capSource = { ...itemSource('maxPurchase'), overridden: cap.overridden };
  }

  const alerts = read('usageAlerts');
  let usageAlerts: EffectiveAlert[] = [];
  let alertsSource: Source;
  if (alerts.value !== undefined) {
    usageAlerts = alerts.value.map((a) => effectiveAlert(a, included));
    alertsSource = alerts.source;
    winners.usageAlerts = alerts.winner;
  } else {
    alertsSource = { ...itemSource(''), overridden: alerts.overridden };
  }

  const limits = read('usageLimits');
  let usageLimits: UsageLimitSetting[] = [];
  let limitsSource: Source;
  if (limits.value !== undefined) {
    usageLimits = limits.value.map(usageLimitSetting);
    limitsSource = limits.source;
    winners.usageLimits = limits.winner;
  } else {
    limitsSource = { ...itemSource(''), overridden: limits.overridden };
  }

  const topup = read('autoTopup');
  let autoTopup: EffectiveAutoTopup | null = null;
  let topupSource: Source;
  if (topup.value !== undefined) {
    autoTopup = effectiveTopup(topup.value);
    topupSource = topup.source;
    winners.autoTopup = topup.winner;
  } else {
    topupSource = { ...itemSource(''), overridden: topup.overridden };
  }

  const charged = overageValue === 'allow' && pricing === 'usage_based';
  const capped = typeof maxOverageUnits === 'number';
  // Beyond the exact integer range a bound reads as none (null): validation refuses such policies
  // (checkEffects), and a live value read back from a billing system is then shown as unbounded, not rounded.
  const hardLimit = overageValue === 'block' ? included : capped ? (exactAdd(included, maxOverageUnits as number) ?? null) : null;
  let maxOverageCharge: number | null;
  if (!charged) maxOverageCharge = 0;
  else if (!capped || !item.price) maxOverageCharge = null;
  else maxOverageCharge = overageCharge(maxOverageUnits as number, item.price) ?? null;

  return {
    effective: {
      type,
      included,
      reset: item.reset ?? null,
      pricing,
      overage: overageValue,
      charged,
      maxOverageUnits,
      hardLimit,
      maxOverageCharge,
      usageAlerts,
      usageLimits,
      autoTopup,
      sources: {
        included: itemSource('included'),
        reset: itemSource('reset'),
        overage: overageSource,
        maxOverageUnits: capSource,
        usageAlerts: alertsSource,
        usageLimits: limitsSource,
        autoTopup: topupSource,
      },
    },
    winners,
  };
}

/** Resolves the customer-wide overage limit (entities never set it). */
export function resolveOverageLimit(
  layers: readonly ControlLayer[],
  withLocation = true,
): { value: EffectiveOverageLimit | 'unlimited' | null; source: Source; winner?: Winner } {
  const result = pick(
    layers.filter((l) => !isEntityLevel(l)),
    (l) => l.overageLimit,
    '/overageLimit',
    withLocation,
  );
  if (result.value === undefined) return { value: null, source: { layer: 'default', overridden: result.overridden } };
  const v = result.value;
  return {
    value: v === 'unlimited' ? 'unlimited' : { maxOverageAmount: v.maxOverageAmount, onLimitReached: v.onLimitReached },
    source: result.source,
    winner: result.winner,
  };
}

/** An alert with its default made explicit, as billing systems store it. */
export function alertSetting(a: UsageAlert): AlertSetting {
  const s: AlertSetting = { type: a.type, threshold: a.threshold, enabled: a.enabled ?? true };
  if (a.name !== undefined) s.name = a.name;
  return s;
}

/** A top-up with its defaults made explicit. */
export function topupSetting(t: AutoTopup): TopupSetting {
  const s: TopupSetting = { threshold: t.threshold, quantity: t.quantity, enabled: t.enabled ?? true };
  if (t.purchaseLimit) {
    s.purchaseLimit = { interval: t.purchaseLimit.interval, intervalCount: t.purchaseLimit.intervalCount ?? 1, limit: t.purchaseLimit.limit };
  }
  return s;
}

/** An alert as the billing system holds it, with its threshold also in units (key order kept for plan JSON). */
function effectiveAlert(a: UsageAlert, included: number): EffectiveAlert {
  const s = alertSetting(a);
  const alert: EffectiveAlert = {
    type: s.type,
    threshold: s.threshold,
    enabled: s.enabled,
    units: s.type === 'usage_percentage' ? roundUnits((s.threshold * included) / 100) : s.threshold,
  };
  if (s.name !== undefined) alert.name = s.name;
  return alert;
}

/** A top-up as the billing system holds it, with no purchase limit as null. */
function effectiveTopup(t: AutoTopup): EffectiveAutoTopup {
  const s = topupSetting(t);
  return { threshold: s.threshold, quantity: s.quantity, purchaseLimit: s.purchaseLimit ?? null, enabled: s.enabled };
}

function roundUnits(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

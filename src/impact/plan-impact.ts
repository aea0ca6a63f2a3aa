// A plan's impact at current usage (SPEC §11): for every changed (customer or entity, feature), its state before
// and after at the usage it has now. Pure: the plan stage hands in both resolutions of a customer and the usage.
import type { PolicySet } from '../model/policy-set.js';
import type { EffectiveFeature, EffectiveOverageLimit } from '../resolve/effective.js';
import { evaluateCustomer, type BlockReason, type CustomerState, type FeatureState, type UsageOf } from './evaluate.js';
import { customerTerms } from './terms.js';
import { usageOfCustomer, type UsageSource, type UsageTable } from './usage.js';

/** One side of a plan for one customer, as the plan stage resolves it from per-object controls. */
export interface ResolvedSide {
  plan: string;
  currency: string;
  overageLimit: unknown;
  features: Record<string, Omit<EffectiveFeature, 'sources'>>;
  entities: Record<string, Record<string, Omit<EffectiveFeature, 'sources'>>>;
}

/** A feature's state at its usage, as a plan shows it. */
export interface ImpactState {
  allowed: boolean;
  blockedBy: BlockReason | null;
  overageUnits: number;
  overageCharge: number | null;
}

/** One changed (customer or entity, feature) at its current usage. */
export interface ImpactRow {
  customer: string;
  entity?: string;
  feature: string;
  usage: number;
  currency: string | null;
  /** null when that side does not resolve (no known plan). */
  before: ImpactState | null;
  after: ImpactState | null;
  /** Allowed now, blocked once the plan is applied. */
  blockedNow: boolean;
  /** Refused now, allowed once the plan is applied. */
  unblocked: boolean;
  /** Billed more overage at this usage once the plan is applied. */
  newlyCharged: boolean;
}

/** What a plan does at current usage. */
export interface PlanImpact {
  source: UsageSource;
  rows: ImpactRow[];
  /** Customers with a blocked-now row (their own or an entity's), and entities with one. */
  blockedNow: { customers: number; entities: number };
}

/** The (entity, feature) pairs whose effective values move, from the plan's effective changes. */
export interface ChangedField {
  entity?: string;
  feature?: string;
  field: string;
}

function stateOf(s: FeatureState | undefined): ImpactState | null {
  return s === undefined ? null : { allowed: s.allowed, blockedBy: s.blockedBy, overageUnits: s.overageUnits, overageCharge: s.overageCharge };
}

function evaluateSide(set: PolicySet, side: ResolvedSide | null, usageOf: UsageOf): CustomerState | null {
  if (side === null) return null;
  const overageLimit = side.overageLimit as EffectiveOverageLimit | 'unlimited' | null;
  return evaluateCustomer(customerTerms(set, { plan: side.plan, currency: side.currency, overageLimit, features: side.features, entities: side.entities }), usageOf);
}

/**
 * The impact rows of one customer: every (customer or entity, feature) whose effective values change, and, when
 * the customer-wide overage limit changes, every one that has usage (the limit counts them all together).
 */
export function customerImpact(set: PolicySet, customer: string, before: ResolvedSide | null, after: ResolvedSide | null, changes: readonly ChangedField[], usage: UsageTable): ImpactRow[] {
  const pairs = new Map<string, { entity?: string; feature: string }>();
  const add = (entity: string | undefined, feature: string): void => {
    pairs.set(`${entity ?? ''}\u0000${feature}`, entity === undefined ? { feature } : { entity, feature });
  };
  for (const c of changes) if (c.feature !== undefined) add(c.entity, c.feature);
  const usageOf = usageOfCustomer(usage, customer);
  if (changes.some((c) => c.field === 'overageLimit' || c.field === 'plan')) {
    for (const side of [before, after]) {
      for (const feature of Object.keys(side?.features ?? {})) if ((usageOf(undefined, feature) ?? 0) > 0) add(undefined, feature);
      for (const [entity, features] of Object.entries(side?.entities ?? {})) for (const feature of Object.keys(features)) if ((usageOf(entity, feature) ?? 0) > 0) add(entity, feature);
    }
  }
  if (pairs.size === 0) return [];
  const b = evaluateSide(set, before, usageOf);
  const a = evaluateSide(set, after, usageOf);
  const currency = after?.currency ?? before?.currency ?? null;
  const pick = (state: CustomerState | null, entity: string | undefined, feature: string): FeatureState | undefined =>
    state === null ? undefined : entity === undefined ? state.features[feature] : state.entities[entity]?.[feature];
  const rows: ImpactRow[] = [];
  for (const { entity, feature } of pairs.values()) {
    const was = stateOf(pick(b, entity, feature));
    const will = stateOf(pick(a, entity, feature));
    const row: ImpactRow = {
      customer,
      ...(entity === undefined ? {} : { entity }),
      feature,
      usage: usageOf(entity, feature) ?? 0,
      currency,
      before: was,
      after: will,
      blockedNow: was?.allowed === true && will?.allowed === false,
      unblocked: was?.allowed === false && will?.allowed === true,
      newlyCharged: (will?.overageCharge ?? 0) > (was?.overageCharge ?? 0),
    };
    rows.push(row);
  }
  return rows;
}

const rank = (r: ImpactRow): number => (r.blockedNow ? 0 : r.newlyCharged ? 1 : 2);

/** Rows in reading order: blocked now first, then newly charged, then the rest; each by customer, entity, feature. */
export function sortImpact(rows: ImpactRow[]): ImpactRow[] {
  // Keys built once per row, not per comparison: a fleet's first plan has tens of thousands of rows.
  const keyed = rows.map((r) => ({ r, rank: rank(r), key: `${r.customer}\u0000${r.entity ?? ''}\u0000${r.feature}` }));
  keyed.sort((x, y) => x.rank - y.rank || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return keyed.map((k) => k.r);
}

/** The plan's impact from its rows. */
export function planImpact(source: UsageSource, rows: ImpactRow[]): PlanImpact {
  const blocked = rows.filter((r) => r.blockedNow);
  return {
    source,
    rows: sortImpact(rows),
    blockedNow: {
      customers: new Set(blocked.map((r) => r.customer)).size,
      entities: new Set(blocked.filter((r) => r.entity !== undefined).map((r) => `${r.customer}/${r.entity}`)).size,
    },
  };
}

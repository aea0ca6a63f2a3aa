// import --catalog: Autumn's features and plans (features.list, plans.list) as Feature and Plan documents,
// each plan with the plan-level controls Autumn holds on it. A plan item the policy language has no word for
// (unlimited, tiers, a two-month reset, a fractional price) keeps the plan out, with the reason.
import type { ListFeaturesList } from 'autumn-js';
import type { FeatureDef, PlanDef } from '../model/policy-set.js';
import type { ObjectControls } from '../plan/objects.js';
import { AutumnTarget } from '../targets/autumn/autumn-target.js';
import { catalogItem, type CatalogItem } from '../targets/autumn/catalog.js';
import type { Target } from '../targets/target.js';
import type { FeatureDocument, PlanDocument, PlanItem, Price } from '../types/policy.generated.js';
import { UsageError } from '../util/errors.js';
import { controlsBlock } from './documents.js';
import { planControlProblems, shapeProblems } from './expressible.js';

/** The billing system's catalog in policy terms. */
export interface ImportedCatalog {
  features: Map<string, FeatureDocument>;
  plans: Map<string, ImportedPlan>;
}

export interface ImportedPlan {
  id: string;
  archived: boolean;
  /** The plan's items in policy terms, and why some cannot be said. */
  items: Map<string, PlanItem>;
  controls: ObjectControls;
  problems: string[];
  name?: string;
}

const RESETS = new Set(['hour', 'day', 'week', 'month', 'quarter', 'year', 'never']);
const PRICINGS = new Set(['included', 'usage_based', 'prepaid']);

/** Reads Autumn's catalog through the target; plan money in minor units of `currency` (Autumn does not say which). */
export async function readImportCatalog(target: Target, currency: string): Promise<ImportedCatalog> {
  if (!(target instanceof AutumnTarget)) throw new UsageError(`--catalog reads Autumn's plans and features; target ${target.name} has no catalog to read.`);
  const { catalog, planControls } = await target.catalog();
  const features = new Map([...catalog.features.values()].map((f) => [f.id, featureDocument(f)]));
  const plans = new Map<string, ImportedPlan>();
  for (const [id, read] of catalog.plans) {
    const problems: string[] = [];
    const items = new Map<string, PlanItem>();
    for (const featureId of [...new Set(read.items.map((i) => i.featureId))].sort()) {
      const feature = features.get(featureId);
      if (!feature) {
        problems.push(`its feature ${featureId} is not in features.list`);
        continue;
      }
      const item = catalogItem(read.items.filter((i) => i.featureId === featureId), currency)!;
      const said = feature.type === 'boolean' ? {} : planItem(item, featureId, problems);
      if (said) items.set(featureId, said);
    }
    const plan: ImportedPlan = { id, archived: read.archived, items, controls: planControls.get(id) ?? { features: {} }, problems };
    const name = (read as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name !== id) plan.name = name;
    const featureTypes = new Map([...features].map(([fid, f]) => [fid, { type: f.type }]));
    problems.push(...planControlProblems(plan.controls, { features: featureTypes, plan: { id, items } }));
    if (problems.length === 0) problems.push(...shapeProblems(planDocument(plan, currency), featureTypes));
    plans.set(id, plan);
  }
  return { features, plans };
}

function featureDocument(f: ListFeaturesList): FeatureDocument {
  const type = f.type === 'boolean' ? 'boolean' : f.type === 'metered' ? 'metered' : 'credits';
  const doc: FeatureDocument = { kind: 'Feature', id: f.id, type };
  // Keys in the schema's order: kind, id, name, description, type.
  return f.name && f.name !== f.id ? { kind: 'Feature', id: f.id, name: f.name, type } : doc;
}

/** A catalog item as a policy plan item; undefined (with a problem) when the policy language cannot say it. */
function planItem(item: CatalogItem, featureId: string, problems: string[]): PlanItem | undefined {
  const before = problems.length;
  if (item.included === 'unlimited') problems.push(`${featureId} is unlimited`);
  if (!RESETS.has(item.reset)) problems.push(`${featureId} resets every ${item.reset}`);
  if (!PRICINGS.has(item.pricing)) problems.push(`${featureId} is priced ${item.pricing}`);
  const price = (p: Price | 'tiered' | undefined, what: string): Price | undefined => {
    if (p === undefined) return undefined;
    if (p === 'tiered') problems.push(`${featureId} has a tiered ${what}`);
    else if (!Number.isSafeInteger(p.amount)) problems.push(`${featureId}'s ${what} ${p.amount} is not a whole number of minor units`);
    else return { amount: p.amount, per: p.per };
    return undefined;
  };
  const out: PlanItem = { included: item.included === 'unlimited' ? 0 : item.included, reset: item.reset as PlanItem['reset'] };
  if (item.pricing !== 'included') out.pricing = item.pricing as PlanItem['pricing'];
  const p = price(item.price, 'price');
  if (p) out.price = p;
  if (item.maxPurchase !== undefined) out.maxPurchase = item.maxPurchase;
  const t = price(item.topUpPrice, 'top-up price');
  if (t) out.topUpPrice = t;
  return problems.length > before ? undefined : out;
}

/** The Plan document of an imported plan, with its plan-level controls. */
export function planDocument(plan: ImportedPlan, currency: string): PlanDocument {
  const doc: PlanDocument = {
    kind: 'Plan',
    id: plan.id,
    ...(plan.name !== undefined ? { name: plan.name } : {}),
    currency,
    features: Object.fromEntries([...plan.items].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  const controls = controlsBlock(plan.controls);
  if (controls) doc.controls = controls;
  return doc;
}

/** The catalog's definitions the policies lack, in the shapes import checks customers against. */
export function catalogDefinitions(catalog: ImportedCatalog): { features: Map<string, Pick<FeatureDef, 'type'>>; plans: Map<string, Pick<PlanDef, 'id' | 'items'>> } {
  return {
    features: new Map([...catalog.features].map(([id, f]) => [id, { type: f.type }])),
    plans: new Map([...catalog.plans].filter(([, p]) => p.problems.length === 0).map(([id, p]) => [id, { id, items: p.items }])),
  };
}

// The policies' features and plan items against Autumn's catalog (SPEC §5, §8): tollgate never pushes the catalog,
// so every difference is reported at the policy line that states it, with both values.
import { diagnostic, type Diagnostic, type Location } from '../../diagnostics/diagnostic.js';
import { toPointer } from '../../load/positions.js';
import { atShared, type PlanDef, type PolicySet } from '../../model/policy-set.js';
import { isEmptyControls, type DesiredObject } from '../../plan/objects.js';
import type { PlanItem } from '../../types/policy.generated.js';
import { catalogItem, type AutumnCatalog, type CatalogItem } from './catalog.js';

/**
 * One diagnostic per place where the policies and Autumn's catalog disagree: a plan Autumn lacks is an error when
 * the plan sets controls (they could not be written), a warning otherwise; a missing feature or plan item, or an
 * item whose included, reset, pricing, price, maxPurchase or topUpPrice differs, is a warning.
 */
export function catalogMismatches(set: PolicySet, desired: ReadonlyMap<string, DesiredObject>, catalog: AutumnCatalog): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const feature of set.features.values()) {
    const autumn = catalog.features.get(feature.id);
    const at = atShared(feature.origin, '/id');
    if (!autumn) {
      out.push(diagnostic('catalog-unknown-feature', `Autumn has no feature ${feature.id}: create it in Autumn (tollgate never pushes the catalog).`, at));
    } else if ((feature.type === 'boolean') !== (autumn.type === 'boolean')) {
      out.push(diagnostic('catalog-mismatch', `Feature ${feature.id} is ${feature.type} here but ${autumn.type} in Autumn.`, atShared(feature.origin, '/type')));
    }
  }
  for (const plan of set.plans.values()) {
    const autumn = catalog.plans.get(plan.id);
    if (autumn) {
      out.push(...itemMismatches(set, plan, (feature) => catalogItem(autumn.items.filter((i) => i.featureId === feature), plan.currency)));
    } else if (!isEmptyControls(desired.get(`plan:${plan.id}`)?.controls)) {
      out.push(diagnostic('catalog-missing-plan', `Autumn has no plan ${plan.id}, so its controls cannot be written: create the plan in Autumn first (tollgate never creates plans).`, atShared(plan.origin, '/id')));
    } else {
      out.push(diagnostic('catalog-unknown-plan', `Autumn has no plan ${plan.id}: create it in Autumn (it sets no controls, so tollgate writes nothing to it).`, atShared(plan.origin, '/id')));
    }
  }
  return out;
}

type Field = 'included' | 'reset' | 'pricing' | 'price' | 'maxPurchase' | 'topUpPrice';

function itemMismatches(set: PolicySet, plan: PlanDef, autumnItem: (feature: string) => CatalogItem | undefined): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [feature, item] of plan.items) {
    const where = (field?: Field): Location => atShared(plan.origin, toPointer(field === undefined ? ['features', feature] : ['features', feature, field]));
    const autumn = autumnItem(feature);
    if (!autumn) {
      out.push(diagnostic('catalog-missing-item', `Autumn's plan ${plan.id} has no item for ${feature}: add it in Autumn, or remove ${feature} from the plan here.`, where()));
      continue;
    }
    // A boolean feature has no quantities to compare (the policies refuse them on it).
    if (set.features.get(feature)?.type === 'boolean') continue;
    for (const [field, ours, theirs] of compared(item, autumn)) {
      out.push(diagnostic('catalog-mismatch', `Plan ${plan.id}, ${feature}.${field}: ${shown(ours)} here, ${shown(theirs)} in Autumn.`, where(item[field] === undefined ? undefined : field)));
    }
  }
  return out;
}

/** The fields that differ, as [field, policy value, Autumn value]; a field the policy leaves out is compared only where its absence means something. */
function compared(item: PlanItem, autumn: CatalogItem): Array<[Field, unknown, unknown]> {
  const pricing = item.pricing ?? 'included';
  const pairs: Array<[Field, unknown, unknown]> = [
    ['included', item.included, autumn.included],
    ['reset', item.reset, autumn.reset],
    ['pricing', pricing, autumn.pricing],
    // A price means something only where usage is priced; maxPurchase (no cap when absent) wherever it applies.
    ['price', pricing === 'included' ? undefined : item.price, pricing === 'included' ? undefined : autumn.price],
    ['maxPurchase', item.maxPurchase, autumn.maxPurchase],
    ['topUpPrice', item.topUpPrice, item.topUpPrice === undefined ? undefined : autumn.topUpPrice],
  ];
  return pairs.filter(([field, ours, theirs]) => {
    if ((field === 'included' || field === 'reset') && ours === undefined) return false;
    return comparable(ours) !== comparable(theirs);
  });
}

/** Prices compare by amount and per, whatever order the YAML wrote them in. */
function comparable(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'amount' in value && 'per' in value) return `${String(value.amount)}/${String(value.per)}`;
  return JSON.stringify(value) ?? 'none';
}

function shown(value: unknown): string {
  if (value === undefined) return 'none';
  if (typeof value === 'object' && value !== null && 'amount' in value && 'per' in value) {
    const p = value as { amount: number; per: number };
    return `{ amount: ${p.amount}, per: ${p.per} }`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

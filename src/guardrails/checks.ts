import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { toPointer } from '../load/positions.js';
import { at, isUnusable, type GuardrailDef, type PolicySet } from '../model/policy-set.js';

/**
 * Checks of Guardrail and Waiver documents on their own (SPEC §12): what they name exists, a money bound names its
 * currency, and no waiver lifts a hard guardrail.
 */
export function checkGuardrailDocuments(set: PolicySet): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const g of set.guardrails.values()) {
    const applies = g.applies ?? {};
    (applies.plans ?? []).forEach((id, i) => {
      if (!set.plans.has(id) && !isUnusable(set, 'plan', id)) {
        out.push(diagnostic('unknown-plan', `Guardrail "${g.id}" applies to unknown plan "${id}".${didYouMean(id, set.plans.keys())}`, at(g.origin, toPointer(['applies', 'plans', i]))));
      }
    });
    (applies.profiles ?? []).forEach((id, i) => {
      if (!set.profiles.has(id) && !isUnusable(set, 'profile', id)) {
        out.push(diagnostic('unknown-profile', `Guardrail "${g.id}" applies to unknown profile "${id}".${didYouMean(id, set.profiles.keys())}`, at(g.origin, toPointer(['applies', 'profiles', i]))));
      }
    });
    (applies.customers ?? []).forEach((id, i) => {
      if (!set.customers.has(id) && !isUnusable(set, 'customer', id)) {
        out.push(diagnostic('unknown-subject', `Guardrail "${g.id}" applies to unknown customer "${id}".${didYouMean(id, set.customers.keys())}`, at(g.origin, toPointer(['applies', 'customers', i]))));
      }
    });
    for (const featureId of Object.keys(g.require.features ?? {})) {
      if (featureId !== '*' && !set.features.has(featureId) && !isUnusable(set, 'feature', featureId)) {
        out.push(diagnostic('unknown-feature', `Guardrail "${g.id}" sets requirements for unknown feature "${featureId}".${didYouMean(featureId, set.features.keys())} Use "*" for every feature of a plan.`, at(g.origin, toPointer(['require', 'features', featureId]), 'key')));
      }
    }
    out.push(...moneyWithoutCurrency(g));
  }
  for (const w of set.waivers.values()) {
    const g = set.guardrails.get(w.guardrail);
    if (!g) {
      out.push(diagnostic('unknown-guardrail', `Waiver "${w.id}" lifts unknown guardrail "${w.guardrail}".${didYouMean(w.guardrail, set.guardrails.keys())}`, at(w.origin, '/guardrail')));
    } else if (g.level === 'hard') {
      const level = at(g.origin, '/level');
      out.push(
        diagnostic('hard-guardrail-waiver', `Waiver "${w.id}" lifts guardrail "${g.id}", which is hard: no waiver lifts a hard guardrail. Remove the waiver, fix what fails, or make the guardrail soft (a reviewed change to the guardrail).`, at(w.origin, '/guardrail'), [
          { ...level, message: `guardrail "${g.id}" is hard` },
        ]),
      );
    }
    w.customers.forEach((id, i) => {
      if (!set.customers.has(id) && !isUnusable(set, 'customer', id)) {
        out.push(diagnostic('unknown-subject', `Waiver "${w.id}" names unknown customer "${id}".${didYouMean(id, set.customers.keys())}`, at(w.origin, toPointer(['customers', i]))));
      }
    });
    w.entities.forEach((key, i) => {
      const [customerId, entityId] = key.split('/') as [string, string];
      const customer = set.customers.get(customerId);
      if (customer?.entities.has(entityId) || isUnusable(set, 'customer', customerId)) return;
      const known = customer ? [...customer.entities.keys()].map((e) => `${customerId}/${e}`) : [...set.customers.keys()];
      const what = customer ? `entity "${key}" (customer "${customerId}" has no entity "${entityId}")` : `entity "${key}" of unknown customer "${customerId}"`;
      out.push(diagnostic('unknown-subject', `Waiver "${w.id}" names ${what}.${didYouMean(customer ? key : customerId, known)}`, at(w.origin, toPointer(['entities', i]))));
    });
  }
  return out;
}

/** The pointers (in a guardrail) of every money bound: each must name its currency. */
export function moneyBounds(g: GuardrailDef): Array<{ pointer: string; bound: { max?: number; min?: number; currency?: string } }> {
  const out: Array<{ pointer: string; bound: { max?: number; min?: number; currency?: string } }> = [];
  if (g.require.maxOverageExposure) out.push({ pointer: '/require/maxOverageExposure', bound: g.require.maxOverageExposure });
  for (const [featureId, req] of Object.entries(g.require.features ?? {})) {
    if (req.maxOverageCharge) out.push({ pointer: toPointer(['require', 'features', featureId, 'maxOverageCharge']), bound: req.maxOverageCharge });
  }
  if (g.changes.exposureIncrease) out.push({ pointer: '/changes/exposureIncrease', bound: g.changes.exposureIncrease });
  return out;
}

function moneyWithoutCurrency(g: GuardrailDef): Diagnostic[] {
  return moneyBounds(g)
    .filter((m) => m.bound.currency === undefined)
    .map((m) =>
      diagnostic(
        'guardrail-money-without-currency',
        `Money bound "${m.pointer.split('/').pop()}" of guardrail "${g.id}" has no currency: amounts are minor units of one currency, and the bound checks only customers in it. Add currency: USD (or the plan's currency).`,
        at(g.origin, m.pointer, 'key'),
      ),
    );
}

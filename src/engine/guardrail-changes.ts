import type { Diagnostic, Location } from '../diagnostics/diagnostic.js';
import { at, type PolicySet } from '../model/policy-set.js';
import type { Plan } from '../plan/plan.js';
import { formatMoney } from '../util/money.js';
import { GuardrailEvaluator } from '../guardrails/evaluate.js';
import { FAILURES_LISTED, type GuardrailReport } from '../guardrails/report.js';

/**
 * The plan-time rules of guardrails (`changes`, SPEC §12): per customer the plan reaches, how far its money exposure
 * may rise; bounded to unbounded always fails. Returns the failures no waiver covers, and the report of these rules
 * merged into `base` (the report of the effective values).
 */
export function checkPlanChanges(set: PolicySet, plan: Plan, base: GuardrailReport | undefined): { diagnostics: Diagnostic[]; report: GuardrailReport | undefined } {
  if (set.guardrails.size === 0) return { diagnostics: [], report: base };
  const evaluator = new GuardrailEvaluator(set);
  const diagnostics: Diagnostic[] = [];
  const changesOf = new Map<string, Location>();
  for (const o of plan.objects) {
    const customer = o.ref.kind === 'customer' ? o.ref.id : o.ref.kind === 'entity' ? o.ref.customer : undefined;
    const first = o.changes.find((c) => c.location && c.location.file !== '')?.location;
    if (customer !== undefined && first && !changesOf.has(customer)) changesOf.set(customer, first);
  }
  for (const e of plan.effect.customers) {
    if (e.currency === null || e.exposureBefore === null) continue; // from unbounded, exposure cannot rise
    for (const g of evaluator.applicableTo(e.id)) {
      const bound = g.changes.exposureIncrease;
      if (!bound || bound.currency !== e.currency) continue;
      const before = e.exposureBefore;
      const after = e.exposureAfter;
      const max = bound.max ?? Number.POSITIVE_INFINITY;
      if (after !== null && after - before <= max) continue;
      const what =
        after === null
          ? `this plan makes its money exposure unbounded (from ${formatMoney(before, e.currency)})`
          : `this plan raises its money exposure by ${formatMoney(after - before, e.currency)} (${formatMoney(before, e.currency)} → ${formatMoney(after, e.currency)}), over the max increase of ${formatMoney(max, e.currency)}`;
      const customer = set.customers.get(e.id);
      const where = (): Location => changesOf.get(e.id) ?? (customer ? at(customer.origin, '/id') : at(g.origin, '/changes/exposureIncrease'));
      const d = evaluator.breach(g, { customer: e.id, field: 'exposureIncrease', what, where, rule: '/changes/exposureIncrease' });
      if (d) diagnostics.push(d);
    }
  }
  return { diagnostics, report: mergeReports(base, evaluator.report()) };
}

/** Two reports of the same guardrails added up: counts summed, each status from the sums, failures listed in order. */
export function mergeReports(a: GuardrailReport | undefined, b: GuardrailReport): GuardrailReport {
  if (!a) return b;
  const extra = new Map(b.results.map((r) => [r.id, r]));
  const results = a.results.map((r) => {
    const more = extra.get(r.id);
    const failed = r.failed + (more?.failed ?? 0);
    const waived = r.waived + (more?.waived ?? 0);
    return { ...r, failed, waived, status: failed > 0 ? ('failed' as const) : waived > 0 ? ('waived' as const) : ('passed' as const) };
  });
  const all = [...a.failures, ...b.failures];
  const report: GuardrailReport = { results, failures: all.slice(0, FAILURES_LISTED) };
  const omitted = (a.failuresOmitted ?? 0) + (b.failuresOmitted ?? 0) + Math.max(0, all.length - FAILURES_LISTED);
  if (omitted > 0) report.failuresOmitted = omitted;
  return report;
}

// Guardrails and time-boxed policy on a plan: what plan records and what apply re-checks (SPEC §12).
import { checkPlanChanges } from './guardrail-changes.js';
import { blocks, type GuardrailReport } from '../guardrails/report.js';
import { formatInstant } from '../model/instant.js';
import { at } from '../model/policy-set.js';
import type { LapsingEntry, Plan } from '../plan/plan.js';
import type { Analysis } from '../validate/index.js';

/** Whether the policies hold anything whose effect depends on the instant: exceptions or waivers. */
function timeBoxed(analysis: Analysis): boolean {
  if (analysis.set.waivers.size > 0) return true;
  for (const c of analysis.set.customers.values()) {
    if (c.exceptions.length > 0) return true;
    for (const e of c.entities.values()) if (e.exceptions.length > 0) return true;
  }
  return false;
}

/** The exceptions and waivers near or past their end, as a plan records them. */
export function lapsingEntries(analysis: Analysis): LapsingEntry[] {
  return analysis.lapsing.map((l) => {
    const where = at(l.origin, l.pointer);
    return { kind: l.kind, id: l.id, subject: l.subject, endsAt: formatInstant(l.endsAt), lapsed: l.lapsed, file: where.file, line: where.line };
  });
}

/**
 * The plan with its guardrail report (effective values and this plan's changes), the instant it was resolved at,
 * and what lapses soon; the keys are left out when the policies have no guardrails and nothing time-boxed.
 */
export function withGuardrails(analysis: Analysis, plan: Plan): Plan {
  const out: Plan = { ...plan };
  if (timeBoxed(analysis)) out.asOf = formatInstant(analysis.set.asOf);
  const { report } = checkPlanChanges(analysis.set, plan, analysis.guardrails);
  if (report) out.guardrails = report;
  const lapsing = lapsingEntries(analysis);
  if (lapsing.length > 0) out.lapsing = lapsing;
  return out;
}

/** The soft and hard guardrails a report says fail, for a refusal: "exposure-cap (soft: 2 failures)". */
export function failingGuardrails(report: GuardrailReport | undefined): string[] {
  if (!blocks(report)) return [];
  return report!.results.filter((r) => r.status === 'failed' && r.level !== 'advisory').map((r) => `${r.id} (${r.level}: ${r.failed} failure${r.failed === 1 ? '' : 's'})`);
}

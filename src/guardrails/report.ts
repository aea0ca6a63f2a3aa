/** What guardrail evaluation found, shared by validate, plan and apply (SPEC §12). */
import { tallyLine, type GuardrailTally } from '../diagnostics/guardrail-tally.js';

export { tallyLine, type GuardrailTally };

export type GuardrailLevel = 'advisory' | 'soft' | 'hard';

/** How one guardrail came out: passed everywhere, failed only where waivers cover it, or failed. */
export interface GuardrailResult {
  id: string;
  level: GuardrailLevel;
  status: 'passed' | 'waived' | 'failed';
  /** Failures no waiver covers (customers, entities or plan changes). */
  failed: number;
  /** Failures a waiver covers. */
  waived: number;
}

/** One failure, for plan output: the value that broke the rule and where it was set. */
export interface GuardrailFailure {
  guardrail: string;
  level: GuardrailLevel;
  customer: string;
  entity?: string;
  feature?: string;
  /** The effective field checked, or "exposureIncrease" for a plan change. */
  field: string;
  message: string;
  file: string;
  line: number;
  /** The waiver that covers it, when one does. */
  waiver?: string;
}

export interface GuardrailReport {
  results: GuardrailResult[];
  /** The first failures (waived ones too), at most FAILURES_LISTED. */
  failures: GuardrailFailure[];
  /** How many failures were left out of `failures`. */
  failuresOmitted?: number;
}

/** Most failures a report lists one by one. */
export const FAILURES_LISTED = 200;

/** Counts a report's guardrails by outcome. */
export function tallyOf(report: GuardrailReport): GuardrailTally {
  const t: GuardrailTally = { passed: 0, waived: 0, failed: 0, advisory: 0 };
  for (const r of report.results) {
    t[r.status]++;
    if (r.status === 'failed' && r.level === 'advisory') t.advisory++;
  }
  return t;
}

/** Whether a report fails the run: a soft or hard guardrail failed where no waiver covers it. */
export function blocks(report: GuardrailReport | undefined): boolean {
  return (report?.results ?? []).some((r) => r.status === 'failed' && r.level !== 'advisory');
}

/** Guardrail counts by outcome, as every report format shows them (SPEC §12). */
export interface GuardrailTally {
  passed: number;
  waived: number;
  failed: number;
  /** Of the failed, how many are advisory (warnings, not errors). */
  advisory: number;
}

/** "Guardrails: 12 passed, 1 waived, 1 failed" (", 2 failed (1 advisory)" when some failures only warn). */
export function tallyLine(tally: GuardrailTally): string {
  const failed = tally.advisory > 0 ? `${tally.failed} failed (${tally.advisory} advisory)` : `${tally.failed} failed`;
  return `Guardrails: ${tally.passed} passed, ${tally.waived} waived, ${failed}`;
}

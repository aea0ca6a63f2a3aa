import { tallyLine, tallyOf } from '../../guardrails/report.js';
import type { GuardrailFailure } from '../../guardrails/report.js';
import type { Plan } from '../plan.js';

/** Most failures a plan lists; the JSON plan has the first 200, and the tally counts them all. */
const SHOWN = 20;

function subjectOf(f: GuardrailFailure): string {
  return f.entity === undefined ? `customer ${f.customer}` : `entity ${f.customer}/${f.entity}`;
}

/** The guardrail section of the text plan: each failure at the place that set the value, then the tally. */
export function guardrailTextLines(plan: Plan): string[] {
  const report = plan.guardrails;
  if (!report) return [];
  if (report.failures.length === 0) return [`${tallyLine(tallyOf(report))}.`, ''];
  const lines = ['Guardrails, failing or waived:'];
  const listed = report.failures.slice(0, SHOWN);
  for (const f of listed) {
    const mark = f.waiver !== undefined ? '~ waived' : f.level === 'advisory' ? '! advisory' : `✖ ${f.level}`;
    lines.push(`  ${mark}: ${f.guardrail}, ${subjectOf(f)}${f.feature ? ` ${f.feature}` : ''} (${f.file}:${f.line})`, `      ${f.message}`);
  }
  const more = report.failures.length - listed.length + (report.failuresOmitted ?? 0);
  if (more > 0) lines.push(`  … and ${more.toLocaleString('en-US')} more failures (all in the JSON plan's first 200, and in tollgate validate)`);
  lines.push(`${tallyLine(tallyOf(report))}.`, '');
  return lines;
}

/** The guardrail section of the markdown plan: the tally, and a table of failures (waived ones marked). */
export function guardrailMarkdownLines(plan: Plan, escape: (s: string) => string): string[] {
  const report = plan.guardrails;
  if (!report) return [];
  const tally = tallyOf(report);
  const icon = tally.failed - tally.advisory > 0 ? '❌' : tally.failed > 0 ? '⚠️' : '✅';
  const lines = ['#### Guardrails', '', `${icon} **${tallyLine(tally)}**`, ''];
  if (report.failures.length === 0) return lines;
  lines.push('| guardrail | level | where | what | outcome |', '|---|---|---|---|---|');
  const cell = (s: string) => escape(s).replace(/\n/g, ' ');
  for (const f of report.failures.slice(0, SHOWN)) {
    const outcome = f.waiver !== undefined ? `waived by \`${f.waiver}\`` : f.level === 'advisory' ? 'warning' : '**fails**';
    lines.push(`| \`${f.guardrail}\` | ${f.level} | \`${f.file}:${f.line}\` | ${cell(f.message)} | ${outcome} |`);
  }
  const more = report.failures.length - Math.min(SHOWN, report.failures.length) + (report.failuresOmitted ?? 0);
  if (more > 0) lines.push('', `… and ${more.toLocaleString('en-US')} more failures.`);
  lines.push('');
  return lines;
}

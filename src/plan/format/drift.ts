// Drift as the plan formats show it: apart from the policy changes, with what tollgate last applied beside what
// the billing system holds now.
import type { Colors } from 'picocolors/types.js';
import type { DriftEntry } from '../drift.js';
import { describeRef } from '../objects.js';
import type { Plan } from '../plan.js';
import { formatValue } from './values.js';

/** The heading every format uses. */
export const DRIFT_HEADING = 'Changed outside tollgate since the last apply';

/** "1 object changed outside tollgate": for summary lines; empty without drift. */
export function driftCount(plan: Plan): string {
  const n = plan.drift?.length ?? 0;
  return n === 0 ? '' : `${n} object${n === 1 ? '' : 's'} changed outside tollgate`;
}

function values(entry: DriftEntry): Array<{ path: string; applied: string; live: string }> {
  const currency = entry.currency ?? null;
  return entry.changes.map((ch) => ({ path: ch.path, applied: formatValue(ch.control, ch.before, currency), live: formatValue(ch.control, ch.after, currency) }));
}

/** The text section: per object, each control's last-applied and live value. */
export function driftTextLines(plan: Plan, c: Colors): string[] {
  const drift = plan.drift ?? [];
  if (drift.length === 0) return [];
  const lines = [c.bold(`${DRIFT_HEADING} (applying reverts it):`)];
  for (const entry of drift) {
    lines.push(`  ${c.magenta(`! ${describeRef(entry.ref)}`)}${c.dim(`  (last applied ${entry.appliedAt})`)}`);
    for (const v of values(entry)) lines.push(`      ${v.path}: ${v.applied} last applied, ${c.magenta(v.live)} live`);
  }
  lines.push('');
  return lines;
}

/** The markdown section: a table of object, control, last applied and live. */
export function driftMarkdownLines(plan: Plan, escape: (s: string) => string): string[] {
  const drift = plan.drift ?? [];
  if (drift.length === 0) return [];
  const lines = [`#### ${DRIFT_HEADING}`, '', 'Someone changed these in the billing system; applying this plan reverts them to the policies.', '', '| object | control | last applied | live now |', '|---|---|---|---|'];
  for (const entry of drift) {
    for (const v of values(entry)) lines.push(`| ${escape(describeRef(entry.ref))} | \`${v.path}\` | ${escape(v.applied)} | **${escape(v.live)}** |`);
  }
  lines.push('');
  return lines;
}

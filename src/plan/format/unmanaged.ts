// The plan's "not managed by tollgate" list: entries the billing system holds that tollgate does not model, shown
// so that a reviewer knows they exist and that applying keeps them.
import { describeRef, type UnmanagedEntry } from '../objects.js';
import type { Plan } from '../plan.js';
import { formatCount } from '../../util/money.js';

/** Most objects listed in text and markdown; the JSON plan has them all. */
const MOST_OBJECTS = 50;

const HEADING = 'Not managed by tollgate (kept as they are on every write):';

/** "usage_alerts api_calls: {…}" — the entry in the billing system's own words. */
export function entryLine(e: UnmanagedEntry): string {
  return `${e.key}${e.feature === undefined ? '' : ` ${e.feature}`}: ${JSON.stringify(e.entry)}`;
}

function rest(plan: Plan): string | undefined {
  const more = (plan.unmanaged?.length ?? 0) - MOST_OBJECTS;
  return more > 0 ? `… and ${formatCount(more)} more object${more === 1 ? '' : 's'} (all of them in the JSON plan)` : undefined;
}

/** The list for a terminal, a blank line after it; no lines when there is nothing to list. */
export function unmanagedTextLines(plan: Plan, bold: (s: string) => string = (s) => s): string[] {
  if (!plan.unmanaged) return [];
  const lines = [bold(HEADING)];
  for (const o of plan.unmanaged.slice(0, MOST_OBJECTS)) {
    lines.push(`  ${describeRef(o.ref)}`);
    for (const e of o.entries) lines.push(`      ${entryLine(e)}`);
  }
  const more = rest(plan);
  if (more) lines.push(`  ${more}`);
  return [...lines, ''];
}

/** The list as a collapsed markdown section; no lines when there is nothing to list. */
export function unmanagedMarkdownLines(plan: Plan): string[] {
  if (!plan.unmanaged) return [];
  const entries = plan.unmanaged.reduce((n, o) => n + o.entries.length, 0);
  const lines = [`<details><summary>${HEADING.slice(0, -1)}: ${formatCount(entries)} entr${entries === 1 ? 'y' : 'ies'}</summary>`, '', '```'];
  for (const o of plan.unmanaged.slice(0, MOST_OBJECTS)) {
    lines.push(describeRef(o.ref));
    for (const e of o.entries) lines.push(`    ${entryLine(e).replace(/```/g, "'''")}`);
  }
  const more = rest(plan);
  if (more) lines.push(more);
  return [...lines, '```', '', '</details>', ''];
}

import { driftMarkdownLines } from './drift.js';
import { createPatch } from 'diff';
import { formatCount, formatMoney } from '../../util/money.js';
import { customerOf, describeRef } from '../objects.js';
import type { CustomerEffect, ObjectPlan, Plan } from '../plan.js';
import { byExposureChange, exposureDelta, exposureTotals } from './exposure.js';
import { fanOuts, listSome } from './fan-out.js';
import { formatValue } from './values.js';
import type { PlanFormatContext } from './context.js';
import { unmanagedMarkdownLines } from './unmanaged.js';
import { guardrailMarkdownLines } from './guardrails.js';
import { exposureChange, plural, summaryLine } from './text.js';
import { IMPACT_ROWS, movedRows, rowMark, rowSubject, stateText, usageSourceText } from './impact.js';
import type { PlanImpact } from '../../impact/plan-impact.js';

/** GitHub refuses comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept for the closing note when the comment is cut. */
const RESERVE = 1_500;
/** First line of every markdown plan: CI finds tollgate's own pull-request comment by it, never another workflow's. */
export const PLAN_COMMENT_MARKER = '<!-- tollgate-plan -->';
/** Most customers listed in the exposure table; the totals cover all of them. */
const EXPOSURE_ROWS = 100;

/**
 * The plan as a pull-request comment: where it was planned, the summary, the exposure table, the blast radius, one
 * collapsible section per customer (what is written, where the policies set it, and the effective diff), and what
 * merging does.
 */
export function formatPlanMarkdown(plan: Plan, ctx: PlanFormatContext, limit = GITHUB_COMMENT_LIMIT): string {
  const endpoint = plan.target.endpoint ? ` at \`${plan.target.endpoint}\`` : '';
  const commit = ctx.commit ? `, commit ${escapeMd(ctx.commit)}` : '';
  const head: string[] = [PLAN_COMMENT_MARKER, '### tollgate plan', '', `Target \`${plan.target.name}\`${endpoint}${commit}.`, '', `**${escapeMd(summaryLine(plan))}**`, ''];
  for (const note of ctx.notes) head.push(`> [!WARNING]`, `> ${escapeMd(note)}`, '');
  head.push(...driftMarkdownLines(plan, escapeMd));
  head.push(...unmanagedMarkdownLines(plan));
  head.push(...guardrailMarkdownLines(plan, escapeMd));
  const footer = mergeFooter(plan, ctx);
  if (plan.objects.length === 0) return [...head, footer].join('\n');

  if (plan.impact) head.push(...impactTable(plan.impact));
  head.push(...exposureTable(plan.effect.customers));
  const radius = fanOuts(plan);
  if (radius.length > 0) {
    head.push('#### Shared policy changes', '');
    for (const f of radius) {
      head.push(`- **${escapeMd(f.source)}** reaches ${plural(f.customers.length, 'customer')} and ${plural(f.entities, 'entity', 'entities')}: ${listSome(f.customers.map((c) => `\`${c}\``), 30)}`);
    }
    head.push('');
  }
  for (const o of plan.objects.filter((x) => x.ref.kind === 'plan')) {
    head.push(`<details><summary>${escapeHtml(describeRef(o.ref))}: ${plural(o.changes.length, 'change')}</summary>`, '', '```diff', ...objectLines(o, o.currency ?? null), '```', '', '</details>', '');
  }

  let out = head.join('\n') + '\n';
  const effects = plan.effect.customers.filter((e) => e.customerChanged || e.entities.length > 0);
  const objectsOf = new Map<string, ObjectPlan[]>();
  for (const o of plan.objects) {
    const id = customerOf(o.ref);
    if (id === undefined) continue;
    const list = objectsOf.get(id) ?? [];
    list.push(o);
    objectsOf.set(id, list);
  }
  let shown = 0;
  for (const e of effects) {
    const section = customerSection(e, objectsOf.get(e.id) ?? []);
    if (out.length + section.length + footer.length > limit - RESERVE) break;
    out += section;
    shown++;
  }
  if (shown < effects.length) {
    const rest = effects.slice(shown).map((e) => e.id);
    out += [
      '',
      `**${formatCount(rest.length)} more customer${rest.length === 1 ? '' : 's'} not shown** (GitHub comments are limited to ${formatCount(GITHUB_COMMENT_LIMIT)} characters): ${listSome(rest.map((id) => `\`${id}\``), 20)}.`,
      '',
      'See the whole plan with `tollgate plan --format text`, or save it with `tollgate plan -o plan.json` and keep it as a build artifact.',
      '',
    ].join('\n');
  }
  return out + footer;
}

/** What merging the pull request does with this plan. */
function mergeFooter(plan: Plan, ctx: PlanFormatContext): string {
  const where = `target \`${plan.target.name}\`${plan.target.endpoint ? ` (\`${plan.target.endpoint}\`)` : ''}`;
  if (plan.objects.length === 0) return ['', '---', '', `**On merge:** nothing changes on ${where}; the billing system already matches the policies.`, ''].join('\n');
  const s = plan.summary;
  const counts = `${formatCount(s.add)} added, ${formatCount(s.change)} changed, ${formatCount(s.remove)} removed`;
  const how = ctx.savedAs
    ? `\`tollgate apply ${ctx.savedAs} --yes\` writes exactly this plan to ${where}: ${plural(plan.objects.length, 'object')} (${counts}). It is refused, changing nothing, if the policies or any of these objects change before then; re-plan and review again.`
    : `\`tollgate apply --yes\` re-plans and writes the changes to ${where}: ${plural(plan.objects.length, 'object')} (${counts}) as of this plan. Save the plan with \`-o plan.json\` to apply exactly what was reviewed.`;
  return ['', '---', '', `**On merge:** ${how}`, ''].join('\n');
}

/** The changed features whose state moves at current usage: blocked now first, then newly charged, then the rest. */
function impactTable(impact: PlanImpact): string[] {
  const rows = movedRows(impact);
  const lines = ['#### Impact at current usage', '', `Each changed feature at its current usage (${escapeMd(usageSourceText(impact))}), blocked now first.`, ''];
  if (rows.length === 0) return [...lines, 'No change blocks, unblocks or bills anyone differently at the usage they have now.', ''];
  lines.push('| | customer / entity | feature | usage | now | after apply |', '|---|---|---|---:|---|---|');
  for (const r of rows.slice(0, IMPACT_ROWS)) {
    const mark = r.blockedNow ? '⛔ **blocked now**' : escapeMd(rowMark(r));
    lines.push(`| ${mark} | \`${rowSubject(r)}\` | \`${r.feature}\` | ${formatCount(r.usage)} | ${escapeMd(stateText(r.before, r.currency))} | ${escapeMd(stateText(r.after, r.currency))} |`);
  }
  if (rows.length > IMPACT_ROWS) lines.push(`| … ${formatCount(rows.length - IMPACT_ROWS)} more | | | | | |`);
  lines.push('');
  return lines;
}

/** Customers whose exposure moves, largest increase first, with a total per currency. */
function exposureTable(effects: readonly CustomerEffect[]): string[] {
  const moved = byExposureChange(effects);
  if (moved.length === 0) return [];
  const lines = [
    '#### Money exposure',
    '',
    'Most overage a customer can be billed per period (customer and its entities), largest increase first.',
    '',
    '| customer | before | after | change |',
    '|---|---:|---:|---:|',
  ];
  for (const e of moved.slice(0, EXPOSURE_ROWS)) {
    lines.push(`| \`${e.id}\` | ${formatMoney(e.exposureBefore, e.currency)} | ${afterCell(e.exposureBefore, e.exposureAfter, e.currency)} | ${changeCell(e.exposureBefore, e.exposureAfter, e.currency)} |`);
  }
  if (moved.length > EXPOSURE_ROWS) lines.push(`| … ${formatCount(moved.length - EXPOSURE_ROWS)} more | | | |`);
  for (const t of exposureTotals(moved)) {
    const label = `**total${t.currency ? ` ${t.currency}` : ''}** (${plural(t.customers, 'customer')})`;
    lines.push(`| ${label} | ${formatMoney(t.before, t.currency)} | ${afterCell(t.before, t.after, t.currency)} | ${changeCell(t.before, t.after, t.currency)} |`);
  }
  lines.push('');
  return lines;
}

/** An after value that loses its cap stands out: a reviewer must not miss "unbounded". */
function afterCell(before: number | null, after: number | null, currency: string | null): string {
  return after === null && before !== null ? '**unbounded** ⚠️' : formatMoney(after, currency);
}

function changeCell(before: number | null, after: number | null, currency: string | null): string {
  const delta = exposureDelta(before, after);
  if (delta === Infinity) return '**no longer capped**';
  if (delta === -Infinity) return 'now capped';
  if (delta === 0) return '—';
  return `${delta > 0 ? '+' : '−'}${formatMoney(Math.abs(delta), currency)}`;
}

/** An object's changes as diff lines, each new value with the file and line that set it. */
function objectLines(o: ObjectPlan, currency: string | null): string[] {
  const lines: string[] = [];
  for (const c of o.changes) {
    const where = c.location ? `  (${c.location.file}:${c.location.line})` : '';
    if (c.action !== 'create') lines.push(`-   ${c.path}: ${formatValue(c.control, c.before, currency)}`);
    if (c.action !== 'delete') lines.push(`+   ${c.path}: ${formatValue(c.control, c.after, currency)}${where}`);
  }
  return lines;
}

function customerSection(e: CustomerEffect, objects: readonly ObjectPlan[]): string {
  const parts = [
    e.exposureBefore !== e.exposureAfter ? `exposure ${exposureChange(e)}${e.exposureAfter === null ? ' ⚠️' : ''}` : undefined,
    e.entities.length > 0 ? plural(e.entities.length, 'entity', 'entities') : undefined,
    objects.length > 0 ? plural(objects.length, 'object') + ' written' : 'through a shared policy',
  ].filter((p) => p !== undefined);
  const lines = [`<details><summary><code>${escapeHtml(e.id)}</code> — ${escapeHtml(parts.join(', '))}</summary>`, ''];
  if (objects.length > 0) {
    lines.push('Written to the billing system:', '', '```diff');
    for (const o of objects) {
      const head = o.action === 'create' ? '+ ' : o.action === 'delete' ? '- ' : '  ';
      lines.push(`${head}${describeRef(o.ref)}${o.action === 'delete' ? ' (all overrides removed)' : ''}`, ...objectLines(o, o.currency ?? e.currency));
    }
    lines.push('```', '');
  }
  const patch = createPatch(e.id, render(e, 'before'), render(e, 'after'), 'before', 'after', { context: 3 });
  const body = e.changesOmitted
    ? `# ${formatCount(e.changesOmitted)} changed values not listed: this plan is very large. See them with: tollgate explain ${e.id}`
    : patch.split('\n').slice(4).filter((l) => !l.startsWith('\\ No newline')).join('\n').replace(/```/g, "'''");
  lines.push('Effective policy, before and after:', '', '```diff', body.trimEnd(), '```', '', '</details>', '');
  return lines.join('\n');
}

/**
 * One side of a customer's effective changes, a line per value ("api_calls.hardLimit: 6,000") under a header for
 * the customer and for each entity: every line names its field, so the diff pairs old and new values exactly.
 */
function render(e: CustomerEffect, side: 'before' | 'after'): string {
  const lines: string[] = [];
  let group: string | undefined = '';
  for (const c of e.changes) {
    const header = c.entity === undefined ? `customer ${e.id}:` : `entity ${c.entity}:`;
    if (header !== group) lines.push(header);
    group = header;
    const name = c.feature === undefined ? c.field : `${c.feature}.${c.field}`;
    lines.push(`  ${name}: ${showValue(c.field, c[side], e.currency)}`);
  }
  return lines.join('\n') + '\n';
}

function showValue(field: string, value: unknown, currency: string | null): string {
  if (field === 'maxOverageCharge') return typeof value === 'number' ? formatMoney(value, currency) : 'unbounded';
  if (field === 'hardLimit' && value === null) return 'none (unbounded)';
  if (field === 'overageLimit' && value !== null && typeof value === 'object') return formatValue('overageLimit', value, currency);
  if (field === 'usageAlerts' && Array.isArray(value)) {
    const alerts = value as Array<{ type: string; threshold: number; units: number; name?: string; enabled: boolean }>;
    if (alerts.length === 0) return '[]';
    return alerts.map((a) => `${a.type === 'usage_percentage' ? `${a.threshold}% (${formatCount(a.units)} units)` : `${formatCount(a.threshold)} units`}${a.name ? ` "${a.name}"` : ''}${a.enabled ? '' : ' disabled'}`).join(', ');
  }
  if (field === 'usageLimits' && Array.isArray(value)) return value.length === 0 ? '[]' : formatValue('usageLimits', value, currency).slice(1, -1);
  if (field === 'autoTopup' && value !== null && typeof value === 'object') return formatValue('autoTopup', value, currency);
  if (typeof value === 'number') return formatCount(value);
  return value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text as markdown shows it literally: table pipes, emphasis and code marks, brackets and HTML escaped. */
export function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

import { createPatch } from 'diff';
import { formatMoney } from '../../util/money.js';
import { customerOf, describeRef } from '../objects.js';
import type { CustomerEffect, Plan } from '../plan.js';
import { fanOuts, listSome } from './fan-out.js';
import { formatValue } from './values.js';
import type { PlanFormatContext } from './index.js';
import { exposureChange, plural, summaryLine } from './text.js';

/** GitHub refuses comments longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept for the closing note when the comment is cut. */
const RESERVE = 1_500;

/** The plan as a pull-request comment: summary, exposure table, blast radius, then one collapsible diff per customer. */
export function formatPlanMarkdown(plan: Plan, ctx: PlanFormatContext, limit = GITHUB_COMMENT_LIMIT): string {
  const head: string[] = [`### tollgate plan — target \`${plan.target.name}\``, '', `**${escapeMd(summaryLine(plan))}**`, ''];
  for (const note of ctx.notes) head.push(`> [!WARNING]`, `> ${escapeMd(note)}`, '');
  if (plan.objects.length === 0) return head.join('\n');

  const moved = plan.effect.customers.filter((e) => e.exposureBefore !== e.exposureAfter);
  if (moved.length > 0) {
    head.push('#### Money exposure', '', 'Most overage a customer can be billed per period (customer and its entities).', '', '| customer | before | after |', '|---|---:|---:|');
    const shown = moved.slice(0, 100);
    for (const e of shown) head.push(`| \`${e.id}\` | ${formatMoney(e.exposureBefore, e.currency)} | ${formatMoney(e.exposureAfter, e.currency)} |`);
    if (moved.length > shown.length) head.push(`| … ${moved.length - shown.length} more | | |`);
    head.push('');
  }
  const radius = fanOuts(plan);
  if (radius.length > 0) {
    head.push('#### Shared policy changes', '');
    for (const f of radius) {
      head.push(`- **${escapeMd(f.source)}** reaches ${plural(f.customers.length, 'customer')} and ${plural(f.entities, 'entity', 'entities')}: ${listSome(f.customers.map((c) => `\`${c}\``), 30)}`);
    }
    head.push('');
  }
  const planObjects = plan.objects.filter((o) => o.ref.kind === 'plan');
  for (const o of planObjects) {
    head.push(`<details><summary>${escapeHtml(describeRef(o.ref))}: ${plural(o.changes.length, 'change')}</summary>`, '', '```diff');
    for (const c of o.changes) {
      if (c.action !== 'create') head.push(`- ${c.path}: ${JSON.stringify(c.before)}`);
      if (c.action !== 'delete') head.push(`+ ${c.path}: ${JSON.stringify(c.after)}`);
    }
    head.push('```', '', '</details>', '');
  }

  let out = head.join('\n') + '\n';
  const effects = plan.effect.customers.filter((e) => e.customerChanged || e.entities.length > 0);
  let shown = 0;
  const written = new Map<string, number>();
  for (const o of plan.objects) {
    const id = customerOf(o.ref);
    if (id !== undefined) written.set(id, (written.get(id) ?? 0) + 1);
  }
  for (const e of effects) {
    const section = customerSection(e, written.get(e.id) ?? 0);
    if (out.length + section.length > limit - RESERVE) break;
    out += section;
    shown++;
  }
  if (shown < effects.length) {
    const rest = effects.slice(shown).map((e) => e.id);
    out += [
      '',
      `**${rest.length} more customer${rest.length === 1 ? '' : 's'} not shown** (GitHub comments are limited to ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')} characters): ${listSome(rest.map((id) => `\`${id}\``), 20)}.`,
      '',
      'See the whole plan with `tollgate plan --format text`, or save it with `tollgate plan -o plan.json` and keep it as a build artifact.',
      '',
    ].join('\n');
  }
  return out;
}

function customerSection(e: CustomerEffect, written: number): string {
  const parts = [
    e.exposureBefore !== e.exposureAfter ? `exposure ${exposureChange(e)}` : undefined,
    e.entities.length > 0 ? plural(e.entities.length, 'entity', 'entities') : undefined,
    written > 0 ? plural(written, 'object') + ' written' : 'through a shared policy',
  ].filter((p) => p !== undefined);
  const patch = createPatch(e.id, render(e, 'before'), render(e, 'after'), 'before', 'after', { context: 3 });
  const body = e.changesOmitted
    ? `# ${e.changesOmitted} changed values not listed: this plan is very large. See them with: tollgate explain ${e.id}`
    : patch.split('\n').slice(4).filter((l) => !l.startsWith('\\ No newline')).join('\n').replace(/```/g, "'''");
  return [`<details><summary><code>${escapeHtml(e.id)}</code> — ${escapeHtml(parts.join(', '))}</summary>`, '', '```diff', body.trimEnd(), '```', '', '</details>', ''].join('\n');
}

/**
 * One side of a customer's effective changes, a line per value ("api_calls.hardLimit: 6000") under a header for
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
    return alerts.map((a) => `${a.type === 'usage_percentage' ? `${a.threshold}% (${a.units} units)` : `${a.threshold} units`}${a.name ? ` "${a.name}"` : ''}${a.enabled ? '' : ' disabled'}`).join(', ');
  }
  return value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

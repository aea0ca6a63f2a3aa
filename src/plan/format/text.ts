import pc from 'picocolors';
import type { ChangeAction } from '../diff.js';
import { customerOf, describeRef } from '../objects.js';
import type { CustomerEffect, ObjectPlan, Plan } from '../plan.js';
import { formatCount, formatMoney } from '../../util/money.js';
import { formatValue } from './values.js';
import { fanOuts, listSome } from './fan-out.js';
import type { PlanFormatContext } from './context.js';
import { unmanagedTextLines } from './unmanaged.js';

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-' };

/** Terraform-style summary line of SPEC §6. */
export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.objects.length === 0) return 'No changes. The billing system matches the policies.';
  return `Plan: ${formatCount(s.add)} to add, ${formatCount(s.change)} to change, ${formatCount(s.remove)} to remove (${plural(s.customers, 'customer')}, ${plural(s.entities, 'entity', 'entities')} affected).`;
}

/** Exposure moving from before to after, e.g. "$500.00 → $5,000.00". */
export function exposureChange(e: CustomerEffect): string {
  return `${formatMoney(e.exposureBefore, e.currency)} → ${formatMoney(e.exposureAfter, e.currency)}`;
}

/** The plan for a terminal: changes grouped by customer, plan changes with their fan-out, then the summary line. */
export function formatPlanText(plan: Plan, ctx: PlanFormatContext): string {
  const c = pc.createColors(ctx.color);
  const paint = (action: ChangeAction, s: string): string => (action === 'create' ? c.green(s) : action === 'delete' ? c.red(s) : c.yellow(s));
  const lines: string[] = [];
  if (plan.objects.length === 0) return [...unmanagedTextLines(plan, c.bold), summaryLine(plan)].join('\n') + '\n';
  lines.push(`tollgate will make these changes on target ${c.bold(plan.target.name)} (${plan.target.endpoint ?? ''}):`, '');
  const effects = new Map(plan.effect.customers.map((e) => [e.id, e]));

  const objectLines = (o: ObjectPlan, currency: string | null): void => {
    lines.push(`  ${paint(o.action, `${SYMBOL[o.action]} ${describeRef(o.ref)}`)}${o.action === 'delete' ? c.dim(' (all overrides removed)') : ''}`);
    for (const ch of o.changes) {
      const before = formatValue(ch.control, ch.before, currency);
      const after = formatValue(ch.control, ch.after, currency);
      const text = ch.action === 'create' ? `${ch.path}: ${after}` : ch.action === 'delete' ? `${ch.path}: ${before}` : `${ch.path}: ${before} → ${after}`;
      const where = ch.location ? c.dim(`  (${ch.location.file}:${ch.location.line})`) : '';
      lines.push(`      ${paint(ch.action, SYMBOL[ch.action])} ${text}${where}`);
    }
    if (o.marker) lines.push(c.dim(`      ~ managed marker: ${o.marker.before ?? '(none)'} → ${o.marker.after ?? '(none)'}`));
  };

  for (const note of ctx.notes) lines.push(c.yellow(`! ${note}`));
  if (ctx.notes.length > 0) lines.push('');

  const radius = fanOuts(plan);
  if (radius.length > 0) {
    lines.push(c.bold('Shared policy changes (blast radius):'));
    for (const f of radius) {
      lines.push(`  ${f.source} reaches ${plural(f.customers.length, 'customer')} and ${plural(f.entities, 'entity', 'entities')}: ${listSome(f.customers, 20)}`);
    }
    lines.push('');
  }
  for (const o of plan.objects.filter((x) => x.ref.kind === 'plan')) {
    lines.push(c.bold(describeRef(o.ref)));
    objectLines(o, o.currency ?? null);
    lines.push('');
  }

  const byCustomer = new Map<string, ObjectPlan[]>();
  for (const o of plan.objects) {
    const id = customerOf(o.ref);
    if (id === undefined) continue;
    let list = byCustomer.get(id);
    if (!list) byCustomer.set(id, (list = []));
    list.push(o);
  }
  for (const id of [...byCustomer.keys()].sort()) {
    const effect = effects.get(id);
    lines.push(c.bold(`customer ${id}`));
    for (const o of byCustomer.get(id)!) objectLines(o, o.currency ?? effect?.currency ?? null);
    if (effect && effect.exposureBefore !== effect.exposureAfter) lines.push(`  money exposure: ${exposureChange(effect)}`);
    lines.push('');
  }

  const moved = plan.effect.customers.filter((e) => e.exposureBefore !== e.exposureAfter);
  if (moved.length > 0) {
    lines.push(c.bold('Money exposure (maximum overage billed per period):'));
    for (const e of moved.slice(0, 50)) lines.push(`  ${e.id}: ${exposureChange(e)}`);
    if (moved.length > 50) lines.push(`  … and ${formatCount(moved.length - 50)} more customers`);
    lines.push('');
  }
  lines.push(...unmanagedTextLines(plan, c.bold));
  lines.push(c.bold(summaryLine(plan)));
  return lines.join('\n') + '\n';
}

/** "1 customer", "3 customers", "1,200 customers". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

import pc from 'picocolors';
import type { ChangeAction } from '../diff.js';
import { describeRef } from '../objects.js';
import type { CustomerEffect, ObjectPlan, Plan } from '../plan.js';
import { formatMoney } from '../../util/money.js';
import { formatValue } from './values.js';
import type { PlanFormatContext } from './index.js';

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-' };

/** Terraform-style summary line of SPEC §6. */
export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.objects.length === 0) return 'No changes. The billing system matches the policies.';
  return `Plan: ${s.add} to add, ${s.change} to change, ${s.remove} to remove (${s.customers} customer${s.customers === 1 ? '' : 's'}, ${s.entities} entit${s.entities === 1 ? 'y' : 'ies'} affected).`;
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
  if (plan.objects.length === 0) return summaryLine(plan) + '\n';
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
  };

  const plans = plan.objects.filter((o) => o.ref.kind === 'plan');
  for (const o of plans) {
    const reached = plan.effect.customers.filter((e) => e.causes.includes(o.key));
    const entities = reached.reduce((n, e) => n + e.entities.length, 0);
    lines.push(`${c.bold(describeRef(o.ref))} — reaches ${reached.length} customer${reached.length === 1 ? '' : 's'} and ${entities} entit${entities === 1 ? 'y' : 'ies'}${reached.length > 0 ? `: ${listSome(reached.map((e) => e.id), 20)}` : ''}`);
    objectLines(o, o.currency ?? null);
    lines.push('');
  }

  const byCustomer = new Map<string, ObjectPlan[]>();
  for (const o of plan.objects) {
    if (o.ref.kind === 'plan') continue;
    const id = o.ref.kind === 'entity' ? o.ref.customer : o.ref.id;
    byCustomer.set(id, [...(byCustomer.get(id) ?? []), o]);
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
    if (moved.length > 50) lines.push(`  … and ${moved.length - 50} more customers`);
    lines.push('');
  }
  lines.push(c.bold(summaryLine(plan)));
  return lines.join('\n') + '\n';
}

function listSome(ids: string[], max: number): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;
}

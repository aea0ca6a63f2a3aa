import pc from 'picocolors';
import { didYouMean } from '../../diagnostics/suggest.js';
import type { EffectiveFeature, Overridden, Source } from '../../resolve/effective.js';
import { isActive, type ExceptionDef, type PolicySet } from '../../model/policy-set.js';
import { describeInstant, formatInstant } from '../../model/instant.js';
import { formatCount, formatMoney } from '../../util/money.js';
import { UsageError, UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { formatValue } from '../../plan/format/values.js';
import { formatUsageLimit, formatUsageLimits, usageLimitSetting } from '../../model/usage-limits.js';
import type { UsageLimit } from '../../types/policy.generated.js';
import { profilesOffPlan } from '../../resolve/resolve.js';
import type { ResolveTime } from '../time.js';

/** `tollgate explain customer[/entity] [feature]`: each effective value, where it came from, what it overrode. */
export function explainCommand(options: { dir: string; subject: string; feature?: string; time?: ResolveTime }, io: CliIO): number {
  const [customerId, entityId, ...rest] = options.subject.split('/');
  if (!customerId || rest.length > 0) throw new UsageError('explain takes <customer> or <customer>/<entity>, e.g. tollgate explain cust_123/workspace_a api_calls');
  const analysis = loadValid(options.dir, io, { ...options.time, guardrailsLater: true });
  const customer = analysis.customers.get(customerId);
  if (!customer) throw new UserError(`No customer "${customerId}" in ${options.dir}.${didYouMean(customerId, analysis.customers.keys())}`);
  let features = customer.features;
  let name = customer.name;
  if (entityId !== undefined) {
    const entity = customer.entities[entityId];
    if (!entity) throw new UserError(`Customer "${customerId}" has no entity "${entityId}".${didYouMean(entityId, Object.keys(customer.entities))}`);
    features = entity.features;
    name = entity.name === undefined ? customer.name && `of ${customer.name}` : `${entity.name}${customer.name ? ` of ${customer.name}` : ''}`;
  }
  if (options.feature !== undefined && !features[options.feature]) {
    const profiles = profilesOffPlan(analysis.set, analysis.set.customers.get(customerId)!, options.feature);
    const ignored = profiles.length === 0 ? '' : ` ${profiles.map((p) => `Profile "${p}"`).join(' and ')} ${profiles.length === 1 ? 'sets' : 'set'} "${options.feature}", but a profile's controls for a feature the plan lacks do not apply.`;
    throw new UserError(`Plan "${customer.plan}" of ${customerId} has no controllable feature "${options.feature}".${ignored}${didYouMean(options.feature, Object.keys(features))}`);
  }
  const c = pc.createColors(io.color);
  const lines: string[] = [];
  const currency = customer.currency;
  lines.push(c.bold(`${options.subject}${name ? ` (${name})` : ''} — plan ${customer.plan}, ${currency}`));
  lines.push(...exceptionLines(analysis.set, customerId, entityId, c));
  if (entityId === undefined) {
    const limit = (value: unknown): string => formatValue('overageLimit', value, currency);
    lines.push(row('overage limit', limit(customer.overageLimit), customer.sources.overageLimit, c, limit));
    lines.push(`  ${'max exposure'.padEnd(18)}${formatMoney(customer.maxOverageExposure, currency)}  ${c.dim('(most overage money billed per period, customer and entities)')}`);
  }
  for (const id of Object.keys(features).sort()) {
    if (options.feature !== undefined && id !== options.feature) continue;
    lines.push('', ...featureLines(id, features[id]!, currency, c));
  }
  io.out(lines.join('\n') + '\n');
  return 0;
}

type Colors = ReturnType<typeof pc.createColors>;

/** How a layer is named: "profile enterprise", "exception black-friday of the customer, until 2026-12-01". */
function layerName(s: Source | Overridden): string {
  if (s.layer === 'profile') return `profile ${s.profile}`;
  if (s.layer === 'exception') return `exception ${s.exception} of the ${s.on}, until ${s.until === undefined ? '?' : describeInstant(Date.parse(s.until))}`;
  return s.layer === 'default' ? 'plan item default' : s.layer;
}

function where(s: Source): string {
  const layer = layerName(s);
  return s.file ? `${layer} at ${s.file}:${s.line}` : layer;
}

/** One line per exception of the subject (its customer's too, for an entity): active or not at the instant resolved for. */
function exceptionLines(set: PolicySet, customerId: string, entityId: string | undefined, c: Colors): string[] {
  const customer = set.customers.get(customerId)!;
  const blocks: Array<[string, readonly ExceptionDef[]]> = [['customer', customer.exceptions]];
  const entity = entityId === undefined ? undefined : customer.entities.get(entityId);
  if (entity) blocks.unshift(['entity', entity.exceptions]);
  const lines: string[] = [];
  for (const [on, list] of blocks) {
    for (const e of list) {
      const state = isActive(e, set.asOf) ? 'active' : e.until !== undefined && e.until <= set.asOf ? 'ended' : 'not started';
      const window = `${e.from === undefined ? '' : `from ${describeInstant(e.from)} `}until ${e.until === undefined ? '?' : describeInstant(e.until)}`;
      lines.push(`  ${'exception'.padEnd(18)}${`${e.id} (${on})`.padEnd(26)} ${c.dim(`${state}, ${window}: ${e.reason}`)}`);
    }
  }
  if (lines.length > 0) lines.unshift(`  ${'as of'.padEnd(18)}${formatInstant(set.asOf)}`);
  return lines;
}

/** An overridden value as written in the policies; counts with thousands separators, as everywhere else. */
function overriddenValue(value: unknown): string {
  return typeof value === 'number' ? formatCount(value) : JSON.stringify(value);
}

function row(label: string, value: string, source: Source, c: Colors, show: (value: unknown) => string = overriddenValue): string {
  const out = [`  ${label.padEnd(18)}${value.padEnd(26)} ${c.dim('← ' + where(source))}`];
  for (const o of source.overridden) {
    const layer = o.layer === 'default' ? 'default' : layerName(o);
    out.push(`  ${''.padEnd(18)}${c.dim(`overrides ${layer}: ${show(o.value)}${o.file ? ` (${o.file}:${o.line})` : ''}`)}`);
  }
  return out.join('\n');
}

function featureLines(id: string, f: EffectiveFeature, currency: string, c: Colors): string[] {
  const period = f.reset === null ? '' : f.reset === 'never' ? ', never reset' : ` per ${f.reset}`;
  const lines = [c.bold(`${id}`) + c.dim(` (${f.type}, ${formatCount(f.included)} included${period}, pricing ${f.pricing})`)];
  lines.push(row('overage', f.overage, f.sources.overage, c));
  lines.push(row('maxOverageUnits', f.maxOverageUnits === null ? 'none' : typeof f.maxOverageUnits === 'number' ? formatCount(f.maxOverageUnits) : f.maxOverageUnits, f.sources.maxOverageUnits, c));
  lines.push(`  ${'hard limit'.padEnd(18)}${hardLimitText(f)}`);
  const charged = f.maxOverageCharge === null ? 'yes, without a cap on the amount' : `yes, at most ${formatMoney(f.maxOverageCharge, currency)} per period`;
  lines.push(`  ${'overage charged'.padEnd(18)}${f.charged ? charged : f.overage === 'allow' ? 'no: overage is tracked, not billed (no usage price)' : 'no'}`);
  lines.push(row('usageAlerts', f.usageAlerts.length === 0 ? 'none' : `${f.usageAlerts.length} alert${f.usageAlerts.length === 1 ? '' : 's'}`, f.sources.usageAlerts, c));
  for (const a of f.usageAlerts) {
    lines.push(`  ${''.padEnd(18)}• ${a.type === 'usage_percentage' ? `${a.threshold}% (${formatCount(a.units)} units)` : `${formatCount(a.threshold)} units`}${a.name ? ` "${a.name}"` : ''}${a.enabled ? '' : ' — disabled'}`);
  }
  lines.push(row('usageLimits', f.usageLimits.length === 0 ? 'none' : `${f.usageLimits.length} limit${f.usageLimits.length === 1 ? '' : 's'}`, f.sources.usageLimits, c, (v) => formatUsageLimits((v as UsageLimit[]).map(usageLimitSetting))));
  for (const l of f.usageLimits) lines.push(`  ${''.padEnd(18)}• ${formatUsageLimit(l)}`);
  lines.push(row('autoTopup', f.autoTopup ? formatValue('autoTopup', f.autoTopup, currency) : 'none', f.sources.autoTopup, c));
  return lines;
}

/** Why usage stops where it does, in words. */
function hardLimitText(f: EffectiveFeature): string {
  if (f.overage === 'block') return `${formatCount(f.included)} units: overage is blocked, usage stops at the included amount`;
  if (f.hardLimit === null) return 'none: overage is allowed without a cap';
  return `${formatCount(f.hardLimit)} units: ${formatCount(f.included)} included + ${formatCount(f.maxOverageUnits as number)} overage`;
}

import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { toPointer } from '../load/positions.js';
import { at, type CustomerDef, type GuardrailDef, type PlanDef, type PolicySet, type WaiverDef } from '../model/policy-set.js';
import type { ResolvedFeature, Winner } from '../resolve/precedence.js';
import type { EffectiveFeature } from '../resolve/effective.js';
import { profileChain, type ResolvedCustomer } from '../resolve/resolve.js';
import type { FeatureRequirements } from '../types/policy.generated.js';
import { formatCount, formatMoney } from '../util/money.js';
import { FAILURES_LISTED, type GuardrailFailure, type GuardrailReport, type GuardrailResult } from './report.js';
import { WaiverIndex } from './waivers.js';

type Bound = { max?: number; min?: number; currency?: string };

/** One guardrail, prepared once for a fleet: who it applies to, and its requirements by feature. */
interface Prepared {
  def: GuardrailDef;
  everyone: boolean;
  plans: ReadonlySet<string>;
  profiles: ReadonlySet<string>;
  customers: ReadonlySet<string>;
  features: Array<{ key: string; checks: FeatureCheck[] }>;
  result: GuardrailResult;
}

type Field = 'overage' | 'maxOverageUnits' | 'hardLimit' | 'maxOverageCharge' | 'usageAlerts' | 'usageLimits' | 'autoTopup';

/** One requirement on one feature field, compiled once: `test` returns what is wrong, or undefined (allocating nothing when it holds). */
interface FeatureCheck {
  field: Field;
  rule: string;
  test: (e: EffectiveFeature, currency: string) => string | undefined;
}

/** A failing value: what it is, what the rule wanted, and where the value was set. */
export interface Breach {
  customer: string;
  entity?: string;
  feature?: string;
  field: string;
  /** "maxOverageUnits is 200,000, over the max of 100,000". */
  what: string;
  /** The place that set the offending value. */
  where: () => Location;
  /** The rule inside the guardrail. */
  rule: string;
}

/**
 * Evaluates guardrails on effective values (SPEC §12), one resolved customer at a time, so a fleet never sits in
 * memory: `checkCustomer` returns the diagnostics of failures no waiver covers; `report` the outcome of each
 * guardrail; `unusedWaivers` what waivers covered nothing. Plan-time rules (`changes`) go through `breach` too.
 */
export class GuardrailEvaluator {
  private readonly prepared: Prepared[];
  private readonly waivers: WaiverIndex;
  private readonly failures: GuardrailFailure[] = [];
  private omitted = 0;
  private readonly byProfile: boolean;

  constructor(private readonly set: PolicySet) {
    this.waivers = new WaiverIndex(set);
    this.prepared = [...set.guardrails.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((def) => ({
        def,
        everyone: def.applies === undefined || Object.values(def.applies).every((l) => l === undefined),
        plans: new Set(def.applies?.plans ?? []),
        profiles: new Set(def.applies?.profiles ?? []),
        customers: new Set(def.applies?.customers ?? []),
        features: Object.entries(def.require.features ?? {}).map(([key, req]) => ({ key, checks: compileChecks(req, toPointer(['require', 'features', key])) })),
        result: { id: def.id, level: def.level, status: 'passed', failed: 0, waived: 0 },
      }));
    this.byProfile = this.prepared.some((p) => p.profiles.size > 0);
  }

  /** The guardrails that apply to a customer: all of them, or those naming its plan, a profile it extends (at any depth), or it. */
  applicable(customer: CustomerDef): GuardrailDef[] {
    return this.applying(customer).map((p) => p.def);
  }

  /** The guardrails that apply to a customer id; one the policies no longer define gets only those that apply to everyone or name it. */
  applicableTo(customerId: string): GuardrailDef[] {
    const customer = this.set.customers.get(customerId);
    if (customer) return this.applicable(customer);
    return this.prepared.filter((p) => p.everyone || p.customers.has(customerId)).map((p) => p.def);
  }

  private applying(customer: CustomerDef): Prepared[] {
    let profiles: Set<string> | undefined;
    return this.prepared.filter((p) => {
      if (p.everyone || p.plans.has(customer.plan) || p.customers.has(customer.id)) return true;
      if (!this.byProfile || p.profiles.size === 0) return false;
      profiles ??= new Set(profileChain(this.set, customer.extends).map((x) => x.id));
      for (const id of p.profiles) if (profiles.has(id)) return true;
      return false;
    });
  }

  /** Checks one resolved customer and its entities against every guardrail that applies to it. */
  checkCustomer(customerId: string, resolved: ResolvedCustomer): Diagnostic[] {
    const customer = this.set.customers.get(customerId)!;
    const plan = this.set.plans.get(customer.plan)!;
    const out: Diagnostic[] = [];
    for (const p of this.applying(customer)) {
      const breaches: Breach[] = [];
      const exposure = p.def.require.maxOverageExposure;
      if (exposure && applies(exposure, plan.currency)) {
        const value = resolved.effective.maxOverageExposure;
        const broken = violated(value, exposure);
        if (broken) {
          breaches.push({
            customer: customerId,
            field: 'maxOverageExposure',
            what: `maxOverageExposure is ${formatMoney(value, plan.currency)}, ${broken === 'max' ? `over the max of ${formatMoney(exposure.max!, plan.currency)}` : `under the min of ${formatMoney(exposure.min!, plan.currency)}`}`,
            where: () => exposureLocation(customer, plan, resolved),
            rule: '/require/maxOverageExposure',
          });
        }
      }
      if (p.features.length > 0) {
        const subjects: Array<[string | undefined, Map<string, ResolvedFeature>]> = [[undefined, resolved.features], ...resolved.entities];
        for (const [entity, features] of subjects) {
          for (const [featureId, r] of features) {
            for (const { key, checks } of p.features) {
              if (key !== '*' && key !== featureId) continue;
              for (const check of checks) {
                const what = check.test(r.effective, plan.currency);
                if (what === undefined) continue;
                const b: Breach = { customer: customerId, feature: featureId, field: check.field, what, where: () => fieldLocation(plan, featureId, r, check.field), rule: check.rule };
                if (entity !== undefined) b.entity = entity;
                breaches.push(b);
              }
            }
          }
        }
      }
      for (const b of breaches) {
        const d = this.breach(p.def, b);
        if (d) out.push(d);
      }
    }
    return out;
  }

  /** Records one failure of `guardrail`: counted as waived when a waiver covers it, else returned as a diagnostic. */
  breach(guardrail: GuardrailDef, b: Breach): Diagnostic | undefined {
    const p = this.prepared.find((x) => x.def === guardrail)!;
    const waiver = guardrail.level === 'hard' ? undefined : this.waivers.cover(guardrail.id, b.customer, b.entity);
    const subject = b.entity === undefined ? `customer "${b.customer}"` : `entity "${b.customer}/${b.entity}"`;
    const place = b.where();
    const message = failureMessage(guardrail, subject, b, waiver);
    if (waiver) p.result.waived++;
    else p.result.failed++;
    p.result.status = p.result.failed > 0 ? 'failed' : 'waived';
    if (this.failures.length < FAILURES_LISTED) {
      const f: GuardrailFailure = { guardrail: guardrail.id, level: guardrail.level, customer: b.customer, field: b.field, message, file: place.file, line: place.line };
      if (b.entity !== undefined) f.entity = b.entity;
      if (b.feature !== undefined) f.feature = b.feature;
      if (waiver) f.waiver = waiver.id;
      this.failures.push(f);
    } else this.omitted++;
    if (waiver) return undefined;
    const code = guardrail.level === 'hard' ? 'guardrail-hard' : guardrail.level === 'soft' ? 'guardrail-soft' : 'guardrail-advisory';
    const rule = at(guardrail.origin, b.rule, 'key');
    return diagnostic(code, message, place, [{ ...rule, message: `guardrail "${guardrail.id}" (${guardrail.level}): ${guardrail.message}` }]);
  }

  /** The outcome of every guardrail so far, with the first failures. */
  report(): GuardrailReport {
    const report: GuardrailReport = { results: this.prepared.map((p) => ({ ...p.result })), failures: [...this.failures] };
    if (this.omitted > 0) report.failuresOmitted = this.omitted;
    return report;
  }

  /** A warning per waiver that is active and covered no failure. */
  unusedWaivers(): Diagnostic[] {
    return this.waivers.unused(this.set.guardrails).map((w: WaiverDef) =>
      diagnostic('waiver-unused', `Waiver "${w.id}" of guardrail "${w.guardrail}" covers nothing that fails: ${coverage(w)} pass${w.customers.length + w.entities.length === 1 ? 'es' : ''} it. Remove the waiver.`, at(w.origin, '/id')),
    );
  }
}

function coverage(w: WaiverDef): string {
  const names = [...w.customers.map((c) => `customer "${c}"`), ...w.entities.map((e) => `entity "${e}"`)];
  if (names.length === 0) return 'it names no customer or entity, and nothing';
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** A money bound checks only customers in its currency; one without a currency is reported and checks nothing. */
function applies(bound: Bound, currency: string): boolean {
  return bound.currency !== undefined && bound.currency === currency;
}

/** Which side of a bound a value breaks; null is unbounded: it fails a max and passes a min. */
export function violated(value: number | null, bound: Bound): 'max' | 'min' | undefined {
  if (bound.max !== undefined && (value === null || value > bound.max)) return 'max';
  if (bound.min !== undefined && value !== null && value < bound.min) return 'min';
  return undefined;
}

function unitText(value: number | null): string {
  return value === null ? 'unbounded' : formatCount(value);
}

/** A bound's failure in words ("over the max of 100"), or undefined when `value` meets it. */
function boundText(value: number | null, bound: Bound, show: (n: number | null) => string, field: string): string | undefined {
  const broken = violated(value, bound);
  if (!broken) return undefined;
  const limit = broken === 'max' ? `over the max of ${show(bound.max!)}` : `under the min of ${show(bound.min!)}`;
  return `${field} is ${show(value)}, ${limit}`;
}

/** The requirements of one feature entry as checks; money bounds without a currency check nothing (reported apart). */
function compileChecks(req: FeatureRequirements, base: string): FeatureCheck[] {
  const checks: FeatureCheck[] = [];
  if (req.overage !== undefined) {
    const want = req.overage;
    checks.push({ field: 'overage', rule: `${base}/overage`, test: (e) => (e.overage === want ? undefined : `overage is ${e.overage}, not ${want}`) });
  }
  // With overage blocked no unit beyond the included amount is used: the spend limit is 0 in effect.
  const units = (e: EffectiveFeature): number | null => (e.overage === 'block' ? 0 : typeof e.maxOverageUnits === 'number' ? e.maxOverageUnits : null);
  const unitBound = (field: 'maxOverageUnits' | 'hardLimit', bound: Bound | undefined, read: (e: EffectiveFeature) => number | null): void => {
    if (bound) checks.push({ field, rule: `${base}/${field}`, test: (e) => (violated(read(e), bound) ? boundText(read(e), bound, unitText, field) : undefined) });
  };
  unitBound('maxOverageUnits', req.maxOverageUnits, units);
  unitBound('hardLimit', req.hardLimit, (e) => e.hardLimit);
  const charge = req.maxOverageCharge;
  if (charge && charge.currency !== undefined) {
    checks.push({
      field: 'maxOverageCharge',
      rule: `${base}/maxOverageCharge`,
      test: (e, currency) => (currency === charge.currency && violated(e.maxOverageCharge, charge) ? boundText(e.maxOverageCharge, charge, (n) => formatMoney(n, currency), 'maxOverageCharge') : undefined),
    });
  }
  const presence = (field: 'usageAlerts' | 'usageLimits' | 'autoTopup', rule: { required?: true; forbidden?: true } | undefined, present: (e: EffectiveFeature) => boolean): void => {
    if (!rule) return;
    const one = field === 'autoTopup';
    checks.push({
      field,
      rule: `${base}/${field}`,
      test: (e) => {
        const has = present(e);
        if (rule.required && !has) return `${field} ${one ? 'is' : 'are'} required, but none ${one ? 'is' : 'are'} enabled`;
        if (rule.forbidden && has) return `${field} ${one ? 'is' : 'are'} forbidden, but ${one ? 'one is' : 'some are'} enabled`;
        return undefined;
      },
    });
  };
  presence('usageAlerts', req.usageAlerts, (e) => e.usageAlerts.some((a) => a.enabled));
  presence('usageLimits', req.usageLimits, (e) => e.usageLimits.some((l) => l.enabled !== false));
  presence('autoTopup', req.autoTopup, (e) => e.autoTopup !== null && e.autoTopup.enabled);
  return checks;
}

/** Where the value of a checked field was set: the derived ones (hard limit, charge) where what decides them was. */
function fieldLocation(plan: PlanDef, featureId: string, r: ResolvedFeature, field: Field): Location {
  const e = r.effective;
  const overageAt = () => valueAt(plan, featureId, r.winners.overage, 'pricing');
  const capAt = () => (e.overage === 'block' ? overageAt() : valueAt(plan, featureId, r.winners.maxOverageUnits, 'maxPurchase'));
  switch (field) {
    case 'overage':
      return overageAt();
    case 'maxOverageUnits':
    case 'hardLimit':
      return capAt();
    case 'maxOverageCharge':
      return e.charged ? capAt() : overageAt();
    default:
      return valueAt(plan, featureId, r.winners[field], '');
  }
}

/** Where a value was set: its winning layer, else the plan item (at `itemKey` when written there). */
function valueAt(plan: PlanDef, featureId: string, winner: Winner | undefined, itemKey: string): Location {
  if (winner?.layer.origin) return at(winner.layer.origin, winner.pointer);
  const item = plan.items.get(featureId) as Record<string, unknown> | undefined;
  const path = itemKey !== '' && item && itemKey in item ? ['features', featureId, itemKey] : ['features', featureId];
  return at(plan.origin, toPointer(path), itemKey === '' || !(item && itemKey in item) ? 'key' : 'value');
}

/**
 * Where a customer's exposure comes from: an unbounded one at the first feature (customer, then entities) that
 * leaves its charge unbounded; a bounded one at the blocking overage limit, else at the largest charge's cap.
 */
function exposureLocation(customer: CustomerDef, plan: PlanDef, resolved: ResolvedCustomer): Location {
  const all: Array<[string, ResolvedFeature]> = [...resolved.features, ...[...resolved.entities.values()].flatMap((m) => [...m])];
  const unbounded = all.find(([, r]) => r.effective.maxOverageCharge === null);
  const capOf = ([id, r]: [string, ResolvedFeature]) => valueAt(plan, id, r.effective.charged ? r.winners.maxOverageUnits : r.winners.overage, r.effective.charged ? 'maxPurchase' : 'pricing');
  if (unbounded) return capOf(unbounded);
  if (resolved.overageLimitWinner?.layer.origin) return at(resolved.overageLimitWinner.layer.origin, resolved.overageLimitWinner.pointer);
  const largest = all.reduce<[string, ResolvedFeature] | undefined>((best, f) => (best === undefined || (f[1].effective.maxOverageCharge ?? 0) > (best[1].effective.maxOverageCharge ?? 0) ? f : best), undefined);
  return largest ? capOf(largest) : at(customer.origin, '/id');
}

function failureMessage(g: GuardrailDef, subject: string, b: Breach, waiver: WaiverDef | undefined): string {
  const feature = b.feature === undefined ? '' : `, feature "${b.feature}"`;
  const head = `Guardrail "${g.id}" (${g.level}) fails for ${subject}${feature}: ${b.what}. ${g.message.trim()}`;
  const end = /[.!?]$/.test(head) ? '' : '.';
  if (waiver) return `${head}${end} Waived by "${waiver.id}" until ${waiver.expires === undefined ? '?' : new Date(waiver.expires).toISOString().slice(0, 10)}.`;
  if (g.level === 'hard') return `${head}${end} Change the value set here; no waiver lifts a hard guardrail.`;
  if (g.level === 'soft') return `${head}${end} Change the value set here, or add a reviewed Waiver of "${g.id}" for ${subject.startsWith('entity') ? subject : `customer "${b.customer}"`}.`;
  return `${head}${end} (advisory: a warning only)`;
}

import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { toPointer } from '../load/positions.js';
import { at, type CustomerDef, type GuardrailDef, type PlanDef, type PolicySet, type WaiverDef } from '../model/policy-set.js';
import type { ResolvedFeature, Winner } from '../resolve/precedence.js';
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
  features: Array<[string, FeatureRequirements]>;
  result: GuardrailResult;
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
        features: Object.entries(def.require.features ?? {}),
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
            for (const [key, req] of p.features) {
              if (key !== '*' && key !== featureId) continue;
              checkFeature(req, plan, featureId, r, toPointer(['require', 'features', key]), (b) => breaches.push({ ...b, customer: customerId, ...(entity === undefined ? {} : { entity }), feature: featureId }));
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

/** The checks of one feature's requirements against its effective values. */
function checkFeature(req: FeatureRequirements, plan: PlanDef, featureId: string, r: ResolvedFeature, base: string, breach: (b: Omit<Breach, 'customer'>) => void): void {
  const e = r.effective;
  const from = (winner: Winner | undefined, itemKey: string) => () => valueAt(plan, featureId, winner, itemKey);
  const overageAt = from(r.winners.overage, 'pricing');
  if (req.overage !== undefined && e.overage !== req.overage) {
    breach({ field: 'overage', what: `overage is ${e.overage}, not ${req.overage}`, where: overageAt, rule: `${base}/overage` });
  }
  const bounded = (field: 'maxOverageUnits' | 'hardLimit' | 'maxOverageCharge', value: number | null, bound: Bound | undefined, where: () => Location, money: boolean): void => {
    if (!bound || (money && !applies(bound, plan.currency))) return;
    const broken = violated(value, bound);
    if (!broken) return;
    const show = (n: number | null) => (money ? formatMoney(n, plan.currency) : unitText(n));
    const limit = broken === 'max' ? `over the max of ${show(bound.max!)}` : `under the min of ${show(bound.min!)}`;
    breach({ field, what: `${field} is ${show(value)}, ${limit}`, where, rule: `${base}/${field}` });
  };
  // With overage blocked no unit beyond the included amount is used: the spend limit is 0 in effect.
  const blocked = e.overage === 'block';
  const capAt = blocked ? overageAt : from(r.winners.maxOverageUnits, 'maxPurchase');
  const units = blocked ? 0 : typeof e.maxOverageUnits === 'number' ? e.maxOverageUnits : null;
  bounded('maxOverageUnits', units, req.maxOverageUnits, capAt, false);
  bounded('hardLimit', e.hardLimit, req.hardLimit, capAt, false);
  bounded('maxOverageCharge', e.maxOverageCharge, req.maxOverageCharge, e.charged ? capAt : overageAt, true);
  const presence = (field: 'usageAlerts' | 'usageLimits' | 'autoTopup', present: boolean, rule: { required?: true; forbidden?: true } | undefined): void => {
    if (!rule) return;
    const where = from(r.winners[field], '');
    if (rule.required && !present) breach({ field, what: `${field} ${field === 'autoTopup' ? 'is' : 'are'} required, but none ${field === 'autoTopup' ? 'is' : 'are'} enabled`, where, rule: `${base}/${field}` });
    if (rule.forbidden && present) breach({ field, what: `${field} ${field === 'autoTopup' ? 'is' : 'are'} forbidden, but ${field === 'autoTopup' ? 'one is' : 'some are'} enabled`, where, rule: `${base}/${field}` });
  };
  presence('usageAlerts', e.usageAlerts.some((a) => a.enabled), req.usageAlerts);
  presence('usageLimits', e.usageLimits.some((l) => l.enabled !== false), req.usageLimits);
  presence('autoTopup', e.autoTopup !== null && e.autoTopup.enabled, req.autoTopup);
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

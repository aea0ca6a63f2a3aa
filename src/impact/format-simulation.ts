// `tollgate simulate` for a terminal: per feature its ladder drawn top to bottom, with the given usage placed on it.
import pc from 'picocolors';
import { formatUsageLimit } from '../model/usage-limits.js';
import { formatCount, formatMoney } from '../util/money.js';
import type { BlockReason, FeatureState } from './evaluate.js';
import type { LadderStep } from './ladder.js';
import type { SimulatedFeature, Simulation } from './simulate.js';

type Colors = ReturnType<typeof pc.createColors>;

const BLOCKED: Record<BlockReason, string> = {
  included: 'balance used up and overage blocked',
  spend_limit: 'spend limit reached',
  max_purchase: "plan's maxPurchase reached",
  usage_limit: 'usage limit reached',
  overage_limit: "customer's overage limit reached",
};

/** The simulation as text: a header with the customer-wide money, then one ladder per feature. */
export function formatSimulationText(sim: Simulation, color: boolean): string {
  const c = pc.createColors(color);
  const money = (n: number | null): string => formatMoney(n, sim.currency);
  const subject = sim.entity === undefined ? sim.customer : `${sim.customer}/${sim.entity}`;
  const lines = [c.bold(`${subject}${sim.name ? ` (${sim.name})` : ''} — plan ${sim.plan}, ${sim.currency}${sim.at ? `, as of ${sim.at}` : ''}`)];
  const limit = sim.overageLimit === null ? 'none' : sim.overageLimit === 'unlimited' ? 'unlimited' : `${money(sim.overageLimit.maxOverageAmount)} then ${sim.overageLimit.onLimitReached}`;
  lines.push(`  overage limit ${limit} · max exposure ${money(sim.maxOverageExposure)} (customer and entities)`);
  const reached = sim.overageLimitState?.reached ? c.red(` — overage limit reached (${sim.overageLimitState.onLimitReached})`) : '';
  lines.push(`  overage billed at these usages: ${sim.overageCharge === null ? 'cannot be priced' : money(sim.overageCharge)}${reached}`);
  for (const [id, f] of Object.entries(sim.features)) lines.push('', ...featureLines(id, f, sim.currency, c));
  return lines.join('\n') + '\n';
}

function featureLines(id: string, f: SimulatedFeature, currency: string, c: Colors): string[] {
  const period = f.reset === null ? '' : f.reset === 'never' ? ', never reset' : ` per ${f.reset}`;
  const price = f.price && f.charged ? `, overage ${formatMoney(f.price.amount, currency)} per ${formatCount(f.price.per)}` : '';
  const lines = [c.bold(id) + c.dim(` (${f.type}, ${formatCount(f.included)} included${period}, overage ${f.overage}${f.charged ? ', charged' : f.overage === 'allow' ? ', tracked not charged' : ''}${price})`)];
  const width = Math.max(5, ...f.ladder.map((s) => formatCount(s.at).length), formatCount(f.state.usage).length);
  const rung = (at: number, mark: string, text: string): string => `  ${formatCount(at).padStart(width)}  ${mark} ${text}`;
  let placed = !f.given;
  const here = (): string => c.cyan(rung(f.state.usage, '▶', `usage now: ${stateText(f.state, currency)}`));
  for (const step of f.ladder) {
    // The given usage sits above the first rung that has not happened at it.
    if (!placed && !happened(step, f.state.usage)) {
      lines.push(here());
      placed = true;
    }
    lines.push(stepLine(step, currency, c, rung));
  }
  if (!placed) lines.push(here());
  if (f.ladder.every((s) => s.kind !== 'blocked' && !(s.kind === 'overage_limit' && s.onLimitReached === 'block'))) lines.push(c.dim(`  ${''.padStart(width)}  ∞ nothing stops usage${f.charged && f.maxOverageCharge === null ? ': overage is billed without a cap' : ''}`));
  return lines;
}

/** Whether a rung has happened at usage u: a top-up buys once the balance is below its threshold, the rest at their point. */
function happened(step: LadderStep, u: number): boolean {
  return step.kind === 'top_up' ? u > step.at : u >= step.at;
}

function stepLine(step: LadderStep, currency: string, c: Colors, rung: (at: number, mark: string, text: string) => string): string {
  const money = (n: number | null): string => (n === null ? 'price unknown' : formatMoney(n, currency));
  switch (step.kind) {
    case 'alert': {
      const a = step.alert;
      const what = a.type === 'usage_percentage' ? `${a.threshold}% of included` : `${formatCount(a.threshold)} units`;
      return rung(step.at, '△', `alert${a.name ? ` "${a.name}"` : ''} fires (${what})`);
    }
    case 'included_used':
      return rung(step.at, '●', `included ${formatCount(step.included)} used up`);
    case 'top_up': {
      const more = step.last === 'limit' ? c.dim(' — last one the purchase limit allows') : step.last === 'more' ? c.dim(' — and one every time the balance dips again, no purchase limit') : '';
      return rung(step.at, '+', `past this the balance drops below ${formatCount(step.threshold)}: auto top-up #${step.number} buys ${formatCount(step.quantity)} (${money(step.cost)})${more}`);
    }
    case 'usage_limit':
      return rung(step.at, step.blocks ? '■' : '◇', `usage limit ${formatUsageLimit(step.limit)}${step.blocks ? ' blocks here' : ' caps usage within one window (not judged from period usage)'}`);
    case 'overage_limit':
      return rung(step.at, step.onLimitReached === 'block' ? '■' : '△', `customer overage limit ${formatMoney(step.maxOverageAmount, currency)} reached (other features and entities bill ${formatMoney(step.othersCharge, currency)}): ${step.onLimitReached === 'block' ? 'overage blocked' : 'notified'}`);
    case 'blocked':
      return c.red(rung(step.at, '■', `blocked: ${BLOCKED[step.by]}${step.overageUnits > 0 ? ` after ${formatCount(step.overageUnits)} overage units (${money(step.overageCharge)})` : ''}`));
  }
}

/** A feature's state in one line: "allowed · 500 over ($1.00) · 2 alerts fired · 1 top-up ($10.00)". */
export function stateText(s: FeatureState, currency: string): string {
  const parts = [s.allowed ? 'allowed' : `blocked (${BLOCKED[s.blockedBy!]})`];
  if (s.overageUnits > 0) parts.push(`${formatCount(s.overageUnits)} over (${s.overageCharge === null ? 'price unknown' : formatMoney(s.overageCharge, currency)})`);
  if (s.alertsFired.length > 0) parts.push(`alerts fired: ${s.alertsFired.map((a) => a.name ?? (a.type === 'usage_percentage' ? `${a.threshold}%` : formatCount(a.threshold))).join(', ')}`);
  if (s.topUps && s.topUps.bought > 0) parts.push(`${s.topUps.bought} top-up${s.topUps.bought === 1 ? '' : 's'} bought (${s.topUps.cost === null ? 'price unknown' : formatMoney(s.topUps.cost, currency)})`);
  return parts.join(' · ');
}

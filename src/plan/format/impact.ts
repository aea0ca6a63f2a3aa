// The "Impact at current usage" part of a plan (SPEC §11), for the text and markdown formats.
import type { ImpactRow, ImpactState, PlanImpact } from '../../impact/plan-impact.js';
import type { BlockReason } from '../../impact/evaluate.js';
import { formatCount, formatMoney } from '../../util/money.js';

/** Most impact rows a text or markdown plan lists; the JSON plan carries them all. */
export const IMPACT_ROWS = 50;

const BLOCKED_BY: Record<BlockReason, string> = {
  included: 'included used up, overage blocked',
  spend_limit: 'spend limit reached',
  max_purchase: 'maxPurchase reached',
  usage_limit: 'usage limit reached',
  overage_limit: 'customer overage limit reached',
};

/** "; 3 customers blocked at current usage" for the summary line; empty when the plan was made without usage. */
export function blockedNowClause(blockedNow: number | undefined): string {
  if (blockedNow === undefined) return '';
  return blockedNow === 0 ? '; no customer blocked at current usage' : `; ${formatCount(blockedNow)} customer${blockedNow === 1 ? '' : 's'} blocked at current usage`;
}

/** Where the usage came from, in words: "live usage from autumn", "usage from usage.csv". */
export function usageSourceText(impact: PlanImpact): string {
  return impact.source.kind === 'live' ? `live usage from ${impact.source.target}` : `usage from ${impact.source.file}`;
}

/** A feature's state at its usage: "allowed, 500 over ($1.00)", "blocked: spend limit reached". */
export function stateText(s: ImpactState | null, currency: string | null): string {
  if (s === null) return '(not resolved)';
  const over = s.overageUnits > 0 ? `${formatCount(s.overageUnits)} over${s.overageCharge ? ` (${formatMoney(s.overageCharge, currency)})` : s.overageCharge === null ? ' (charge unknown)' : ''}` : '';
  if (!s.allowed) return `blocked: ${BLOCKED_BY[s.blockedBy ?? 'included']}${over ? `, ${over}` : ''}`;
  return over ? `allowed, ${over}` : 'allowed';
}

/** "customer cust_1" or "cust_1/ws_a". */
export function rowSubject(r: ImpactRow): string {
  return r.entity === undefined ? r.customer : `${r.customer}/${r.entity}`;
}

/** The mark of a row: what a reviewer must see first. */
export function rowMark(r: ImpactRow): string {
  return r.blockedNow ? 'BLOCKED NOW' : r.unblocked ? 'unblocked' : r.newlyCharged ? 'newly charged' : '';
}

/** Rows worth listing: those whose state at their usage moves (the JSON plan keeps every row). */
export function movedRows(impact: PlanImpact): ImpactRow[] {
  return impact.rows.filter((r) => JSON.stringify(r.before) !== JSON.stringify(r.after));
}

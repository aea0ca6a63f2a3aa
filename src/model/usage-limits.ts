// The `usageLimits` control (SPEC §8) in one place: its stored form, its identity for the one-entry-per-window
// rule, and how it reads in plans and explain. Layers and the replace-whole merge rule are those of usageAlerts.
import type { UsageLimit } from '../types/policy.generated.js';
import { formatCount } from '../util/money.js';

export type UsageLimitInterval = UsageLimit['interval'];
export type UsageLimitAnchor = NonNullable<UsageLimit['anchor']>;

/** A usage limit with its defaults made explicit and its filter keys sorted, as billing systems store it. */
export interface UsageLimitSetting {
  limit: number;
  interval: UsageLimitInterval;
  anchor: UsageLimitAnchor;
  filter?: { properties: Record<string, string> };
  enabled: boolean;
}

/** Where windows start when a policy does not say: Autumn's own default. */
export const DEFAULT_ANCHOR: UsageLimitAnchor = 'billing_cycle';

/** The stored form of a policy's usage limit. */
export function usageLimitSetting(u: UsageLimit): UsageLimitSetting {
  const s: UsageLimitSetting = { limit: u.limit, interval: u.interval, anchor: u.anchor ?? DEFAULT_ANCHOR, enabled: u.enabled ?? true };
  if (u.filter) s.filter = { properties: sortedProperties(u.filter.properties) };
  return s;
}

/** Filter properties in key order, so two spellings of one filter compare equal. */
export function sortedProperties(properties: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(properties).sort().map((k) => [k, properties[k]!]));
}

/** The window a limit caps: two limits of one feature with the same key count the same usage. */
export function usageLimitKey(u: Pick<UsageLimit, 'interval' | 'filter'>): string {
  return JSON.stringify([u.interval, u.filter ? Object.entries(sortedProperties(u.filter.properties)) : null]);
}

const PER: Record<UsageLimitInterval, string> = { day: 'a day', week: 'a week', month: 'a month', year: 'a year' };

/** "10,000 a day (utc) where plan_tier=pro": the anchor is named only when it is not the default. */
export function formatUsageLimit(s: UsageLimitSetting): string {
  const anchor = s.anchor === DEFAULT_ANCHOR ? '' : ` (${s.anchor})`;
  const where = s.filter ? ` where ${formatFilter(s.filter.properties)}` : '';
  return `${formatCount(s.limit)} ${PER[s.interval]}${anchor}${where}${s.enabled ? '' : ' (disabled)'}`;
}

/** A list of limits as one line; [] reads as "no limits". */
export function formatUsageLimits(limits: readonly UsageLimitSetting[]): string {
  return limits.length === 0 ? '[] (no limits)' : `[${limits.map(formatUsageLimit).join(', ')}]`;
}

function formatFilter(properties: Record<string, string>): string {
  return Object.entries(properties)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

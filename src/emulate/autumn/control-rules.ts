import type { BillingControls } from './wire.js';

// Rules Autumn enforces beyond the SDK's schemas; each violation is a message naming its path.

/** Kinds of control where a feature may appear in one entry only. */
const ONE_PER_FEATURE = ['overage_allowed', 'spend_limits', 'auto_topups'] as const;

const PERCENTAGE_TYPES = new Set(['usage_percentage', 'remaining_percentage']);

/** Checks the cross-field rules of a billing_controls object; `prefix` is its path in the body. */
export function controlRuleViolations(controls: BillingControls, prefix = 'billing_controls'): string[] {
  const problems: string[] = [];
  for (const key of ONE_PER_FEATURE) {
    const firstIndex = new Map<string, number>();
    (controls[key] ?? []).forEach((entry, index) => {
      const feature = entry.feature_id ?? '';
      const first = firstIndex.get(feature);
      if (first === undefined) {
        firstIndex.set(feature, index);
        return;
      }
      const label = feature === '' ? 'without a feature_id' : `for feature '${feature}'`;
      problems.push(
        `${prefix}.${key}[${index}].feature_id: Duplicate entry ${label} (also at ${key}[${first}]); at most one entry per feature`,
      );
    });
  }
  (controls.spend_limits ?? []).forEach((limit, index) => {
    if (limit.overage_limit !== undefined && !(limit.overage_limit >= 0)) {
      problems.push(`${prefix}.spend_limits[${index}].overage_limit: Must be a non-negative number`);
    }
  });
  (controls.usage_alerts ?? []).forEach((alert, index) => {
    const at = `${prefix}.usage_alerts[${index}].threshold`;
    if (PERCENTAGE_TYPES.has(alert.threshold_type) && !(alert.threshold >= 0 && alert.threshold <= 100)) {
      problems.push(
        `${at}: A ${alert.threshold_type} threshold must be between 0 and 100, received ${alert.threshold}`,
      );
    } else if (!(alert.threshold >= 0)) {
      problems.push(`${at}: Must be a non-negative number`);
    }
  });
  (controls.auto_topups ?? []).forEach((topup, index) => {
    const at = `${prefix}.auto_topups[${index}]`;
    if (!(topup.threshold >= 0)) problems.push(`${at}.threshold: Must be a non-negative number`);
    if (!(topup.quantity > 0)) problems.push(`${at}.quantity: Must be a positive number`);
    const limit = topup.purchase_limit;
    if (limit === undefined) return;
    if (!isPositiveInteger(limit.interval_count)) {
      problems.push(
        `${at}.purchase_limit.interval_count: Must be a positive integer, received ${limit.interval_count}`,
      );
    }
    if (!isPositiveInteger(limit.limit)) {
      problems.push(`${at}.purchase_limit.limit: Must be a positive integer, received ${limit.limit}`);
    }
  });
  return problems;
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

import type { AlertSetting, TopupSetting } from '../objects.js';
import type { ControlChange } from '../diff.js';
import { formatCount, formatMoney } from '../../util/money.js';
import { formatUsageLimits, type UsageLimitSetting } from '../../model/usage-limits.js';

/** A control value as one short line. */
export function formatValue(control: ControlChange['control'], value: unknown, currency: string | null): string {
  if (value === null || value === undefined) return '(none)';
  switch (control) {
    case 'usageAlerts': {
      const alerts = value as AlertSetting[];
      if (alerts.length === 0) return '[] (no alerts)';
      return `[${alerts.map(formatAlert).join(', ')}]`;
    }
    case 'usageLimits':
      return formatUsageLimits(value as UsageLimitSetting[]);
    case 'autoTopup': {
      const t = value as TopupSetting;
      const limit = t.purchaseLimit ? `, at most ${formatCount(t.purchaseLimit.limit)} per ${t.purchaseLimit.intervalCount === 1 ? '' : t.purchaseLimit.intervalCount + ' '}${t.purchaseLimit.interval}${t.purchaseLimit.intervalCount === 1 ? '' : 's'}` : '';
      return `buy ${formatCount(t.quantity)} below ${formatCount(t.threshold)}${limit}${t.enabled ? '' : ' (disabled)'}`;
    }
    case 'overageLimit': {
      if (value === 'unlimited') return 'unlimited';
      const l = value as { maxOverageAmount: number; onLimitReached: string };
      return `${formatMoney(l.maxOverageAmount, currency)} then ${l.onLimitReached}`;
    }
    default:
      return typeof value === 'number' ? formatCount(value) : typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function formatAlert(a: AlertSetting): string {
  const at = a.type === 'usage_percentage' ? `${a.threshold}%` : `${formatCount(a.threshold)} units`;
  return `${at}${a.name ? ` "${a.name}"` : ''}${a.enabled ? '' : ' (disabled)'}`;
}

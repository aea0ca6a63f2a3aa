import { didYouMean } from '../../diagnostics/suggest.js';
import { formatSimulationText } from '../../impact/format-simulation.js';
import { simulate } from '../../impact/simulate.js';
import { putUsage, usageKey, type UsageTable } from '../../impact/usage.js';
import type { EffectiveCustomer } from '../../resolve/effective.js';
import { UsageError, UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';

export interface SimulateOptions {
  dir: string;
  subject: string;
  usages: string[];
  at?: string;
  format: 'text' | 'json';
}

/** `tollgate simulate customer[/entity] [feature=usage …]`: per feature the limit ladder, and the state at the usages given. */
export function simulateCommand(options: SimulateOptions, io: CliIO): number {
  const [customerId, entityId, ...rest] = options.subject.split('/');
  if (!customerId || rest.length > 0 || entityId === '') throw new UsageError('simulate takes <customer> or <customer>/<entity>, e.g. tollgate simulate cust_123 api_calls=6000');
  const at = options.at === undefined ? undefined : instant(options.at);
  const analysis = loadValid(options.dir, io);
  const customer = analysis.customers.get(customerId);
  if (!customer) throw new UserError(`No customer "${customerId}" in ${options.dir}.${didYouMean(customerId, analysis.customers.keys())}`);
  if (entityId !== undefined && !customer.entities[entityId]) throw new UserError(`Customer "${customerId}" has no entity "${entityId}".${didYouMean(entityId, Object.keys(customer.entities))}`);
  const usage = usageArguments(options.usages, customerId, entityId, customer);
  const sim = simulate(analysis.set, customerId, customer, entityId, usage, at);
  io.out(options.format === 'json' ? JSON.stringify(sim, null, 2) + '\n' : formatSimulationText(sim, io.color));
  return 0;
}

/**
 * `feature=usage` for the subject; on a customer also `entity/feature=usage`, since the customer-wide overage
 * limit counts its entities' charges too.
 */
function usageArguments(args: readonly string[], customerId: string, entityId: string | undefined, customer: EffectiveCustomer): UsageTable {
  const table: UsageTable = new Map();
  for (const arg of args) {
    const m = /^(?:([^/=]+)\/)?([^/=]+)=(.*)$/.exec(arg);
    if (!m) throw new UsageError(`"${arg}" is not <feature>=<usage>, e.g. api_calls=6000${entityId === undefined ? ' (or <entity>/<feature>=<usage> for one of its entities)' : ''}.`);
    const [, scope, feature, value] = m as unknown as [string, string | undefined, string, string];
    if (scope !== undefined && entityId !== undefined) throw new UsageError(`"${arg}": usages of other entities are given when simulating the customer (tollgate simulate ${customerId} ${arg}).`);
    const entity = scope ?? entityId;
    if (entity !== undefined && !customer.entities[entity]) throw new UserError(`Customer "${customerId}" has no entity "${entity}".${didYouMean(entity, Object.keys(customer.entities))}`);
    const features = entity === undefined ? customer.features : customer.entities[entity]!.features;
    if (!features[feature]) throw new UserError(`Plan "${customer.plan}" of ${customerId} has no controllable feature "${feature}".${didYouMean(feature, Object.keys(features))}`);
    const n = Number(value.replace(/_/g, ''));
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`"${arg}": the usage must be a number of units, 0 or more.`);
    const key = usageKey(customerId, entity);
    if (table.get(key)?.has(feature)) throw new UsageError(`"${arg}": a usage of ${feature}${entity === undefined ? '' : ` for ${entity}`} is given twice.`);
    putUsage(table, key, feature, n);
  }
  return table;
}

/** `--at`: an RFC 3339 time or a date (00:00 UTC), as an ISO string. */
function instant(value: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const ms = Date.parse(date);
  // Date.parse rolls 2026-02-30 over into March: the calendar date must exist as written.
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const real = new Date(Date.UTC(y, m - 1, d));
  if (!rfc3339.test(date) || Number.isNaN(ms) || real.getUTCMonth() !== m - 1 || real.getUTCDate() !== d) throw new UsageError(`--at must be a date (2026-11-27) or an RFC 3339 time (2026-11-27T09:00:00Z); got "${value}".`);
  return new Date(ms).toISOString();
}

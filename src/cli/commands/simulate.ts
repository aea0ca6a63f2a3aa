import { didYouMean } from '../../diagnostics/suggest.js';
import { formatSimulationText } from '../../impact/format-simulation.js';
import { simulate } from '../../impact/simulate.js';
import { putUsage, usageKey, type UsageTable } from '../../impact/usage.js';
import type { EffectiveCustomer } from '../../resolve/effective.js';
import { UsageError, UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import type { ResolveTime } from '../time.js';

export interface SimulateOptions {
  dir: string;
  subject: string;
  usages: string[];
  /** The instant to resolve at (`--at`, else TOLLGATE_AT, else now): which exceptions are active. */
  time: ResolveTime;
  /** Whether an instant was named (it is then shown). */
  atNamed: boolean;
  format: 'text' | 'json';
}

/** `tollgate simulate customer[/entity] [feature=usage …]`: per feature the limit ladder, and the state at the usages given. */
export function simulateCommand(options: SimulateOptions, io: CliIO): number {
  const [customerId, entityId, ...rest] = options.subject.split('/');
  if (!customerId || rest.length > 0 || entityId === '') throw new UsageError('simulate takes <customer> or <customer>/<entity>, e.g. tollgate simulate cust_123 api_calls=6000');
  const at = options.atNamed ? new Date(options.time.at).toISOString() : undefined;
  const analysis = loadValid(options.dir, io, { ...options.time });
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

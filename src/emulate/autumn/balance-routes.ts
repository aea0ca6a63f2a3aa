import { TrackParams$outboundSchema, type TrackParams$Outbound } from 'autumn-js';
import { autumnError } from './errors.js';
import { renderBalances } from './render.js';
import { customerNotFound, invalid, parseBody, type AutumnRoute } from './route-kit.js';
import type { Usage } from './wire.js';

/**
 * POST /v1/balances.track {customer_id, entity_id?, feature_id, value?}: adds `value` (default 1; negative gives
 * usage back) to the customer's or entity's usage of the feature. Usage by event name is not emulated.
 */
export const trackBalance: AutumnRoute = (context) => {
  const parsed = parseBody<TrackParams$Outbound>(context, TrackParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  if (params.feature_id === undefined) return invalid(context, 'feature_id: the emulator tracks usage by feature_id only (event_name is not emulated)');
  const value = params.value ?? 1;
  if (!Number.isFinite(value)) return invalid(context, 'value: Expected a finite number');
  const { store } = context;
  const customer = store.customers.get(params.customer_id);
  if (customer === undefined) return customerNotFound(context, params.customer_id);
  const feature = params.feature_id;
  const add = (usage: Usage | undefined): Usage => ({ ...usage, [feature]: Math.max(0, (usage?.[feature] ?? 0) + value) });
  let usage: Usage;
  let apply: () => void;
  let object: string;
  if (params.entity_id !== undefined) {
    const entity = store.findEntity(params.customer_id, params.entity_id);
    if (entity === undefined) return autumnError(404, 'entity_not_found', `Entity ${params.entity_id} not found for customer ${params.customer_id}`, context.env);
    usage = add(entity.usage);
    apply = () => store.putEntity({ ...entity, usage });
    object = `entity/${entity.customer_id}/${entity.id}`;
  } else {
    usage = add(customer.usage);
    apply = () => store.customers.set(customer.id, { ...customer, usage });
    object = `customer/${customer.id}`;
  }
  const balances = renderBalances(usage);
  const body: Record<string, unknown> = { customer_id: customer.id, value, balance: balances[feature], balances: { [feature]: balances[feature] } };
  if (params.entity_id !== undefined) body.entity_id = params.entity_id;
  return { status: 200, body, write: { object, apply } };
};

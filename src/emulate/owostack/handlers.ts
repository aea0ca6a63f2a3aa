import type { ApiOutcome } from '../common/api.js';
import type { OwostackCustomer, OwostackFailure, OwostackFeatureConfig, OwostackSuccess } from './routes.js';
import { idForEmail, type OwostackStore } from './store.js';
import { checkCustomerRequest, checkSetFeatureConfig, checkSetOverageLimit } from './validate.js';

/** Handles one Owostack call; the router passes the store and the clock. */
export type OwostackHandler = (body: unknown, store: OwostackStore, now: () => number) => ApiOutcome;

/** `customer`: reads a customer by id or email, creating it when it does not exist yet. */
export const readCustomer: OwostackHandler = (body, store, now) => {
  const checked = checkCustomerRequest(body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const { customer: id, email, name } = checked.value;
  const existing = id !== undefined ? store.customers.get(id) : store.findByEmail(email ?? '');
  if (existing !== undefined) return success(existing);
  const created: OwostackCustomer = {
    id: id ?? idForEmail(email ?? ''),
    email: email ?? null,
    name: name ?? null,
    createdAt: now(),
    billing: { overageLimit: null, featureConfigs: [] },
  };
  return {
    ...success(created),
    write: { object: `customer/${created.id}`, apply: () => void store.customers.set(created.id, created) },
  };
};

/** `setFeatureConfig`: sets or clears one feature's overage override; fields left out stay as they are. */
export const setFeatureConfig: OwostackHandler = (body, store) => {
  const checked = checkSetFeatureConfig(body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const request = checked.value;
  const current = store.customers.get(request.customer);
  if (current === undefined) return customerNotFound(request.customer);
  const before = current.billing.featureConfigs.find((config) => config.feature === request.feature);
  const after: OwostackFeatureConfig = {
    feature: request.feature,
    overage: request.overage === undefined ? (before?.overage ?? null) : request.overage,
    maxOverageUnits:
      request.maxOverageUnits === undefined ? (before?.maxOverageUnits ?? null) : request.maxOverageUnits,
  };
  const others = current.billing.featureConfigs.filter((config) => config.feature !== request.feature);
  // A config with nothing set is no override at all, as passing null for both clears it.
  const cleared = after.overage === null && after.maxOverageUnits === null;
  const featureConfigs = (cleared ? others : [...others, after]).sort((a, b) => (a.feature < b.feature ? -1 : 1));
  const next: OwostackCustomer = { ...current, billing: { ...current.billing, featureConfigs } };
  return {
    ...success(next),
    write: { object: `customer/${next.id}`, apply: () => void store.customers.set(next.id, next) },
  };
};

/** `setOverageLimit`: sets the customer-wide overage cap in minor units, or removes it with null. */
export const setOverageLimit: OwostackHandler = (body, store) => {
  const checked = checkSetOverageLimit(body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const request = checked.value;
  const current = store.customers.get(request.customer);
  if (current === undefined) return customerNotFound(request.customer);
  const overageLimit =
    request.maxOverageAmount === null
      ? null
      : { maxOverageAmount: request.maxOverageAmount, onLimitReached: request.onLimitReached ?? 'block' };
  const next: OwostackCustomer = { ...current, billing: { ...current.billing, overageLimit } };
  return {
    ...success(next),
    write: { object: `customer/${next.id}`, apply: () => void store.customers.set(next.id, next) },
  };
};

/** Owostack's failure envelope; a code gives `{code, message}`, null a plain message. */
export function owostackErrorBody(code: string | null, message: string): OwostackFailure {
  return { success: false, error: code === null ? message : { code, message } };
}

/** A failure response in Owostack's envelope. */
export function owostackError(status: number, code: string | null, message: string): ApiOutcome {
  return { status, body: owostackErrorBody(code, message) };
}

function success(customer: OwostackCustomer): ApiOutcome {
  const body: OwostackSuccess<OwostackCustomer> = { success: true, data: structuredClone(customer) };
  return { status: 200, body };
}

function customerNotFound(id: string): ApiOutcome {
  return owostackError(404, 'customer_not_found', `Customer ${id} not found; read it first to create it`);
}

import { createHash } from 'node:crypto';
import type { ApiCall, ApiOutcome } from '../common/api.js';
import {
  OWOSTACK_LIST_DEFAULT_LIMIT,
  OWOSTACK_LIST_MAX_LIMIT,
  type OwostackCustomerAnswer,
  type OwostackCustomerListAnswer,
  type OwostackCustomerSummary,
  type OwostackFailure,
} from '../../targets/owostack/routes.js';
import { featureId, type OwostackStore, type StoredCustomer, type StoredFeatureConfig } from './store.js';
import { checkCreateCustomer, checkSetFeatureConfig, checkSetOverageLimit } from './validate.js';

/** Handles one Owostack call; `id` is the decoded `{id}` of the path, when the route has one. */
export type OwostackHandler = (call: ApiCall, store: OwostackStore, now: () => number, id?: string) => ApiOutcome;

/** `POST /customers`: resolves a customer by id or email, creating it when it does not exist yet. */
export const createCustomer: OwostackHandler = (call, store, now) => {
  const checked = checkCreateCustomer(call.body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const { id, email, name, metadata } = checked.value;
  const existing = (id === undefined ? undefined : store.customers.get(id)) ?? store.findByEmail(email);
  const time = now();
  const next: StoredCustomer =
    existing === undefined
      ? {
          id: id ?? idForEmail(email),
          email: email.toLowerCase(),
          name: name ?? email.split('@')[0]!,
          metadata: metadata ?? null,
          createdAt: time,
          updatedAt: time,
          billing: { overageLimit: null, featureConfigs: [] },
        }
      : {
          ...structuredClone(existing),
          ...(name === undefined ? {} : { name, updatedAt: time }),
          ...(metadata === undefined ? {} : { metadata: { ...existing.metadata, ...metadata }, updatedAt: time }),
        };
  const { billing: _billing, ...fields } = next;
  const outcome: ApiOutcome = { status: 200, body: { success: true, ...fields } };
  if (existing !== undefined && name === undefined && metadata === undefined) return outcome;
  return { ...outcome, write: { object: `customer/${next.id}`, apply: () => void store.customers.set(next.id, next) } };
};

/** `GET /customers?limit=&offset=`: newest first; limit defaults to 25 and is held to 100, as Owostack's is. */
export const listCustomers: OwostackHandler = (call, store) => {
  const limit = Math.min(positive(call.query.get('limit')) ?? OWOSTACK_LIST_DEFAULT_LIMIT, OWOSTACK_LIST_MAX_LIMIT);
  const offset = Math.max(Number(call.query.get('offset')) || 0, 0);
  const all = [...store.customers.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  const data = all.slice(offset, offset + limit).map(({ id, email, name, createdAt }): OwostackCustomerSummary => ({ id, email, name, createdAt }));
  const body: OwostackCustomerListAnswer = { success: true, data, total: all.length, limit, offset };
  return { status: 200, body };
};

/** `GET /customers/{id}`: the customer with its billing config; reading never creates one. */
export const readCustomer: OwostackHandler = (_call, store, _now, id = '') => {
  const customer = store.customers.get(id);
  return customer === undefined ? customerNotFound() : { status: 200, body: customerAnswer(customer) };
};

/** `setFeatureConfig`: stores both fields as sent (an omitted one as null); both null deletes the override. */
export const setFeatureConfig: OwostackHandler = (call, store, now) => {
  const checked = checkSetFeatureConfig(call.body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const { customer: id, feature, overage, maxOverageUnits } = checked.value;
  const current = store.customers.get(id);
  if (current === undefined) return customerNotFound();
  const others = current.billing.featureConfigs.filter((config) => config.feature !== feature);
  const config: StoredFeatureConfig = { feature, overage, maxOverageUnits };
  const cleared = overage === null && maxOverageUnits === null;
  const featureConfigs = (cleared ? others : [...others, config]).sort((a, b) => (a.feature < b.feature ? -1 : 1));
  return stored(store, { ...current, updatedAt: now(), billing: { ...current.billing, featureConfigs } });
};

/** `setOverageLimit`: sets the customer-wide overage cap in minor units, or removes it with null. */
export const setOverageLimit: OwostackHandler = (call, store, now) => {
  const checked = checkSetOverageLimit(call.body);
  if (!checked.ok) return owostackError(400, 'invalid_request', checked.message);
  const { customer: id, maxOverageAmount, onLimitReached } = checked.value;
  const current = store.customers.get(id);
  if (current === undefined) return customerNotFound();
  const overageLimit = maxOverageAmount === null ? null : { maxOverageAmount, onLimitReached };
  return stored(store, { ...current, updatedAt: now(), billing: { ...current.billing, overageLimit } });
};

/** Owostack's failure envelope; a code gives `{code, message}`, null a plain message. */
export function owostackErrorBody(code: string | null, message: string): OwostackFailure {
  return { success: false, error: code === null ? message : { code, message } };
}

/** A failure response in Owostack's envelope. */
export function owostackError(status: number, code: string | null, message: string): ApiOutcome {
  return { status, body: owostackErrorBody(code, message) };
}

/** The answer of `GET /customers/{id}` for a stored customer: features named by id and slug. */
export function customerAnswer(customer: StoredCustomer): OwostackCustomerAnswer {
  const { billing, ...fields } = structuredClone(customer);
  return {
    success: true,
    ...fields,
    billing: {
      overageLimit: billing.overageLimit,
      featureConfigs: billing.featureConfigs.map((c) => ({ ...c, feature: { id: featureId(c.feature), slug: c.feature } })),
    },
  };
}

/** A stable id for a customer first seen by email, so a replay creates the same id. */
export function idForEmail(email: string): string {
  return `cus_${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 16)}`;
}

/** Answers the customer after a write, and stores it only if the pipeline lets the write through. */
function stored(store: OwostackStore, next: StoredCustomer): ApiOutcome {
  return { status: 200, body: customerAnswer(next), write: { object: `customer/${next.id}`, apply: () => void store.customers.set(next.id, next) } };
}

function customerNotFound(): ApiOutcome {
  return owostackError(404, null, 'Customer not found');
}

function positive(value: string | null): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

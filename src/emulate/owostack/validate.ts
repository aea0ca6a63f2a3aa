import type {
  OwostackCreateCustomerRequest,
  OwostackSetFeatureConfigRequest,
  OwostackSetOverageLimitRequest,
} from '../../targets/owostack/routes.js';

/** A validated body, or the message explaining what is wrong and what would be right. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates the body of `POST /customers`: an email is required, as Owostack requires it. */
export function checkCreateCustomer(body: unknown): Checked<OwostackCreateCustomerRequest> {
  const object = asObject(body, ['id', 'email', 'name', 'metadata']);
  if (typeof object === 'string') return fail(object);
  const { id, email, name, metadata } = object;
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email)) return fail('email is required and must be an email address');
  if (id !== undefined && (typeof id !== 'string' || id === '')) return fail('id must be a non-empty string');
  if (name !== undefined && typeof name !== 'string') return fail('name must be a string');
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    return fail('metadata must be an object');
  }
  const value: OwostackCreateCustomerRequest = { email };
  if (id !== undefined) value.id = id;
  if (name !== undefined) value.name = name;
  if (metadata !== undefined) value.metadata = metadata as Record<string, unknown>;
  return { ok: true, value };
}

/** Validates the body of `setFeatureConfig`; an omitted overage or maxOverageUnits means null, as Owostack stores it. */
export function checkSetFeatureConfig(body: unknown): Checked<OwostackSetFeatureConfigRequest> {
  const object = asObject(body, ['customer', 'feature', 'overage', 'maxOverageUnits']);
  if (typeof object === 'string') return fail(object);
  const { customer, feature, overage = null, maxOverageUnits = null } = object;
  if (typeof customer !== 'string' || customer === '') return fail('customer must be a non-empty string (the customer id)');
  if (typeof feature !== 'string' || feature === '') return fail('feature must be a non-empty string (the feature slug)');
  if (overage !== null && overage !== 'block' && overage !== 'charge') {
    return fail(`overage must be "block", "charge" or null, received ${JSON.stringify(overage)}`);
  }
  if (maxOverageUnits !== null && !isPositiveInteger(maxOverageUnits)) {
    return fail(`maxOverageUnits must be a positive integer or null, received ${JSON.stringify(maxOverageUnits)}`);
  }
  return { ok: true, value: { customer, feature, overage, maxOverageUnits } };
}

/** Validates the body of `setOverageLimit`; onLimitReached defaults to "block", as Owostack's does. */
export function checkSetOverageLimit(body: unknown): Checked<OwostackSetOverageLimitRequest> {
  const object = asObject(body, ['customer', 'maxOverageAmount', 'onLimitReached']);
  if (typeof object === 'string') return fail(object);
  const { customer, maxOverageAmount, onLimitReached = 'block' } = object;
  if (typeof customer !== 'string' || customer === '') return fail('customer must be a non-empty string (the customer id)');
  if (maxOverageAmount === undefined) return fail('maxOverageAmount is required: minor currency units, or null to remove the cap');
  if (maxOverageAmount !== null && !isPositiveInteger(maxOverageAmount)) {
    return fail(`maxOverageAmount must be a positive integer in minor currency units or null, received ${JSON.stringify(maxOverageAmount)}`);
  }
  if (onLimitReached !== 'block' && onLimitReached !== 'notify') {
    return fail(`onLimitReached must be "block" or "notify", received ${JSON.stringify(onLimitReached)}`);
  }
  return { ok: true, value: { customer, maxOverageAmount: maxOverageAmount as number | null, onLimitReached } };
}

function asObject(body: unknown, allowed: readonly string[]): Record<string, unknown> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object';
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `Unknown field(s): ${unknown.join(', ')}; expected ${allowed.join(', ')}`;
  return body as Record<string, unknown>;
}

// Owostack refuses caps of 0: its guards treat 0 as "no cap", so accepting one would silently lift it.
function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function fail<T>(message: string): Checked<T> {
  return { ok: false, message };
}

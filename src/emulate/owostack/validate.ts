import type {
  OwostackCustomerRequest,
  OwostackSetFeatureConfigRequest,
  OwostackSetOverageLimitRequest,
} from './routes.js';

/** A validated body, or the message explaining what is wrong and what would be right. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates the body of the `customer` read. */
export function checkCustomerRequest(body: unknown): Checked<OwostackCustomerRequest> {
  const object = asObject(body, ['customer', 'email', 'name']);
  if (typeof object === 'string') return fail(object);
  const value: OwostackCustomerRequest = {};
  for (const field of ['customer', 'email', 'name'] as const) {
    const given = object[field];
    if (given === undefined) continue;
    if (typeof given !== 'string' || given === '') return fail(`${field} must be a non-empty string`);
    value[field] = given;
  }
  if (value.customer === undefined && value.email === undefined) return fail('customer or email is required');
  return { ok: true, value };
}

/** Validates the body of `setFeatureConfig`. */
export function checkSetFeatureConfig(body: unknown): Checked<OwostackSetFeatureConfigRequest> {
  const object = asObject(body, ['customer', 'feature', 'overage', 'maxOverageUnits']);
  if (typeof object === 'string') return fail(object);
  const { customer, feature, overage, maxOverageUnits } = object;
  if (typeof customer !== 'string' || customer === '')
    return fail('customer must be a non-empty string (the customer id)');
  if (typeof feature !== 'string' || feature === '') return fail('feature must be a non-empty string (the feature id)');
  if (overage !== undefined && overage !== null && overage !== 'block' && overage !== 'charge') {
    return fail(`overage must be "block", "charge" or null, received ${JSON.stringify(overage)}`);
  }
  if (maxOverageUnits !== undefined && maxOverageUnits !== null && !isNonNegativeInteger(maxOverageUnits)) {
    return fail(`maxOverageUnits must be a non-negative integer or null, received ${JSON.stringify(maxOverageUnits)}`);
  }
  const value: OwostackSetFeatureConfigRequest = { customer, feature };
  if (overage !== undefined) value.overage = overage;
  if (maxOverageUnits !== undefined) value.maxOverageUnits = maxOverageUnits as number | null;
  return { ok: true, value };
}

/** Validates the body of `setOverageLimit`. */
export function checkSetOverageLimit(body: unknown): Checked<OwostackSetOverageLimitRequest> {
  const object = asObject(body, ['customer', 'maxOverageAmount', 'onLimitReached']);
  if (typeof object === 'string') return fail(object);
  const { customer, maxOverageAmount, onLimitReached } = object;
  if (typeof customer !== 'string' || customer === '')
    return fail('customer must be a non-empty string (the customer id)');
  if (maxOverageAmount === undefined)
    return fail('maxOverageAmount is required: minor currency units, or null to remove the cap');
  if (maxOverageAmount !== null && !isNonNegativeInteger(maxOverageAmount)) {
    return fail(
      `maxOverageAmount must be a non-negative integer in minor currency units or null, received ${JSON.stringify(maxOverageAmount)}`,
    );
  }
  if (onLimitReached !== undefined && onLimitReached !== 'block' && onLimitReached !== 'notify') {
    return fail(`onLimitReached must be "block" or "notify", received ${JSON.stringify(onLimitReached)}`);
  }
  if (maxOverageAmount !== null && onLimitReached === undefined)
    return fail('onLimitReached is required with a maxOverageAmount');
  const value: OwostackSetOverageLimitRequest = { customer, maxOverageAmount: maxOverageAmount as number | null };
  if (onLimitReached !== undefined) value.onLimitReached = onLimitReached;
  return { ok: true, value };
}

function asObject(body: unknown, allowed: readonly string[]): Record<string, unknown> | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'Request body must be a JSON object';
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `Unknown field(s): ${unknown.join(', ')}; expected ${allowed.join(', ')}`;
  return body as Record<string, unknown>;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function fail<T>(message: string): Checked<T> {
  return { ok: false, message };
}

// Owostack's HTTP contract as tollgate speaks it: base URLs, routes and wire shapes, kept in this one
// place (SPEC §8). The target's client and the emulator both import it; the emulator never defines its own.
// Paths are relative to the base URL (sandbox https://sandbox.owostack.com/v1, live https://api.owostack.com/v1).
//   createCustomer    POST /customers {id?, email, name?, metadata?}   create or resolve; tollgate never calls it
//   listCustomers     GET  /customers?limit=&offset=                    {success, data, total, limit, offset}
//   customer          GET  /customers/{id}                              {success, id, …, billing}; 404 when unknown
//   setFeatureConfig  POST /customers/feature-config                    both overage and maxOverageUnits, null clears
//   setOverageLimit   POST /customers/overage-limit                     maxOverageAmount null removes the cap
// Failures are {"success": false, "error": "..."} or {"success": false, "error": {"code", "message"}}.

/** Owostack's sandbox API, where `owo_sk_test_…` keys work; tollgate's default. */
export const OWOSTACK_SANDBOX_URL = 'https://sandbox.owostack.com/v1';

/** Owostack's production API, where `owo_sk_live_…` keys work; tollgate's default only with --live. */
export const OWOSTACK_LIVE_URL = 'https://api.owostack.com/v1';

/** Prefix of production secret keys, which tollgate uses only when asked to (--live). */
export const OWOSTACK_LIVE_KEY_PREFIX = 'owo_sk_live_';

/** The routes, by the name tollgate and its messages give them; `{id}` is a percent-encoded customer id. */
export const OWOSTACK_ROUTES = {
  createCustomer: { method: 'POST', path: '/customers' },
  listCustomers: { method: 'GET', path: '/customers' },
  customer: { method: 'GET', path: '/customers/{id}' },
  setFeatureConfig: { method: 'POST', path: '/customers/feature-config' },
  setOverageLimit: { method: 'POST', path: '/customers/overage-limit' },
} as const;

export type OwostackRouteName = keyof typeof OWOSTACK_ROUTES;

/** The path of one customer, as `GET /customers/{id}` wants it. */
export function customerPath(id: string): string {
  return OWOSTACK_ROUTES.customer.path.replace('{id}', encodeURIComponent(id));
}

/** listCustomers page size when none is asked for, and the most it returns. */
export const OWOSTACK_LIST_DEFAULT_LIMIT = 25;
export const OWOSTACK_LIST_MAX_LIMIT = 100;

/** Per-feature overage behaviour; null clears the override (the plan's config applies). */
export type OwostackOverage = 'block' | 'charge';

/** What happens when the customer-wide overage cap is reached. */
export type OwostackOnLimitReached = 'block' | 'notify';

/** A feature as Owostack names it in answers: its own id and the slug tollgate's policies use. */
export interface OwostackFeatureRef {
  id: string;
  slug: string;
}

/** One per-feature override, as `billing.featureConfigs` lists it. */
export interface OwostackFeatureConfig {
  feature: OwostackFeatureRef;
  overage: OwostackOverage | null;
  maxOverageUnits: number | null;
}

/** The customer-wide overage spend cap; `maxOverageAmount` is in minor currency units, null for no cap. */
export interface OwostackOverageLimit {
  maxOverageAmount: number | null;
  onLimitReached: OwostackOnLimitReached;
}

/** A customer's billing config, as `GET /customers/{id}` returns it. */
export interface OwostackBilling {
  overageLimit: OwostackOverageLimit | null;
  featureConfigs: OwostackFeatureConfig[];
}

/** A customer as listCustomers returns it in `data` (no billing). */
export interface OwostackCustomerSummary {
  id: string;
  email: string | null;
  name: string | null;
  createdAt: number;
}

/** The answer of `GET /customers/{id}`: the customer's fields beside `success`, with its billing config. */
export interface OwostackCustomerAnswer extends OwostackCustomerSummary {
  success: true;
  metadata: Record<string, unknown> | null;
  updatedAt: number;
  billing: OwostackBilling;
}

/** The answer of `GET /customers?limit=&offset=`. */
export interface OwostackCustomerListAnswer {
  success: true;
  data: OwostackCustomerSummary[];
  total: number;
  limit: number;
  offset: number;
}

/** Body of createCustomer: the email is required; an existing id or email is resolved, not duplicated. */
export interface OwostackCreateCustomerRequest {
  id?: string;
  email: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Body of setFeatureConfig, by feature slug. Owostack stores an omitted field as null, so tollgate always
 * sends both; both null deletes the override. A cap of 0 is refused.
 */
export interface OwostackSetFeatureConfigRequest {
  customer: string;
  feature: string;
  overage: OwostackOverage | null;
  maxOverageUnits: number | null;
}

/** Body of setOverageLimit; `maxOverageAmount: null` removes the cap, 0 is refused. */
export interface OwostackSetOverageLimitRequest {
  customer: string;
  maxOverageAmount: number | null;
  onLimitReached: OwostackOnLimitReached;
}

/** Owostack's failure envelope: the error is a plain message or a coded one. */
export interface OwostackFailure {
  success: false;
  error: string | { code: string; message: string };
}

// Owostack's HTTP routes are not public. These are the routes tollgate and its emulator agree on,
// kept in this one place; the client imports this constant. Paths are relative to the base URL
// (default https://api.owostack.com/v1; the emulator serves them under http://127.0.0.1:PORT/v1).
// Every route is POST with a JSON body equal to the SDK call's argument object:
//   customer          owo.customer({customer} | {email})       → the customer, created if new
//   setFeatureConfig  owo.customer.setFeatureConfig({...})     → the customer after the change
//   setOverageLimit   owo.customer.setOverageLimit({...})      → the customer after the change
// Successes are {"success": true, "data": ...}; failures {"success": false, "error": "..."} or
// {"success": false, "error": {"code", "message"}}.

/** Default base URL of Owostack's API. */
export const OWOSTACK_BASE_URL = 'https://api.owostack.com/v1';

/** The three calls tollgate makes, by SDK method name. */
export const OWOSTACK_ROUTES = {
  customer: { method: 'POST', path: '/customers' },
  setFeatureConfig: { method: 'POST', path: '/customers/feature-config' },
  setOverageLimit: { method: 'POST', path: '/customers/overage-limit' },
} as const;

/** Per-feature overage behaviour; null clears the override (the plan's config applies). */
export type OwostackOverage = 'block' | 'charge';

/** What happens when the customer-wide overage cap is reached. */
export type OwostackOnLimitReached = 'block' | 'notify';

/** One per-feature override, as `billing.featureConfigs` lists it. */
export interface OwostackFeatureConfig {
  feature: string;
  overage: OwostackOverage | null;
  maxOverageUnits: number | null;
}

/** The customer-wide overage spend cap; `maxOverageAmount` is in minor currency units. */
export interface OwostackOverageLimit {
  maxOverageAmount: number;
  onLimitReached: OwostackOnLimitReached;
}

/** A customer as every route returns it in `data`. */
export interface OwostackCustomer {
  id: string;
  email: string | null;
  name: string | null;
  createdAt: number;
  billing: {
    overageLimit: OwostackOverageLimit | null;
    /** Sorted by feature; a feature whose override is fully cleared is absent. */
    featureConfigs: OwostackFeatureConfig[];
  };
}

/** Body of `customer`: identify by id or by email (id wins when both are given). */
export interface OwostackCustomerRequest {
  customer?: string;
  email?: string;
  name?: string;
}

/** Body of `setFeatureConfig`; a field left out stays as it is, null clears it. */
export interface OwostackSetFeatureConfigRequest {
  customer: string;
  feature: string;
  overage?: OwostackOverage | null;
  maxOverageUnits?: number | null;
}

/** Body of `setOverageLimit`; `maxOverageAmount: null` removes the cap. */
export interface OwostackSetOverageLimitRequest {
  customer: string;
  maxOverageAmount: number | null;
  onLimitReached?: OwostackOnLimitReached;
}

/** Owostack's success envelope. */
export interface OwostackSuccess<T> {
  success: true;
  data: T;
}

/** Owostack's failure envelope: the error is a plain message or a coded one. */
export interface OwostackFailure {
  success: false;
  error: string | { code: string; message: string };
}

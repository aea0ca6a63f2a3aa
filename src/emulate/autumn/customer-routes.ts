import {
  GetCustomerParams$outboundSchema,
  GetOrCreateCustomerParams$outboundSchema,
  UpdateCustomerParams$outboundSchema,
  type GetCustomerParams$Outbound,
  type GetOrCreateCustomerParams$Outbound,
  type UpdateCustomerParams$Outbound,
} from 'autumn-js';
import { autumnError } from './errors.js';
import { mergeControls } from './controls.js';
import { renderCustomer } from './render.js';
import { customerNotFound, invalid, ok, parseBody, parseControlsBody, type AutumnRoute } from './route-kit.js';
import type { CustomerRecord } from './wire.js';

/** POST /v1/customers.get {customer_id, expand?}: 404 when the customer does not exist. */
export const getCustomer: AutumnRoute = (context) => {
  const parsed = parseBody<GetCustomerParams$Outbound>(context, GetCustomerParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const customer = context.store.customers.get(parsed.value.customer_id);
  if (customer === undefined) return customerNotFound(context, parsed.value.customer_id);
  const body = renderCustomer(customer, context.store, context.read);
  if (parsed.value.expand?.includes('entities') === true) {
    body.entities = [...context.store.entities.values()]
      .filter((entity) => entity.customer_id === customer.id)
      .map(({ id, name, customer_id, feature_id, created_at }) => ({
        id,
        name,
        customer_id,
        feature_id,
        created_at,
        env: context.env,
      }));
  }
  return ok(body);
};

/** POST /v1/customers.get_or_create: returns the customer, creating it (with any controls sent) if new. */
export const getOrCreateCustomer: AutumnRoute = (context) => {
  const parsed = parseControlsBody<GetOrCreateCustomerParams$Outbound>(
    context,
    GetOrCreateCustomerParams$outboundSchema,
  );
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  const { store } = context;
  const id = params.customer_id ?? `cus_anon_${store.customers.size + 1}`;
  const existing = store.customers.get(id);
  if (existing !== undefined) return ok(renderCustomer(existing, store, context.read));
  const planId = params.auto_enable_plan_id ?? null;
  if (planId !== null && !store.plans.has(planId)) {
    return autumnError(404, 'plan_not_found', `Plan ${planId} not found`, context.env);
  }
  const customer: CustomerRecord = {
    id,
    name: params.name ?? null,
    email: params.email ?? null,
    created_at: context.now(),
    plan_id: planId,
    metadata: params.metadata ?? {},
    billing_controls: mergeControls({}, params.billing_controls ?? {}),
  };
  return {
    status: 200,
    body: renderCustomer(customer, store, context.read),
    write: { object: `customer/${id}`, apply: () => void store.customers.set(id, customer) },
  };
};

/** POST /v1/customers.update {customer_id, billing_controls, name?, email?, metadata?}. */
export const updateCustomer: AutumnRoute = (context) => {
  const parsed = parseControlsBody<UpdateCustomerParams$Outbound>(context, UpdateCustomerParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  if (params.new_customer_id !== undefined) {
    return invalid(context, 'new_customer_id: Renaming customers is not supported by the emulator');
  }
  const { store } = context;
  const current = store.customers.get(params.customer_id);
  if (current === undefined) return customerNotFound(context, params.customer_id);
  const next: CustomerRecord = {
    ...current,
    name: params.name === undefined ? current.name : params.name,
    email: params.email === undefined ? current.email : params.email,
    metadata: params.metadata === undefined ? current.metadata : (params.metadata ?? {}),
    billing_controls: mergeControls(current.billing_controls, params.billing_controls ?? {}),
  };
  return {
    status: 200,
    body: renderCustomer(next, store, context.read),
    write: { object: `customer/${current.id}`, apply: () => void store.customers.set(current.id, next) },
  };
};

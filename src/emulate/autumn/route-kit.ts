import type { ApiCall, ApiOutcome } from '../common/api.js';
import { controlRuleViolations } from './control-rules.js';
import { autumnError, type AutumnEnv } from './errors.js';
import type { ReadContext } from './render.js';
import { parseWithSdkSchema, type SdkSchema } from './sdk-parse.js';
import type { AutumnStore } from './store.js';
import type { BillingControls } from './wire.js';

/** Everything an Autumn route handler needs. */
export interface RouteContext {
  call: ApiCall;
  store: AutumnStore;
  env: AutumnEnv;
  read: ReadContext;
  now: () => number;
}

/** Handles one RPC route; returns the response and, for writes, the change to store. */
export type AutumnRoute = (context: RouteContext) => ApiOutcome;

/** A 200 response. */
export function ok(body: unknown): ApiOutcome {
  return { status: 200, body };
}

/** A 400 `invalid_inputs` response. */
export function invalid(context: RouteContext, message: string): ApiOutcome {
  return autumnError(400, 'invalid_inputs', message, context.env);
}

/** A 404 response for an unknown customer. */
export function customerNotFound(context: RouteContext, customerId: string): ApiOutcome {
  return autumnError(404, 'customer_not_found', `Customer ${customerId} not found`, context.env);
}

/** Parses the body with an SDK schema; returns the wire value, or the 400 response to send. */
export function parseBody<T>(context: RouteContext, schema: SdkSchema<T>): { value: T } | { error: ApiOutcome } {
  const parsed = parseWithSdkSchema(schema, context.call.body);
  return parsed.ok ? { value: parsed.value } : { error: invalid(context, parsed.message) };
}

/** Like parseBody, then applies Autumn's billing-control rules to the body's billing_controls. */
export function parseControlsBody<T extends { billing_controls?: BillingControls | undefined }>(
  context: RouteContext,
  schema: SdkSchema<T>,
): { value: T } | { error: ApiOutcome } {
  const parsed = parseBody(context, schema);
  if ('error' in parsed) return parsed;
  const controls = parsed.value.billing_controls;
  const problems = controls === undefined ? [] : controlRuleViolations(controls);
  return problems.length > 0 ? { error: invalid(context, problems.join('; ')) } : parsed;
}

import type { ApiCall, ApiOutcome, EmulatedApi } from '../common/api.js';
import { showsSources } from './controls.js';
import { getCustomer, getOrCreateCustomer, updateCustomer } from './customer-routes.js';
import { createEntity, getEntity, updateEntity } from './entity-routes.js';
import { autumnError, autumnErrorBody, envOfKey, PIPELINE_CODES } from './errors.js';
import { listFeatures, listPlans } from './catalog-routes.js';
import { listCustomers } from './list-customers.js';
import { listEntities } from './list-entities.js';
import { getPlan, updatePlan } from './plan-routes.js';
import type { AutumnRoute } from './route-kit.js';
import type { AutumnStore } from './store.js';
import type { AutumnState } from './wire.js';

/** The RPC routes the emulator serves, all POST with JSON bodies, as autumn-js calls them. */
export const AUTUMN_ROUTES: ReadonlyMap<string, AutumnRoute> = new Map([
  ['/v1/customers.get', getCustomer],
  ['/v1/customers.get_or_create', getOrCreateCustomer],
  ['/v1/customers.list', listCustomers],
  ['/v1/customers.update', updateCustomer],
  ['/v1/entities.create', createEntity],
  ['/v1/entities.get', getEntity],
  ['/v1/entities.list', listEntities],
  ['/v1/entities.update', updateEntity],
  ['/v1/features.list', listFeatures],
  ['/v1/plans.get', getPlan],
  ['/v1/plans.list', listPlans],
  ['/v1/plans.update', updatePlan],
]);

/** Plugs the Autumn routes and error shapes into the shared emulator pipeline. */
export function autumnApi(store: AutumnStore, now: () => number): EmulatedApi<AutumnState> {
  return {
    name: 'autumn',
    handle(call: ApiCall): ApiOutcome {
      const env = envOfKey(call.apiKey);
      const route = AUTUMN_ROUTES.get(call.path);
      if (route === undefined) return autumnError(404, 'not_found', `Route ${call.method} ${call.path} not found`, env);
      if (call.method !== 'POST') {
        return autumnError(405, 'method_not_allowed', `Route ${call.path} only accepts POST`, env);
      }
      const read = { env, showSources: showsSources(call.headers['x-api-version']) };
      return route({ call, store, env, read, now });
    },
    pipelineError: (code, message, apiKey) => autumnErrorBody(PIPELINE_CODES[code], message, envOfKey(apiKey)),
    snapshot: () => store.snapshot(),
    restore: (state) => store.restore(state),
  };
}

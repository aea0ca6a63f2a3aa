import type { ApiCall, ApiOutcome, EmulatedApi, PipelineErrorCode } from '../common/api.js';
import { startEmulatorCore, type EmulatorCore } from '../common/emulator-core.js';
import type { EmulatorOptions } from '../common/options.js';
import { OWOSTACK_ROUTES, type OwostackRouteName } from '../../targets/owostack/routes.js';
import {
  createCustomer,
  listCustomers,
  owostackError,
  owostackErrorBody,
  readCustomer,
  setFeatureConfig,
  setOverageLimit,
  type OwostackHandler,
} from './handlers.js';
import { seedOwostack, type OwostackSeed } from './seed.js';
import { OwostackStore, type OwostackState } from './store.js';

export type { OwostackState, StoredCustomer, StoredFeatureConfig } from './store.js';
export type { OwostackSeed } from './seed.js';
export type { EmulatorOptions } from '../common/options.js';
export type { LoggedRequest } from '../common/api.js';

/** Prefix under which the emulator serves OWOSTACK_ROUTES, mirroring the real base URL's `/v1`. */
export const OWOSTACK_PATH_PREFIX = '/v1';

/** A running Owostack emulator; clients use `baseUrl` as their Owostack base URL. */
export interface OwostackEmulator extends EmulatorCore<OwostackState> {
  /** `url` + `/v1`: the emulator's equivalent of https://sandbox.owostack.com/v1. */
  baseUrl: string;
  /** Places customers in the state directly (and persists them); same ids are replaced. */
  seed(data: OwostackSeed): void;
}

const HANDLERS: Record<OwostackRouteName, OwostackHandler> = {
  createCustomer,
  listCustomers,
  customer: readCustomer,
  setFeatureConfig,
  setOverageLimit,
};

/** Each route's path as a pattern; `{id}` matches one path segment. */
const ROUTES = Object.entries(OWOSTACK_ROUTES).map(([name, route]) => ({
  ...route,
  handler: HANDLERS[name as OwostackRouteName],
  pattern: new RegExp(`^${OWOSTACK_PATH_PREFIX}${route.path.replace('{id}', '([^/]+)')}$`),
}));

// Plain-string errors for some failures, coded ones for others: clients must read both forms.
const PIPELINE_ERRORS: Record<PipelineErrorCode, string | null> = {
  unauthorized: null,
  server_error: null,
  rate_limited: 'rate_limited',
  duplicate_idempotency_key: 'duplicate_idempotency_key',
  invalid_json: 'invalid_request',
  payload_too_large: 'invalid_request',
};

/** Routes one call by method and path, as Owostack's router does (a literal path beats `{id}`). */
function route(call: ApiCall, store: OwostackStore, now: () => number): ApiOutcome {
  const matching = ROUTES.map((r) => ({ r, match: r.pattern.exec(call.path) })).filter((m) => m.match !== null);
  if (matching.length === 0) return owostackError(404, null, `Not found: ${call.method} ${call.path}`);
  const chosen = matching.find((m) => m.r.method === call.method);
  if (chosen === undefined) {
    const allowed = [...new Set(matching.map((m) => m.r.method))].join(', ');
    return owostackError(405, null, `Method not allowed: ${call.path} accepts ${allowed}`);
  }
  let id: string | undefined;
  if (chosen.match![1] !== undefined) {
    try {
      id = decodeURIComponent(chosen.match![1]);
    } catch {
      return owostackError(400, 'invalid_request', `The customer id in ${call.path} is not percent-encoded correctly`);
    }
  }
  return chosen.r.handler(call, store, now, id);
}

/** Starts the Owostack API emulator on 127.0.0.1. */
export async function startOwostackEmulator(options: EmulatorOptions = {}): Promise<OwostackEmulator> {
  const now = options.now ?? Date.now;
  const store = new OwostackStore();
  const api: EmulatedApi<OwostackState> = {
    name: 'owostack',
    handle: (call) => route(call, store, now),
    pipelineError: (code, message) => owostackErrorBody(PIPELINE_ERRORS[code], message),
    snapshot: () => store.snapshot(),
    restore: (state) => store.restore(state),
  };
  const core = await startEmulatorCore(api, options);
  return {
    ...core,
    baseUrl: core.url + OWOSTACK_PATH_PREFIX,
    seed(data): void {
      seedOwostack(store, data, now);
      core.persist();
    },
  };
}

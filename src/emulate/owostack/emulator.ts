import type { ApiCall, ApiOutcome, EmulatedApi, PipelineErrorCode } from '../common/api.js';
import { startEmulatorCore, type EmulatorCore } from '../common/emulator-core.js';
import type { EmulatorOptions } from '../common/options.js';
import {
  owostackError,
  owostackErrorBody,
  readCustomer,
  setFeatureConfig,
  setOverageLimit,
  type OwostackHandler,
} from './handlers.js';
import { OWOSTACK_ROUTES } from './routes.js';
import { seedOwostack, type OwostackSeed } from './seed.js';
import { OwostackStore, type OwostackState } from './store.js';

export type { OwostackState } from './store.js';
export type { OwostackSeed } from './seed.js';
export type { EmulatorOptions } from '../common/options.js';
export type { LoggedRequest } from '../common/api.js';

/** Prefix under which the emulator serves OWOSTACK_ROUTES, mirroring the real base URL's `/v1`. */
export const OWOSTACK_PATH_PREFIX = '/v1';

/** A running Owostack emulator; clients use `baseUrl` as their Owostack base URL. */
export interface OwostackEmulator extends EmulatorCore<OwostackState> {
  /** `url` + `/v1`: the emulator's equivalent of https://api.owostack.com/v1. */
  baseUrl: string;
  /** Places customers in the state directly (and persists them); same ids are replaced. */
  seed(data: OwostackSeed): void;
}

const HANDLERS: ReadonlyMap<string, OwostackHandler> = new Map([
  [OWOSTACK_PATH_PREFIX + OWOSTACK_ROUTES.customer.path, readCustomer],
  [OWOSTACK_PATH_PREFIX + OWOSTACK_ROUTES.setFeatureConfig.path, setFeatureConfig],
  [OWOSTACK_PATH_PREFIX + OWOSTACK_ROUTES.setOverageLimit.path, setOverageLimit],
]);

// Plain-string errors for some failures, coded ones for others: clients must read both forms.
const PIPELINE_ERRORS: Record<PipelineErrorCode, string | null> = {
  unauthorized: null,
  server_error: null,
  rate_limited: 'rate_limited',
  duplicate_idempotency_key: 'duplicate_idempotency_key',
  invalid_json: 'invalid_request',
  payload_too_large: 'invalid_request',
};

/** Starts the Owostack API emulator on 127.0.0.1. */
export async function startOwostackEmulator(options: EmulatorOptions = {}): Promise<OwostackEmulator> {
  const now = options.now ?? Date.now;
  const store = new OwostackStore();
  const api: EmulatedApi<OwostackState> = {
    name: 'owostack',
    handle(call: ApiCall): ApiOutcome {
      const handler = HANDLERS.get(call.path);
      if (handler === undefined) return owostackError(404, null, `Not found: ${call.method} ${call.path}`);
      if (call.method !== 'POST') return owostackError(405, null, `Method not allowed: ${call.path} only accepts POST`);
      return handler(call.body, store, now);
    },
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

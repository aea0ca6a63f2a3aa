import type { EmulatorOptions } from '../common/options.js';
import { startEmulatorCore, type EmulatorCore } from '../common/emulator-core.js';
import { autumnApi } from './router.js';
import { seedAutumn, type AutumnSeed } from './seed.js';
import { AutumnStore } from './store.js';
import type { AutumnState } from './wire.js';

export type { AutumnSeed } from './seed.js';
export type { AutumnState, BillingControls, CustomerRecord, EntityRecord, PlanRecord } from './wire.js';
export type { EmulatorOptions } from '../common/options.js';
export type { LoggedRequest } from '../common/api.js';

/** A running Autumn emulator; point autumn-js at it with `new Autumn({ secretKey, serverURL: url })`. */
export interface AutumnEmulator extends EmulatorCore<AutumnState> {
  /** Places plans, customers and entities in the state directly (and persists them). */
  seed(data: AutumnSeed): void;
}

/** Starts the Autumn API emulator on 127.0.0.1. */
export async function startAutumnEmulator(options: EmulatorOptions = {}): Promise<AutumnEmulator> {
  const now = options.now ?? Date.now;
  const store = new AutumnStore();
  const core = await startEmulatorCore(autumnApi(store, now), options);
  return {
    ...core,
    seed(data: AutumnSeed): void {
      seedAutumn(store, data, now);
      core.persist();
    },
  };
}

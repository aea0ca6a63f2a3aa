import type { LoggedRequest } from './api.js';
import type { FaultKind } from './faults.js';

/** Options shared by both emulators; every field is optional. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Requests per second per organisation (API key); 25 by default; 0 or less disables the limit. */
  rateLimit?: number;
  /** Share of requests, 0..1, that get an injected fault; 0 by default. */
  faultRate?: number;
  /** Seed of the fault PRNG; the same seed and request sequence yield the same faults. 1 by default. */
  faultSeed?: number;
  /** Fault kinds to draw from; all of them by default. */
  faultKinds?: readonly FaultKind[];
  /** Milliseconds added before answering every request; 0 by default. */
  latencyMs?: number;
  /** Milliseconds a `slow` fault holds a request back; 1500 by default. */
  slowMs?: number;
  /** Seconds in the Retry-After of an injected 429; 1 by default. */
  faultRetryAfterSeconds?: number;
  /** The only key accepted; when absent any non-empty Bearer key is accepted. */
  secretKey?: string;
  /** JSON file holding the whole state: loaded at start if present, rewritten atomically after each write. */
  statePath?: string;
  /** Most recent requests kept in the request log; 10000 by default. */
  maxLoggedRequests?: number;
  /** Clock in epoch milliseconds, for the rate limiter and timestamps; tests pass a frozen one. */
  now?: () => number;
  /** Called as each request is logged: handled (and any write stored), its answer not yet sent. Tests wait on it. */
  onRequest?: (request: LoggedRequest) => void;
}

/** EmulatorOptions with every default filled in. */
export interface ResolvedOptions {
  port: number;
  rateLimit: number;
  faultRate: number;
  faultSeed: number;
  faultKinds: readonly FaultKind[] | undefined;
  latencyMs: number;
  slowMs: number;
  faultRetryAfterSeconds: number;
  secretKey: string | undefined;
  statePath: string | undefined;
  maxLoggedRequests: number;
  now: () => number;
  onRequest: ((request: LoggedRequest) => void) | undefined;
}

/** Fills defaults and rejects values no emulator could honour. */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    port: options.port ?? 0,
    rateLimit: options.rateLimit ?? 25,
    faultRate: options.faultRate ?? 0,
    faultSeed: options.faultSeed ?? 1,
    faultKinds: options.faultKinds,
    latencyMs: options.latencyMs ?? 0,
    slowMs: options.slowMs ?? 1500,
    faultRetryAfterSeconds: options.faultRetryAfterSeconds ?? 1,
    secretKey: options.secretKey,
    statePath: options.statePath,
    maxLoggedRequests: options.maxLoggedRequests ?? 10_000,
    now: options.now ?? Date.now,
    onRequest: options.onRequest,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new RangeError(`port must be an integer between 0 and 65535, got ${resolved.port}`);
  }
  if (Number.isNaN(resolved.rateLimit)) throw new RangeError('rateLimit must be a number');
  if (!Number.isInteger(resolved.faultSeed))
    throw new RangeError(`faultSeed must be an integer, got ${resolved.faultSeed}`);
  for (const name of ['latencyMs', 'slowMs', 'faultRetryAfterSeconds', 'maxLoggedRequests'] as const) {
    const value = resolved[name];
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  return resolved;
}

import { setTimeout as delay } from 'node:timers/promises';

/** Time as the executor and the HTTP targets see it; tests pass a fake one so nothing sleeps for real. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: performance.now() and timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) {
      signal?.throwIfAborted();
      return;
    }
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
};

/** A source of uniform numbers in [0, 1), for jitter. */
export type Random = () => number;

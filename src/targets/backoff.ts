import type { Clock, Random } from '../util/clock.js';
import { TargetError } from './target.js';

/** How often and how patiently a failed request is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Ceiling of the first backoff; doubles each attempt. */
  baseMs: number;
  /** Largest backoff ceiling. */
  capMs: number;
  /** A Retry-After longer than this is cut to it, so one answer cannot stall an apply for hours. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 250, capMs: 20_000, maxRetryAfterMs: 60_000 };

/**
 * Wait before attempt `attempt + 1`: "full jitter" (a uniform draw below an exponentially growing
 * ceiling, which spreads retrying clients apart), and never less than the server's Retry-After.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: Random, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = random() * ceiling;
  return retryAfterMs === undefined ? jittered : Math.max(Math.min(retryAfterMs, policy.maxRetryAfterMs), jittered);
}

/**
 * Whether an error is worth another attempt: 429, 5xx, timeouts and dropped connections. Never a used
 * idempotency key: the same request would get the same answer.
 */
export function isRetryable(error: unknown): error is TargetError {
  return error instanceof TargetError && error.options.retryable === true && error.options.duplicate !== true;
}

export interface RetryRun {
  policy: RetryPolicy;
  clock: Clock;
  random: Random;
  /** Stops retrying (the last error is thrown) when aborted. */
  signal?: AbortSignal;
  onRetry?: (error: TargetError, attempt: number, waitMs: number) => void;
}

/** Runs `fn` until it succeeds, fails for good, or runs out of attempts; the last error is thrown. */
export async function retrying<T>(fn: (attempt: number) => Promise<T>, run: RetryRun): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= run.policy.maxAttempts || run.signal?.aborted) throw error;
      const wait = backoffMs(attempt, run.policy, run.random, error.options.retryAfterMs);
      run.onRetry?.(error, attempt, wait);
      try {
        await run.clock.sleep(wait, run.signal);
      } catch {
        throw error;
      }
    }
  }
}

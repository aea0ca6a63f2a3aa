/** Outcome of asking the limiter for one request. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (one key per organisation): holds up to `ratePerSecond` tokens and refills
 * continuously, so a burst of exactly the rate passes and the next request waits.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; a rate of 0 or less means no limit. */
  take(key: string): RateDecision {
    if (!(this.ratePerSecond > 0) || this.ratePerSecond === Infinity) return { ok: true };
    const at = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.ratePerSecond, updatedAt: at };
    const elapsedSeconds = Math.max(0, at - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.ratePerSecond, bucket.tokens + elapsedSeconds * this.ratePerSecond);
    bucket.updatedAt = at;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    // Retry-After carries whole seconds, so round the wait for the next token up.
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
    return { ok: false, retryAfterSeconds };
  }
}

import type { Clock } from './clock.js';

/**
 * A token bucket that hands out request slots: at most `burst` at once, then one every 1/rate
 * seconds. Each take() reserves its slot synchronously, so callers are served in call order.
 * (Implemented as GCRA: one "theoretical arrival time" instead of a token count.)
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private tat = -Infinity;

  constructor(
    readonly ratePerSecond: number,
    private readonly clock: Clock,
    readonly burst = Math.max(1, Math.floor(ratePerSecond / 5)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = (Math.max(1, burst) - 1) * this.intervalMs;
  }

  /** Milliseconds the next caller would wait; 0 when a slot is free now. */
  delayMs(): number {
    return Math.max(0, this.tat - this.toleranceMs - this.clock.now());
  }

  /** Waits for a slot; rejects (without consuming later slots) when `signal` aborts while waiting. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const start = Math.max(now, this.tat - this.toleranceMs);
    this.tat = Math.max(this.tat, now) + this.intervalMs;
    if (start > now) await this.clock.sleep(start - now, signal);
  }
}

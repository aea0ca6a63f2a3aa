import { mulberry32 } from './prng.js';

/** Every fault an emulator can inject, in the order the PRNG picks from. */
export const FAULT_KINDS = ['server_error', 'rate_limited', 'slow', 'drop_before_write', 'drop_after_write'] as const;

/**
 * - server_error: HTTP 500, nothing stored.
 * - rate_limited: HTTP 429 with Retry-After, nothing stored.
 * - slow: the response is held back, then the request proceeds normally.
 * - drop_before_write: the socket is destroyed and the write is not stored.
 * - drop_after_write: the write is stored, then the socket is destroyed without a response.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Returns the fault for the next request, or null; the same seed always yields the same sequence. */
export function faultSequence(
  rate: number,
  seed: number,
  kinds: readonly FaultKind[] = FAULT_KINDS,
): () => FaultKind | null {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`faultRate must be between 0 and 1, got ${rate}`);
  if (kinds.length === 0) throw new RangeError('faultKinds must name at least one fault kind');
  const random = mulberry32(seed);
  return () => {
    // Two draws per request, always, so the choice of kind never shifts later decisions.
    const roll = random();
    const pick = random();
    if (rate === 0 || roll >= rate) return null;
    return kinds[Math.floor(pick * kinds.length)] ?? null;
  };
}

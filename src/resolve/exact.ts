/*
 * Derived amounts (money and units) computed exactly or not at all. Inputs are safe integers (the schema caps
 * them at 2^53 - 1); a result beyond that range would be a rounded float in JSON, so it is refused instead:
 * these return undefined and validation reports the place that set the value.
 */

/** `ceil(units / per) * amount` minor units, exactly; undefined beyond the safe-integer range. */
export function overageCharge(units: number, price: { amount: number; per: number }): number | undefined {
  // units / per is never rounded onto another integer for units below 2^53, so the ceiling is exact; the
  // product of two non-negative integers is exact up to 2^53 - 1 and rounds to at least 2^53 past it.
  return safe(Math.ceil(units / price.per) * price.amount);
}

/** `a + b` for non-negative safe integers, exactly; undefined beyond the safe-integer range. */
export function exactAdd(a: number, b: number): number | undefined {
  return safe(a + b);
}

/** The sum of non-negative safe integers, exactly; undefined beyond the safe-integer range. */
export function exactSum(values: readonly number[]): number | undefined {
  let sum = 0;
  for (const v of values) {
    sum += v;
    // A sum of safe integers is exact up to 2^53 - 1, and rounds up past it, so one check per step suffices.
    if (!Number.isSafeInteger(sum)) return undefined;
  }
  return sum;
}

function safe(n: number): number | undefined {
  return Number.isSafeInteger(n) ? n : undefined;
}

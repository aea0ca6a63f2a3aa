/** Atomics.waitAsync (Node 20 has it; the ES2022 library this project compiles against does not declare it). */
const waitAsync = (
  Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeout?: number): { async: false; value: string } | { async: true; value: Promise<string> } }
).waitAsync;

/**
 * Resolves once `array[index]` is no longer `value` (another thread changed it and notified), or after
 * `timeoutMs`: a wait on the event, not a timer that guesses.
 */
export function changedFrom(array: Int32Array, index: number, value: number, timeoutMs: number): Promise<void> {
  const waited = waitAsync(array, index, value, timeoutMs);
  return waited.async ? waited.value.then(() => undefined) : Promise.resolve();
}

// HTTP details every API target reads the same way, whatever the billing system.

/** A response body as JSON; undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds or as an HTTP date, as milliseconds to wait; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowEpochMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}

/** Answers worth another attempt: a request timeout, a rate limit, a server error. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

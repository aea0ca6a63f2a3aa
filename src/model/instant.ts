// Instants in policies and on the command line: a date (00:00 UTC) or an RFC 3339 time, as epoch milliseconds.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of "2026-11-27" (00:00 UTC) or "2026-11-27T09:00:00+01:00"; undefined when not a real date or time. */
export function parseInstant(text: string): number | undefined {
  const date = DATE.exec(text);
  const time = date ? undefined : TIME.exec(text);
  const parts = date ?? time;
  if (!parts) return undefined;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Date.UTC rolls 2026-02-30 over into March: a date that does not exist is refused instead.
  const midnight = Date.UTC(year, month - 1, day);
  const check = new Date(midnight);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (date) return midnight;
  const [hour, minute, second] = [Number(time![4]), Number(time![5]), Number(time![6])];
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.parse(text.replace(' ', 'T').toUpperCase());
  return Number.isFinite(ms) ? ms : undefined;
}

/** "2026-11-27T00:00:00Z": RFC 3339 in UTC, milliseconds only when there are some. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** "2026-11-27" for a midnight, else the full UTC time: how messages name an instant. */
export function describeInstant(ms: number): string {
  const text = formatInstant(Math.floor(ms / 1000) * 1000);
  return text.endsWith('T00:00:00Z') ? text.slice(0, 10) : text;
}

export const DAY_MS = 86_400_000;

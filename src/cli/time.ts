import { parseInstant } from '../model/instant.js';
import { UsageError } from './errors.js';

/** The instant policies are resolved at, and how long before an exception or waiver ends it is warned about. */
export interface ResolveTime {
  at: number;
  expiryWarningDays?: number;
}

/**
 * The instant from `--at`, else TOLLGATE_AT, else now: a date (YYYY-MM-DD, 00:00 UTC) or an RFC 3339 time.
 * A value that is neither is a usage error naming where it came from.
 */
export function resolveTime(flag: string | undefined, env: NodeJS.ProcessEnv, expiryWarningDays: number | undefined, now = Date.now()): ResolveTime {
  const text = givenInstant(flag, env);
  const time: ResolveTime = { at: now };
  if (expiryWarningDays !== undefined) time.expiryWarningDays = expiryWarningDays;
  if (text === undefined) return time;
  const at = parseInstant(text);
  if (at === undefined) throw new UsageError(`${flag !== undefined ? '--at' : 'TOLLGATE_AT'} must be a date (2026-12-01, meaning 00:00 UTC) or an RFC 3339 time (2026-12-01T09:00:00Z); got "${text}".`);
  time.at = at;
  return time;
}

/** The instant given by `--at`, else TOLLGATE_AT, as written; undefined when neither is (then the time is now). */
export function givenInstant(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env.TOLLGATE_AT === undefined || env.TOLLGATE_AT === '' ? undefined : env.TOLLGATE_AT);
}

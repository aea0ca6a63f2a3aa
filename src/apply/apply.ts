import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { describeRef, isEmptyControls, type ObjectControls } from '../plan/objects.js';
import type { ObjectPlan, Plan } from '../plan/plan.js';
import { canonicalJson } from '../resolve/canonical.js';
import { TargetError, type Target } from '../targets/target.js';
import { DEFAULT_RETRY, isRetryable, retrying, type RetryPolicy } from '../targets/backoff.js';
import { systemClock, type Clock, type Random } from '../util/clock.js';

// The executor every target shares: one write per object, bounded concurrency, retries with backoff
// and jitter, an idempotency key per change, and a report of what was applied, failed or not attempted.
// Rate limits are enforced where requests are sent (the target's client), so reads made while
// resolving a conflict count against the same budget as writes.

export interface ObjectFailure {
  key: string;
  /** The target's message, which for an API includes the API's own error message. */
  message: string;
  attempts: number;
  status?: number;
  code?: string;
}

/** What apply did, object by object. */
export interface ApplyReport {
  applied: string[];
  failed: ObjectFailure[];
  notAttempted: string[];
  /** Why writes stopped before the end: Ctrl-C, or a failure no other write could get past (a refused key). */
  stopped?: 'interrupted' | 'fatal';
  /** Attempts beyond the first, over all objects. */
  retries: number;
}

/** A snapshot of a running apply, for progress displays. */
export interface ApplyProgress {
  total: number;
  done: number;
  applied: number;
  failed: number;
  inFlight: number;
  retries: number;
  elapsedMs: number;
}

export interface ApplyOptions {
  /** Writes in flight at once; by default enough to keep the target's rate limit busy. */
  concurrency?: number;
  /** When aborted: no new write starts and no retry is made; writes in flight finish and are reported. */
  signal?: AbortSignal;
  onProgress?: (progress: ApplyProgress) => void;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  /** Before an object's first write: a throw fails it (a fatal TargetError stops every write), e.g. a lost lock. */
  beforeWrite?: (object: ObjectPlan) => void;
  /** Once an object holds its planned state, before it counts as applied (a state backend records it); a throw fails it. */
  afterWrite?: (object: ObjectPlan) => Promise<void>;
}

/** The idempotency key of one object change: the same change to the same object always has the same key. */
export function idempotencyKey(plan: Plan, object: ObjectPlan): string {
  return createHash('sha256').update(`${plan.policyDigest}|${object.key}|${object.fingerprint}|${JSON.stringify(object.after)}`).digest('hex').slice(0, 32);
}

/** Whether two control sets hold the same thing (an empty set and no set are the same). */
export function sameControls(a: ObjectControls | null | undefined, b: ObjectControls | null | undefined): boolean {
  if (isEmptyControls(a) || isEmptyControls(b)) return isEmptyControls(a) && isEmptyControls(b);
  return canonicalJson(a) === canonicalJson(b);
}

function defaultConcurrency(target: Target): number {
  return target.rateLimit === undefined ? 8 : Math.min(64, Math.max(4, Math.ceil(target.rateLimit)));
}

/** Writes every object of a plan; a failed object does not stop the others. Throws only if the final flush fails. */
export async function applyPlan(plan: Plan, target: Target, options: ApplyOptions = {}): Promise<ApplyReport> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const limit = pLimit(options.concurrency ?? defaultConcurrency(target));
  const started = clock.now();
  const report: ApplyReport = { applied: [], failed: [], notAttempted: [], retries: 0 };
  const total = plan.objects.length;
  let inFlight = 0;
  let fatal = false;

  const progress = (): void =>
    options.onProgress?.({
      total,
      done: report.applied.length + report.failed.length + report.notAttempted.length,
      applied: report.applied.length,
      failed: report.failed.length,
      inFlight,
      retries: report.retries,
      elapsedMs: clock.now() - started,
    });

  const fail = (object: ObjectPlan, error: unknown, attempts: number, note = ''): void => {
    const failure: ObjectFailure = { key: object.key, message: messageOf(error) + note, attempts };
    if (error instanceof TargetError) {
      if (error.options.status !== undefined) failure.status = error.options.status;
      if (error.options.code !== undefined) failure.code = error.options.code;
    }
    report.failed.push(failure);
  };

  /** Written, but held only once the target flushes. */
  const unflushed: Array<{ object: ObjectPlan; attempts: number }> = [];

  /** An object that holds its planned state counts as applied once `afterWrite` has taken it in. */
  const landed = async (object: ObjectPlan, attempts: number, flushed = false): Promise<void> => {
    if (target.persistsOnFlush === true && !flushed) {
      unflushed.push({ object, attempts });
      return;
    }
    try {
      await options.afterWrite?.(object);
      report.applied.push(object.key);
    } catch (error) {
      if (error instanceof TargetError && error.options.fatal) fatal = true;
      fail(object, error, attempts);
    }
  };

  /** An earlier attempt with this key may have been stored: the object's live state says whether it was. */
  const resolveDuplicate = async (object: ObjectPlan, error: TargetError, attempts: number): Promise<void> => {
    try {
      const live = (await target.read([object.key])).get(object.key) ?? null;
      if (sameControls(live?.controls, object.after)) return await landed(object, attempts);
      const note = `; ${describeRef(object.ref)} does not hold the planned state, so it changed since; re-plan and apply again`;
      fail(object, error, attempts, note);
    } catch (readError) {
      fail(object, error, attempts, `; re-reading ${describeRef(object.ref)} to check failed: ${messageOf(readError)}`);
    }
  };

  const writeOne = async (object: ObjectPlan): Promise<void> => {
    if (options.signal?.aborted || fatal) {
      report.notAttempted.push(object.key);
      progress();
      return;
    }
    inFlight++;
    const key = idempotencyKey(plan, object);
    let attempts = 0;
    const onRetry = (): void => {
      report.retries++;
      progress();
    };
    /** Tries one request until it succeeds or gives up; `attempts` is the most any request of the object took. */
    const tried = async (send: (n: number) => Promise<void>): Promise<void> => {
      const attempt = async (n: number): Promise<void> => {
        attempts = Math.max(attempts, n);
        try {
          await send(n);
        } catch (error) {
          if (error instanceof TargetError && error.options.fatal) fatal = true;
          throw error;
        }
      };
      await retrying(attempt, { policy, clock, random, signal: options.signal, onRetry });
    };
    try {
      options.beforeWrite?.(object);
      if (target.calls !== undefined && target.send !== undefined) {
        for (const call of target.calls(object)) {
          try {
            await tried((n) => target.send!(call, { idempotencyKey: `${key}.${call.name}`, attempt: n }));
          } catch (error) {
            if (error instanceof TargetError) throw new TargetError(`${call.name}: ${error.message}`, error.options);
            throw error;
          }
        }
      } else if (target.write !== undefined) {
        await tried((n) => target.write!(object, { idempotencyKey: key, attempt: n }));
      } else {
        throw new Error(`target ${target.name} has neither write nor calls and send`);
      }
      await landed(object, attempts);
    } catch (error) {
      if (error instanceof TargetError && error.options.fatal) fatal = true;
      if (error instanceof TargetError && error.options.duplicate) return await resolveDuplicate(object, error, attempts);
      // retrying gives up early on a retryable error only when the apply is interrupted
      if (isRetryable(error) && attempts < policy.maxAttempts) return fail(object, error, attempts, '; not retried: interrupted');
      return fail(object, error, attempts, attempts > 1 ? ` (after ${attempts} attempts)` : '');
    } finally {
      inFlight--;
      progress();
    }
  };

  await Promise.all(plan.objects.map((object) => limit(writeOne, object)));
  await target.flush();
  for (const { object, attempts } of unflushed) await landed(object, attempts, true);
  if (report.notAttempted.length > 0) report.stopped = fatal ? 'fatal' : 'interrupted';
  else if (options.signal?.aborted) report.stopped = 'interrupted';
  report.applied.sort();
  report.failed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  report.notAttempted.sort();
  return report;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Plan, ObjectPlan } from '../plan/plan.js';
import type { Target } from '../targets/target.js';

export interface ObjectFailure {
  key: string;
  message: string;
}

/** What apply did, object by object. */
export interface ApplyReport {
  applied: string[];
  failed: ObjectFailure[];
  notAttempted: string[];
}

export interface ApplyOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, last: { key: string; ok: boolean }) => void;
}

/** The idempotency key of one object change: the same change to the same object always has the same key. */
export function idempotencyKey(plan: Plan, object: ObjectPlan): string {
  return createHash('sha256').update(`${plan.policyDigest}|${object.key}|${object.fingerprint}|${JSON.stringify(object.after)}`).digest('hex').slice(0, 32);
}

/** Writes every object of a plan; a failed object does not stop the others. */
export async function applyPlan(plan: Plan, target: Target, options: ApplyOptions = {}): Promise<ApplyReport> {
  const limit = pLimit(options.concurrency ?? 8);
  const report: ApplyReport = { applied: [], failed: [], notAttempted: [] };
  let done = 0;
  const total = plan.objects.length;
  await Promise.all(
    plan.objects.map((object) =>
      limit(async () => {
        if (options.signal?.aborted) {
          report.notAttempted.push(object.key);
          return;
        }
        try {
          await target.write(object, { idempotencyKey: idempotencyKey(plan, object), signal: options.signal });
          report.applied.push(object.key);
          options.onProgress?.(++done, total, { key: object.key, ok: true });
        } catch (error) {
          report.failed.push({ key: object.key, message: error instanceof Error ? error.message : String(error) });
          options.onProgress?.(++done, total, { key: object.key, ok: false });
        }
      }),
    ),
  );
  await target.flush();
  report.applied.sort();
  report.failed.sort((a, b) => (a.key < b.key ? -1 : 1));
  report.notAttempted.sort();
  return report;
}

import type { Plan } from '../plan/plan.js';
import { TargetError, type Target } from '../targets/target.js';
import { recordWritten } from './apply-record.js';
import type { Lock, StateBackend } from './backend.js';

/**
 * The target as the executor should see it during an apply: each confirmed write is recorded in the
 * backend before the write counts as done. When recording fails (the backend went away) or the apply lock
 * is lost, writing stops: that object is reported failed ("written, not recorded"), no new write starts,
 * and the next apply re-records it from the live state (see `unrecorded`).
 */
export function recordingTarget(target: Target, backend: StateBackend, plan: Plan, context: { applyId: string; planDigest: string; lock?: Lock }): Target {
  const write: Target['write'] = async (object, ctx) => {
    const lost = context.lock?.lost();
    if (lost !== undefined) throw new TargetError(`not written: the apply lock was lost (${lost}); another apply may hold it now`, { fatal: true });
    await target.write(object, ctx);
    try {
      await recordWritten(backend, plan, object, context);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TargetError(`written, but not recorded in the state backend: ${reason}`, { fatal: true });
    }
  };
  // a Proxy rather than a copy: the target's other members (and any added later) pass through unchanged
  return new Proxy(target, {
    get(t, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(t, property, t);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

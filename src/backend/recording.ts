import type { ApplyOptions } from '../apply/apply.js';
import type { Plan } from '../plan/plan.js';
import { TargetError } from '../targets/target.js';
import { recordWritten } from './apply-record.js';
import type { Lock, StateBackend } from './backend.js';

/**
 * The executor's hooks that keep the backend true during an apply: each object that holds its planned state is
 * recorded before it counts as applied. When recording fails (the backend went away) or the apply lock is lost,
 * writing stops: that object is reported failed ("written, not recorded"), no new write starts, and the next
 * apply re-records it from the live state (see `unrecorded`).
 */
export function recordingHooks(backend: StateBackend, plan: Plan, context: { applyId: string; planDigest: string; lock?: Lock }): Required<Pick<ApplyOptions, 'beforeWrite' | 'afterWrite'>> {
  return {
    beforeWrite: () => {
      const lost = context.lock?.lost();
      if (lost !== undefined) throw new TargetError(`not written: the apply lock was lost (${lost}); another apply may hold it now`, { fatal: true });
    },
    afterWrite: async (object) => {
      try {
        await recordWritten(backend, plan, object, context);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new TargetError(`written, but not recorded in the state backend: ${reason}`, { fatal: true });
      }
    },
  };
}

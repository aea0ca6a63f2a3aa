export { UsageError, UserError } from '../util/errors.js';

/** Exit codes of SPEC §7. */
export const EXIT = { ok: 0, failed: 1, changes: 2, usage: 64 } as const;

/** Exit codes of SPEC §7. */
export const EXIT = { ok: 0, failed: 1, changes: 2, usage: 64 } as const;

/** Wrong command-line usage: exit 64 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can fix: exit 1 with the message alone, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}

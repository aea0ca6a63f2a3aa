/** Wrong usage of a command or of the engine API (an unknown target, a bad option): the CLI exits 64 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can fix: shown as the message alone, no stack; the CLI exits 1. */
export class UserError extends Error {
  override name = 'UserError';
}

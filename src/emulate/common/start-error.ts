/** Why an emulator could not start (its port is taken, its state file is unusable): the user's to fix, not a bug. */
export class EmulatorStartError extends Error {
  override name = 'EmulatorStartError';
  constructor(
    message: string,
    /** What to change: the port, or the state file. */
    readonly subject: 'port' | 'state-file',
  ) {
    super(message);
  }
}

import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

/** `tollgate emulate autumn|owostack`: serves until interrupted. */
export async function emulateCommand(api: 'autumn' | 'owostack', _opts: Record<string, string | undefined>, _io: CliIO): Promise<number> {
  throw new UsageError(`the ${api} emulator is not wired up yet`);
}

import { describeHolder } from '../../backend/index.js';
import { endpointOf, type TargetSettings } from '../../targets/index.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import { UserError } from '../errors.js';
import type { CliIO } from '../io.js';

export interface UnlockOptions {
  target: TargetSettings;
  backend: BackendSetting;
  force: boolean;
}

/** `tollgate unlock`: clears an apply lock whose holder is gone; refuses while the holder may still run. */
export async function unlockCommand(options: UnlockOptions, io: CliIO): Promise<number> {
  const target = { name: options.target.name, endpoint: endpointOf(options.target) };
  const backend = await openTargetBackend(options.backend, target, undefined, { forceUnlock: options.force });
  try {
    const result = await backend.unlock();
    const where = `${target.name} at ${target.endpoint}`;
    if (result.status === 'held') throw new UserError(result.message);
    if (result.status === 'free') io.out(`No apply lock is held on ${where}; nothing to do.\n`);
    else io.out(`Cleared the apply lock on ${where}${result.holder ? `, left by ${describeHolder(result.holder)}` : ''}.\n`);
    return 0;
  } finally {
    await backend.close();
  }
}

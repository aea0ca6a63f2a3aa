import path from 'node:path';
import { UsageError } from '../cli/errors.js';
import { LocalTarget } from './local/local-target.js';
import { OWOSTACK_KEY_VARIABLE } from './owostack/client.js';
import { OwostackTarget } from './owostack/owostack-target.js';
import type { Target } from './target.js';

export const TARGET_NAMES = ['local', 'autumn', 'owostack'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface TargetSettings {
  name: string;
  /** Local: the state file. Remote: the API base URL. */
  endpoint?: string;
  env: NodeJS.ProcessEnv;
  /** Allows production keys (autumn `am_sk_live_`). */
  live?: boolean;
}

/** The default local state file. */
export const DEFAULT_LOCAL_STATE = path.join('.tollgate', 'local', 'state.json');

/** Builds a target from settings; unknown names are usage errors. */
export function createTarget(settings: TargetSettings): Target {
  switch (settings.name) {
    case 'local':
      return new LocalTarget(settings.endpoint ?? DEFAULT_LOCAL_STATE);
    case 'owostack':
      return new OwostackTarget({ endpoint: settings.endpoint, secretKey: settings.env[OWOSTACK_KEY_VARIABLE] });
    case 'autumn':
      throw new UsageError(`Target "${settings.name}" is not available in this build yet; use --target local.`);
    default:
      throw new UsageError(`Unknown target "${settings.name}"; choose one of ${TARGET_NAMES.join(', ')}.`);
  }
}

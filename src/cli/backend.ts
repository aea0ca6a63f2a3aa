import path from 'node:path';
import { openBackend, selectBackend, type StateBackend } from '../backend/index.js';
import { redactUrl } from '../backend/postgres-url.js';
import type { Target } from '../targets/target.js';
import { UsageError } from './errors.js';

/** The backend setting of this run and where it came from: --backend, else TOLLGATE_BACKEND, else tollgate.yaml "backend". */
export interface BackendSetting {
  value?: string;
  from?: string;
}

/** Picks the backend setting by precedence; a password written into tollgate.yaml is refused (the file is committed). */
export function backendSetting(flag: string | undefined, env: NodeJS.ProcessEnv, config: { backend?: string }): BackendSetting {
  if (flag !== undefined) return { value: flag, from: '--backend' };
  if (env.TOLLGATE_BACKEND !== undefined && env.TOLLGATE_BACKEND.trim() !== '') return { value: env.TOLLGATE_BACKEND, from: 'TOLLGATE_BACKEND' };
  if (config.backend === undefined) return {};
  if (redactUrl(config.backend) !== config.backend) {
    throw new UsageError(
      `tollgate.yaml "backend" holds a password (${redactUrl(config.backend)}), and tollgate.yaml is committed: remove it from the URL and set PGPASSWORD in the environment instead.`,
    );
  }
  return { value: config.backend, from: 'tollgate.yaml "backend"' };
}

/**
 * Opens the state backend for this target's scope (target name and endpoint). The file backend lives under
 * `<home>/.tollgate/` (a saved plan's working directory, else the current one).
 */
export async function openTargetBackend(setting: BackendSetting, target: Pick<Target, 'name' | 'endpoint'>, home?: string, options: { forceUnlock?: boolean } = {}): Promise<StateBackend> {
  const selection = selectBackend(setting.value);
  return openBackend(selection, scopeOf(target, home), { stateDir: path.join(home ?? '.', '.tollgate'), ...options });
}

/** The scope of a target: its name and endpoint; a local state file is named relative to the home, so that a plan and its apply agree from any folder. */
function scopeOf(target: Pick<Target, 'name' | 'endpoint'>, home?: string): { target: string; endpoint: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target.endpoint)) return { target: target.name, endpoint: target.endpoint };
  const relative = path.relative(path.resolve(home ?? '.'), path.resolve(target.endpoint)).split(path.sep).join('/');
  return { target: target.name, endpoint: relative };
}

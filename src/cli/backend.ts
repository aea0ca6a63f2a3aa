import path from 'node:path';
import { openBackend, selectBackend, type StateBackend } from '../backend/index.js';
import type { Target } from '../targets/target.js';
import type { BackendSetting } from './backend-setting.js';

export { backendSetting, type BackendSetting } from './backend-setting.js';

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

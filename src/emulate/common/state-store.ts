import { readJsonFile, writeFileAtomic } from './state-file.js';
import { EmulatorStartError } from './start-error.js';

/** Version of the state file layout; bump on incompatible changes. */
export const STATE_FORMAT_VERSION = 1;

/** What a state file holds besides the API's own state. */
export interface LoadedState {
  state: unknown;
  idempotencyKeys: string[];
}

/** Loads an emulator state file; undefined when absent, an EmulatorStartError when it belongs to another API or is malformed. */
export function loadStateFile(path: string, api: string): LoadedState | undefined {
  const data = readJsonFile(path);
  if (data === undefined) return undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new EmulatorStartError(`State file ${path} does not hold an emulator state object`, 'state-file');
  }
  const file = data as Record<string, unknown>;
  if (file.formatVersion === undefined || file.api === undefined) {
    throw new EmulatorStartError(`State file ${path} is not an emulator state file: it has no formatVersion and api`, 'state-file');
  }
  if (file.formatVersion !== STATE_FORMAT_VERSION) {
    throw new EmulatorStartError(`State file ${path} has formatVersion ${String(file.formatVersion)}, expected ${STATE_FORMAT_VERSION}`, 'state-file');
  }
  if (file.api !== api) {
    throw new EmulatorStartError(`State file ${path} holds the ${String(file.api)} emulator's state, not the ${api} emulator's`, 'state-file');
  }
  const keys = file.idempotencyKeys ?? [];
  if (!Array.isArray(keys) || !keys.every((key): key is string => typeof key === 'string')) {
    throw new EmulatorStartError(`State file ${path}: idempotencyKeys must be an array of strings`, 'state-file');
  }
  return { state: file.state, idempotencyKeys: keys };
}

/** Writes an emulator state file atomically. */
export function saveStateFile(path: string, api: string, state: unknown, idempotencyKeys: string[]): void {
  const file = { formatVersion: STATE_FORMAT_VERSION, api, state, idempotencyKeys };
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}

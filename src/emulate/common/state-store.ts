import { readJsonFile, writeFileAtomic } from './state-file.js';

/** Version of the state file layout; bump on incompatible changes. */
export const STATE_FORMAT_VERSION = 1;

/** What a state file holds besides the API's own state. */
export interface LoadedState {
  state: unknown;
  idempotencyKeys: string[];
}

/** Loads an emulator state file; undefined when absent, throws when it belongs to another API or is malformed. */
export function loadStateFile(path: string, api: string): LoadedState | undefined {
  const data = readJsonFile(path);
  if (data === undefined) return undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`State file ${path} does not hold an emulator state object`);
  }
  const file = data as Record<string, unknown>;
  if (file.formatVersion !== STATE_FORMAT_VERSION) {
    throw new Error(
      `State file ${path} has formatVersion ${String(file.formatVersion)}, expected ${STATE_FORMAT_VERSION}`,
    );
  }
  if (file.api !== api) {
    throw new Error(`State file ${path} belongs to the ${String(file.api)} emulator, not ${api}`);
  }
  const keys = file.idempotencyKeys ?? [];
  if (!Array.isArray(keys) || !keys.every((key): key is string => typeof key === 'string')) {
    throw new Error(`State file ${path}: idempotencyKeys must be an array of strings`);
  }
  return { state: file.state, idempotencyKeys: keys };
}

/** Writes an emulator state file atomically. */
export function saveStateFile(path: string, api: string, state: unknown, idempotencyKeys: string[]): void {
  const file = { formatVersion: STATE_FORMAT_VERSION, api, state, idempotencyKeys };
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserError } from './errors.js';

/** Project settings from tollgate.yaml at the repository root; flags beat them. */
export interface ProjectConfig {
  dir?: string;
  target?: string;
  state?: string;
  endpoint?: string;
}

const KEYS = ['dir', 'target', 'state', 'endpoint'] as const;

/** Reads tollgate.yaml from the current directory, if there is one. */
export function readConfig(file = 'tollgate.yaml'): ProjectConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new UserError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file}: expected a mapping of settings (${KEYS.join(', ')}).`);
  const config: ProjectConfig = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new UserError(`${file}: unknown setting "${key}"; known settings: ${KEYS.join(', ')}.`);
    if (typeof v !== 'string') throw new UserError(`${file}: "${key}" must be a string.`);
    config[key as (typeof KEYS)[number]] = v;
  }
  return config;
}

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { TargetError } from '../target.js';

/**
 * Nothing on Owostack says which overrides tollgate set (`GET /customers` lists customers without their
 * billing, and has no marker), so the objects tollgate manages there (those whose overrides a removed
 * policy must clear) are kept in this file, per API base URL. CI must keep it between runs.
 */
export const DEFAULT_MANAGED_FILE = path.join('.tollgate', 'owostack', 'managed.json');

interface ManagedFile {
  formatVersion: 1;
  /** Object keys ("customer:cust_123") by endpoint. */
  endpoints: Record<string, string[]>;
}

/** Reads the whole managed-set file; an absent file is an empty set. */
export function readManaged(file: string): ManagedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { formatVersion: 1, endpoints: {} };
    throw new TargetError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TargetError(`${file} is not valid JSON; restore it from where CI keeps it, or delete it (tollgate then forgets which removed customers to clear).`);
  }
  const value = parsed as Partial<ManagedFile> | null;
  const endpoints = value?.endpoints;
  const valid =
    value?.formatVersion === 1 &&
    typeof endpoints === 'object' &&
    endpoints !== null &&
    Object.values(endpoints).every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string'));
  if (!valid) throw new TargetError(`${file} is not a tollgate managed-set file of formatVersion 1.`);
  return { formatVersion: 1, endpoints: Object.fromEntries(Object.entries(endpoints)) };
}

/** The keys managed at one endpoint. */
export function managedAt(file: string, endpoint: string): string[] {
  const endpoints = readManaged(file).endpoints;
  return Object.hasOwn(endpoints, endpoint) ? [...endpoints[endpoint]!].sort() : [];
}

/** Adds and removes keys of one endpoint, re-reading the file first; written atomically. */
export async function updateManaged(file: string, endpoint: string, holds: ReadonlyMap<string, boolean>): Promise<void> {
  const current = readManaged(file);
  const keys = new Set(Object.hasOwn(current.endpoints, endpoint) ? current.endpoints[endpoint] : []);
  for (const [key, held] of holds) {
    if (held) keys.add(key);
    else keys.delete(key);
  }
  const endpoints: Record<string, string[]> = {};
  const all = { ...current.endpoints, [endpoint]: [...keys].sort() };
  for (const name of Object.keys(all).sort()) if (all[name]!.length > 0) endpoints[name] = all[name]!;
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify({ formatVersion: 1, endpoints }, null, 2) + '\n');
}

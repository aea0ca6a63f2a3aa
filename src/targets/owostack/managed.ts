import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TargetError } from '../target.js';

// Before the state backend, tollgate kept the customers it manages on Owostack in this file (nothing on
// Owostack says which overrides tollgate set). It is read, never written, so that the customers it lists
// are not forgotten; the state backend records them from the next apply on.

/** Where tollgate versions before the state backend kept Owostack's managed set. */
export const LEGACY_MANAGED_FILE = path.join('.tollgate', 'owostack', 'managed.json');

interface ManagedFile {
  formatVersion: 1;
  /** Object keys ("customer:cust_123") by endpoint. */
  endpoints: Record<string, string[]>;
  /** The plan each managed customer was on when written, by endpoint and key. */
  plans?: Record<string, Record<string, string>>;
}

/** One endpoint's managed set in the legacy file: the keys, and the plan each was written with where known. */
export interface LegacyManagedSet {
  keys: string[];
  plans: Map<string, string>;
}

function readManaged(file: string): ManagedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TargetError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TargetError(`${file} is not valid JSON; restore it, or delete it (tollgate then forgets which removed customers it lists to clear).`);
  }
  const value = parsed as Partial<ManagedFile> | null;
  const endpoints = value?.endpoints;
  const plans = value?.plans;
  const valid =
    value?.formatVersion === 1 &&
    typeof endpoints === 'object' &&
    endpoints !== null &&
    Object.values(endpoints).every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string')) &&
    (plans === undefined ||
      (typeof plans === 'object' && plans !== null && Object.values(plans).every((byKey) => typeof byKey === 'object' && byKey !== null && Object.values(byKey).every((p) => typeof p === 'string'))));
  if (!valid) throw new TargetError(`${file} is not a tollgate managed-set file of formatVersion 1.`);
  return value as ManagedFile;
}

/** The keys the legacy file lists for one endpoint, and their plans; empty when there is no file. */
export function legacyManagedAt(file: string, endpoint: string): LegacyManagedSet {
  const managed = readManaged(file);
  if (managed === undefined) return { keys: [], plans: new Map() };
  const keys = Object.hasOwn(managed.endpoints, endpoint) ? [...managed.endpoints[endpoint]!].sort() : [];
  const byKey = managed.plans !== undefined && Object.hasOwn(managed.plans, endpoint) ? managed.plans[endpoint]! : {};
  return { keys, plans: new Map(keys.filter((k) => Object.hasOwn(byKey, k)).map((k) => [k, byKey[k]!])) };
}

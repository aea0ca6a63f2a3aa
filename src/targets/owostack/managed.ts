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
  /**
   * The plan each managed customer was on when written, by endpoint and key: Owostack does not say, and a
   * removed customer's plan gives its removal a currency and an exposure. Absent in files of older versions.
   */
  plans?: Record<string, Record<string, string>>;
}

/** One endpoint's managed set: the keys, and the plan each was written with where known. */
export interface ManagedSet {
  keys: string[];
  plans: Map<string, string>;
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
  const plans = value.plans;
  const validPlans =
    plans === undefined ||
    (typeof plans === 'object' && plans !== null && Object.values(plans).every((byKey) => typeof byKey === 'object' && byKey !== null && Object.values(byKey).every((p) => typeof p === 'string')));
  if (!validPlans) throw new TargetError(`${file} is not a tollgate managed-set file of formatVersion 1 (its "plans" are not plan ids by key).`);
  const out: ManagedFile = { formatVersion: 1, endpoints: Object.fromEntries(Object.entries(endpoints)) };
  if (plans !== undefined) out.plans = Object.fromEntries(Object.entries(plans));
  return out;
}

/** The keys managed at one endpoint, and their plans. */
export function managedAt(file: string, endpoint: string): ManagedSet {
  const { endpoints, plans } = readManaged(file);
  const keys = Object.hasOwn(endpoints, endpoint) ? [...endpoints[endpoint]!].sort() : [];
  const byKey = plans !== undefined && Object.hasOwn(plans, endpoint) ? plans[endpoint]! : {};
  return { keys, plans: new Map(keys.filter((k) => Object.hasOwn(byKey, k)).map((k) => [k, byKey[k]!])) };
}

/** Adds and removes keys of one endpoint (with the plan each was written with), re-reading the file first; written atomically. */
export async function updateManaged(file: string, endpoint: string, holds: ReadonlyMap<string, boolean>, plansOf: ReadonlyMap<string, string> = new Map()): Promise<void> {
  const current = readManaged(file);
  const keys = new Set(Object.hasOwn(current.endpoints, endpoint) ? current.endpoints[endpoint] : []);
  const known = new Map(Object.entries(current.plans !== undefined && Object.hasOwn(current.plans, endpoint) ? current.plans[endpoint]! : {}));
  for (const [key, held] of holds) {
    if (held) keys.add(key);
    else keys.delete(key);
  }
  for (const [key, plan] of plansOf) known.set(key, plan);
  const endpoints: Record<string, string[]> = {};
  const plans: Record<string, Record<string, string>> = {};
  const all = { ...current.endpoints, [endpoint]: [...keys].sort() };
  const allPlans = { ...current.plans, [endpoint]: Object.fromEntries([...keys].sort().flatMap((k) => (known.has(k) ? [[k, known.get(k)!]] : []))) };
  for (const name of Object.keys(all).sort()) {
    if (all[name]!.length === 0) continue;
    endpoints[name] = all[name]!;
    if (allPlans[name] !== undefined && Object.keys(allPlans[name]!).length > 0) plans[name] = allPlans[name]!;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify({ formatVersion: 1, endpoints, plans }, null, 2) + '\n');
}

import { readFileSync } from 'node:fs';
import { readsUsage, type UsageInput } from '../engine/plan.js';
import { parseUsageFile, type UsageTable } from '../impact/usage.js';
import type { Target } from '../targets/target.js';
import { UserError } from './errors.js';
import { ExitError } from './exit.js';
import type { CliIO } from './io.js';

/** Most problems of a usage file printed; the count says how many more there are. */
const SHOWN_PROBLEMS = 20;

/** Reads and parses a usage file; its problems go to stderr as file:line lines and the command exits 1. */
export function readUsageFile(file: string, io: CliIO): UsageTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read the usage file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const parsed = parseUsageFile(text, file);
  if (parsed.table) return parsed.table;
  for (const line of parsed.errors.slice(0, SHOWN_PROBLEMS)) io.err(`${line}\n`);
  const more = parsed.errors.length - SHOWN_PROBLEMS;
  io.err(`${more > 0 ? `…and ${more} more. ` : ''}The usage file ${file} has ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'}; nothing was planned.\n`);
  throw new ExitError(1);
}

/** `--usage live|FILE|none` for a plan against this target: live by default where the target reads usage. */
export function usageInput(flag: string | undefined, target: Target, io: CliIO): UsageInput {
  const value = flag ?? (readsUsage(target) ? 'live' : 'none');
  if (value === 'none') return { kind: 'none' };
  if (value === 'live') {
    if (!readsUsage(target)) throw new UserError(`Target ${target.name} does not report usage; give a file with --usage FILE (CSV customer,entity,feature,usage or JSON), or --usage none.`);
    return { kind: 'live' };
  }
  return { kind: 'file', file: value, table: readUsageFile(value, io) };
}

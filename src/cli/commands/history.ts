import type { HistoryEntry } from '../../backend/index.js';
import { endpointOf, type TargetSettings } from '../../targets/index.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import { UserError } from '../errors.js';
import type { CliIO } from '../io.js';

export interface HistoryOptions {
  id?: string;
  limit: number;
  format: 'text' | 'json';
  target: TargetSettings;
  backend: BackendSetting;
}

/** `tollgate history [<id>]`: the applies made against a target, newest first, or one apply with its per-object outcomes. */
export async function historyCommand(options: HistoryOptions, io: CliIO): Promise<number> {
  const target = { name: options.target.name, endpoint: endpointOf(options.target) };
  const backend = await openTargetBackend(options.backend, target);
  let entries: HistoryEntry[];
  try {
    entries = await backend.history(options.id === undefined ? { limit: options.limit } : { id: options.id });
  } finally {
    await backend.close();
  }
  const where = `${target.name} at ${target.endpoint}`;
  if (options.id !== undefined && entries.length === 0) {
    throw new UserError(`No apply ${options.id} in the history of ${where} (state in ${backend.location}); run tollgate history to list them.`);
  }
  if (options.format === 'json') {
    io.out(JSON.stringify(options.id === undefined ? entries : entries[0], null, 2) + '\n');
    return 0;
  }
  if (options.id !== undefined) {
    io.out(detailText(entries[0]!));
    return 0;
  }
  if (entries.length === 0) {
    io.out(`No applies recorded against ${where} (state in ${backend.location}).\n`);
    return 0;
  }
  const lines = [`Applies against ${where}, newest first:`];
  for (const e of entries) lines.push(`  ${e.id}  ${when(e)}  ${e.result.padEnd(11)}  ${counts(e)}  ${who(e)}`);
  lines.push('', 'Show one with: tollgate history <id>');
  io.out(lines.join('\n') + '\n');
  return 0;
}

function when(e: HistoryEntry): string {
  const start = e.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (e.finishedAt === undefined) return `${start} (did not finish)`;
  const seconds = (Date.parse(e.finishedAt) - Date.parse(e.startedAt)) / 1000;
  return `${start} (${seconds.toFixed(1)} s)`;
}

function counts(e: HistoryEntry): string {
  return e.counts === undefined ? 'counts unknown' : `${e.counts.applied} applied, ${e.counts.failed} failed, ${e.counts.notAttempted} not attempted`;
}

function who(e: HistoryEntry): string {
  return `${e.actor}${e.commit === undefined ? '' : ` @ ${e.commit.slice(0, 12)}`}`;
}

function detailText(e: HistoryEntry): string {
  const lines = [
    `Apply ${e.id} against ${e.target} at ${e.endpoint}`,
    `  result:   ${e.result}${e.result === 'unfinished' ? ' (the process stopped before it could record its end; the objects below are those whose records it wrote)' : ''}`,
    `  started:  ${e.startedAt}${e.finishedAt === undefined ? '' : `, finished ${e.finishedAt}`}`,
    `  by:       ${e.actor} on ${e.host}${e.commit === undefined ? '' : `, commit ${e.commit}`}`,
    `  policies: ${e.policyDigest}${e.planDigest === undefined ? '' : `; plan ${e.planDigest}`}`,
  ];
  if (e.counts !== undefined) lines.push(`  objects:  ${counts(e)}`);
  const outcomes = e.outcomes ?? [];
  if (outcomes.length > 0) {
    lines.push('');
    for (const o of outcomes) lines.push(`  ${o.outcome.padEnd(13)} ${o.key}${o.message === undefined ? '' : `: ${o.message}`}`);
  }
  return lines.join('\n') + '\n';
}

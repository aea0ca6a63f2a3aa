import pc from 'picocolors';
import { remembered } from '../../engine/state.js';
import { driftCount, driftMarkdownLines, driftTextLines } from '../../plan/format/drift.js';
import { escapeMd } from '../../plan/format/markdown.js';
import type { Plan } from '../../plan/plan.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import type { ResolveTime } from '../time.js';
import { planPrinting } from '../pipeline.js';

export interface DriftOptions {
  dir: string;
  target: TargetSettings;
  backend: BackendSetting;
  format: 'text' | 'markdown' | 'json';
  detailedExitcode: boolean;
  /** The instant to resolve at, and the warning window of exceptions and waivers. */
  time?: ResolveTime;
}

/**
 * `tollgate drift`: only what changed outside tollgate since its last apply, and the exceptions and waivers that have
 * lapsed or lapse within their warning window; exit 2 with --detailed-exitcode when there is any.
 */
export async function driftCommand(options: DriftOptions, io: CliIO): Promise<number> {
  const analysis = loadValid(options.dir, io, { digest: true, ...options.time, guardrailsLater: true });
  const target = createTarget(options.target);
  const backend = await openTargetBackend(options.backend, target);
  let plan: Plan;
  try {
    plan = (await planPrinting(analysis, target, io, await remembered(backend))).plan;
  } finally {
    await backend.close();
  }
  const drift = plan.drift ?? [];
  const lapsing = plan.lapsing ?? [];
  const where = `${target.name} at ${target.endpoint}`;
  const none = `No drift on ${where}: every object tollgate manages holds what it last applied.`;
  if (options.format === 'json') {
    io.out(JSON.stringify({ target: plan.target, ...(plan.asOf === undefined ? {} : { asOf: plan.asOf }), drift, lapsing }, null, 2) + '\n');
  } else if (options.format === 'markdown') {
    const lines = ['### tollgate drift', ''];
    if (drift.length === 0) lines.push(none, '');
    else lines.push(`Target \`${target.name}\` at \`${target.endpoint}\`: ${driftCount(plan)}.`, '', ...driftMarkdownLines(plan, escapeMd));
    if (lapsing.length > 0) {
      lines.push('#### Exceptions and waivers ending', '', '| kind | id | of | ends | where |', '|---|---|---|---|---|');
      for (const l of lapsing) lines.push(`| ${l.kind} | \`${l.id}\` | ${escapeMd(l.subject)} | ${l.lapsed ? `**ended ${l.endsAt}**` : l.endsAt} | \`${l.file}:${l.line}\` |`);
      lines.push('');
    }
    io.out(lines.join('\n'));
  } else {
    const c = pc.createColors(io.color);
    const lines = drift.length === 0 ? [none] : [...driftTextLines(plan, c), `${driftCount(plan)}. tollgate apply reverts ${drift.length === 1 ? 'it' : 'them'} to the policies; to keep a change, write it into the policies.`];
    if (lapsing.length > 0) {
      lines.push('', c.bold('Exceptions and waivers ending:'));
      for (const l of lapsing) lines.push(`  ${l.kind} ${l.id} of ${l.subject}: ${l.lapsed ? `ended ${l.endsAt}; remove it` : `ends ${l.endsAt}`}  (${l.file}:${l.line})`);
    }
    io.out(lines.join('\n') + '\n');
  }
  return options.detailedExitcode && (drift.length > 0 || lapsing.length > 0) ? 2 : 0;
}

import pc from 'picocolors';
import { remembered } from '../../engine/state.js';
import { driftMarkdownLines, driftTextLines } from '../../plan/format/drift.js';
import type { Plan } from '../../plan/plan.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { planPrinting } from '../pipeline.js';

export interface DriftOptions {
  dir: string;
  target: TargetSettings;
  backend: BackendSetting;
  format: 'text' | 'markdown' | 'json';
  detailedExitcode: boolean;
}

/** `tollgate drift`: only what changed outside tollgate since its last apply; exit 2 with --detailed-exitcode when there is any. */
export async function driftCommand(options: DriftOptions, io: CliIO): Promise<number> {
  const analysis = loadValid(options.dir, io, { digest: true });
  const target = createTarget(options.target);
  const backend = await openTargetBackend(options.backend, target);
  let plan: Plan;
  try {
    plan = (await planPrinting(analysis, target, io, await remembered(backend))).plan;
  } finally {
    await backend.close();
  }
  const drift = plan.drift ?? [];
  const where = `${target.name} at ${target.endpoint}`;
  if (options.format === 'json') {
    io.out(JSON.stringify({ target: plan.target, drift }, null, 2) + '\n');
  } else if (options.format === 'markdown') {
    const escape = (s: string): string => s.replace(/([|\\`*_[\]<>])/g, '\\$1');
    io.out(
      drift.length === 0
        ? `### tollgate drift\n\nNo drift on ${where}: every object tollgate manages holds what it last applied.\n`
        : [`### tollgate drift`, '', `Target \`${target.name}\` at \`${target.endpoint}\`: ${drift.length} object${drift.length === 1 ? '' : 's'} changed outside tollgate.`, '', ...driftMarkdownLines(plan, escape)].join('\n'),
    );
  } else if (drift.length === 0) {
    io.out(`No drift on ${where}: every object tollgate manages holds what it last applied.\n`);
  } else {
    const c = pc.createColors(io.color);
    const them = drift.length === 1 ? 'it' : 'them';
    io.out([...driftTextLines(plan, c), `${drift.length} object${drift.length === 1 ? '' : 's'} changed outside tollgate. tollgate apply reverts ${them} to the policies; to keep a change, write it into the policies.`].join('\n') + '\n');
  }
  return options.detailedExitcode && drift.length > 0 ? 2 : 0;
}

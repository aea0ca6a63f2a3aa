import { planFormatters, type PlanFormat } from '../../plan/format/index.js';
import { unwritableReason, writeOutputStream } from '../output.js';
import { writePlanJson } from '../../plan/format/json.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { UserError } from '../errors.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { makePlan } from '../pipeline.js';
import { currentCommit } from '../../backend/identity.js';
import { withOrigin } from '../../engine/saved-plan.js';
import { usageInput } from '../usage.js';

export interface PlanOptions {
  dir: string;
  target: TargetSettings;
  output?: string;
  format: PlanFormat;
  detailedExitcode: boolean;
  /** --usage: live, none, or a usage file; unset means live where the target reads usage. */
  usage?: string;
}

/** `tollgate plan`: what apply would change, for people (text, markdown) or machines (json, -o plan.json). */
export async function planCommand(options: PlanOptions, io: CliIO): Promise<number> {
  // Reading a fleet's live state takes a while: a plan file that cannot be written fails before it.
  const unwritable = options.output === undefined ? undefined : unwritableReason(options.output);
  if (unwritable !== undefined) throw new UserError(`Cannot write ${options.output}: ${unwritable}.`);
  const analysis = loadValid(options.dir, io, { digest: true });
  const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0 && options.format === 'text') io.err(renderDiagnostics(warnings, 'stylish', analysis.sources, io.colorErr));
  const target = createTarget(options.target);
  const usage = usageInput(options.usage, target, io);
  // The saved plan names its policy directory and where it was made, so `apply <file>` needs no other flag.
  const plan = withOrigin(await makePlan(analysis, target, io, usage), { dir: options.dir, output: options.output, live: options.target.live === true });
  if (options.output !== undefined) {
    await writeOutputStream(options.output, (write) => writePlanJson(plan, write));
    io.err(`Saved the plan to ${options.output}; apply exactly it with: tollgate apply ${options.output}\n`);
  }
  const notes = warnings.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`);
  if (options.format === 'json') await writePlanJson(plan, (chunk) => io.out(chunk));
  else {
    const commit = options.format === 'markdown' ? currentCommit(io.env, options.dir) : undefined;
    io.out(planFormatters[options.format](plan, { color: io.color, notes, ...(commit ? { commit } : {}), ...(options.output !== undefined ? { savedAs: options.output } : {}) }));
  }
  return options.detailedExitcode && plan.objects.length > 0 ? 2 : 0;
}

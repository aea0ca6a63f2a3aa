import { planFormatters, type PlanFormat } from '../../plan/format/index.js';
import { unwritableReason, writeOutputStream } from '../output.js';
import { writePlanJson } from '../../plan/format/json.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { UserError } from '../errors.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import { isGuardrailFailure, loadValid } from '../load.js';
import { failingGuardrails } from '../../engine/guardrails.js';
import type { ResolveTime } from '../time.js';
import { planPrinting } from '../pipeline.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import { remembered } from '../../engine/state.js';
import { currentCommit } from '../../backend/identity.js';
import { withOrigin } from '../../engine/saved-plan.js';
import { usageInput } from '../usage.js';

export interface PlanOptions {
  dir: string;
  target: TargetSettings;
  output?: string;
  format: PlanFormat;
  detailedExitcode: boolean;
  backend: BackendSetting;
  /** The instant to resolve at, and the warning window of exceptions and waivers. */
  time?: ResolveTime;
  /** --usage: live, none, or a usage file; unset means live where the target reads usage. */
  usage?: string;
}

/** `tollgate plan`: what apply would change, for people (text, markdown) or machines (json, -o plan.json). */
export async function planCommand(options: PlanOptions, io: CliIO): Promise<number> {
  // Reading a fleet's live state takes a while: a plan file that cannot be written fails before it.
  const unwritable = options.output === undefined ? undefined : unwritableReason(options.output);
  if (unwritable !== undefined) throw new UserError(`Cannot write ${options.output}: ${unwritable}.`);
  // Failing guardrails do not stop the plan: reviewers see them in its guardrail section, and the plan exits 1.
  const analysis = loadValid(options.dir, io, { digest: true, ...options.time, guardrailsLater: true });
  const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning' && !isGuardrailFailure(d));
  if (warnings.length > 0 && options.format === 'text') io.err(renderDiagnostics(warnings, 'stylish', analysis.sources, io.colorErr));
  const target = createTarget(options.target);
  const usage = usageInput(options.usage, target, io);
  const backend = await openTargetBackend(options.backend, target);
  let planned;
  try {
    planned = await planPrinting(analysis, target, io, await remembered(backend), usage);
  } finally {
    await backend.close();
  }
  // The saved plan names its policy directory and where it was made, so `apply <file>` needs no other flag.
  const plan = withOrigin(planned.plan, { dir: options.dir, output: options.output, live: options.target.live === true });
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
  const failing = failingGuardrails(plan.guardrails);
  if (failing.length > 0) {
    io.err(`Guardrails fail: ${failing.join(', ')}. apply refuses this plan: change the values, or add a reviewed Waiver where a soft guardrail allows one.\n`);
    return 1;
  }
  return options.detailedExitcode && plan.objects.length > 0 ? 2 : 0;
}

import { planFormatters, type PlanFormat } from '../../plan/format/index.js';
import { writeOutputStream } from '../output.js';
import { writePlanJson } from '../../plan/format/json.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { renderDiagnostics, type CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { makePlan } from '../pipeline.js';
import { currentCommit } from '../commit.js';

export interface PlanOptions {
  dir: string;
  target: TargetSettings;
  output?: string;
  format: PlanFormat;
  detailedExitcode: boolean;
}

/** `tollgate plan`: what apply would change, for people (text, markdown) or machines (json, -o plan.json). */
export async function planCommand(options: PlanOptions, io: CliIO): Promise<number> {
  const analysis = loadValid(options.dir, io, { digest: true });
  const warnings = analysis.diagnostics.filter((d) => d.severity === 'warning');
  if (warnings.length > 0 && options.format === 'text') io.err(renderDiagnostics(warnings, 'stylish', analysis.sources, io.colorErr));
  const target = createTarget(options.target);
  const plan = await makePlan(analysis, target, io);
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

import { readFileSync } from 'node:fs';
import { parseLargePlanJson } from '../../plan/format/json.js';
import { acquireLock } from '../../apply/lock.js';
import { applyPlan, sameControls, type ApplyReport } from '../../apply/apply.js';
import { describeRef } from '../../plan/objects.js';
import { formatPlanText, summaryLine } from '../../plan/format/text.js';
import { liveFingerprint, PLAN_FORMAT_VERSION, type Plan } from '../../plan/plan.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { writeOutputFile } from '../output.js';
import { UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { makePlan } from '../pipeline.js';
import { progressDisplay } from '../progress.js';
import { policyDigest } from '../../resolve/stream.js';

export interface ApplyCommandOptions {
  planFile?: string;
  dir: string;
  /** Target settings from flags, environment and tollgate.yaml; `planned` is the target a saved plan names. */
  targetFor: (planned?: string) => TargetSettings;
  /** The target was named on the command line (it must then match a saved plan's). */
  targetExplicit: boolean;
  yes: boolean;
  report?: string;
  command: string;
}

const LARGE_PLAN_BYTES = 256 * 1024 * 1024;

/** Reads a saved plan, refusing files that are not plans or are of an unknown major format. */
export function readPlanFile(file: string): Plan {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError(`Cannot read the plan ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  let plan: Partial<Plan> | undefined;
  try {
    // past V8's longest string a fleet's plan is read line by line
    plan = (bytes.length < LARGE_PLAN_BYTES ? JSON.parse(bytes.toString('utf8')) : parseLargePlanJson(bytes)) as Partial<Plan> | undefined;
  } catch {
    plan = undefined;
  }
  if (plan === undefined) {
    throw new UserError(`${file} is not a tollgate plan (not JSON). Make one with: tollgate plan -o ${file}`);
  }
  if (typeof plan !== 'object' || plan === null || plan.formatVersion === undefined) {
    throw new UserError(`${file} is not a tollgate plan (no formatVersion). Make one with: tollgate plan -o ${file}`);
  }
  if (plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new UserError(`${file} has plan formatVersion ${String(plan.formatVersion)}; this tollgate reads version ${PLAN_FORMAT_VERSION}. Re-plan with this version.`);
  }
  if (!Array.isArray(plan.objects) || typeof plan.policyDigest !== 'string' || typeof plan.target?.name !== 'string') {
    throw new UserError(`${file} is not a complete tollgate plan; re-plan with: tollgate plan -o ${file}`);
  }
  return plan as Plan;
}

/**
 * Objects whose live state moved since the plan was made (`stale`), and among them those that already
 * hold the planned state (`done`: an earlier, interrupted apply of this very plan wrote them).
 */
async function checkLive(plan: Plan, target: Target): Promise<{ stale: string[]; done: Set<string> }> {
  const live = await target.read(plan.objects.map((o) => o.key));
  const moved = plan.objects.filter((o) => liveFingerprint(live.get(o.key)) !== o.fingerprint);
  const done = new Set(moved.filter((o) => sameControls(live.get(o.key)?.controls, o.after)).map((o) => o.key));
  return { stale: moved.map((o) => o.key), done };
}

/** `tollgate apply [plan.json]`: pushes the changes, one write per object; a saved plan is applied exactly or refused. */
export async function applyCommand(options: ApplyCommandOptions, io: CliIO): Promise<number> {
  const saved = options.planFile !== undefined ? readPlanFile(options.planFile) : undefined;
  const settings = options.targetFor(saved?.target.name);
  if (saved && options.targetExplicit && saved.target.name !== settings.name) {
    throw new UserError(`The plan was made for target ${saved.target.name}, not ${settings.name}.`);
  }
  // Flags, environment and tollgate.yaml may point elsewhere; otherwise the plan's own endpoint.
  const target = createTarget(saved ? { ...settings, endpoint: settings.endpoint ?? saved.target.endpoint } : settings);
  const release = acquireLock(target.lockPath, options.command);
  try {
    const analysis = loadValid(options.dir, io, { digest: true });
    let plan: Plan;
    if (saved) {
      const digest = analysis.policyDigest ?? policyDigest(analysis.customers);
      if (digest !== saved.policyDigest) {
        throw new UserError(`The plan ${options.planFile} is stale: the policies in ${options.dir} changed since it was made (digest ${saved.policyDigest.slice(0, 19)}… is now ${digest.slice(0, 19)}…). Re-plan with: tollgate plan -o ${options.planFile}`);
      }
      const { stale, done } = await checkLive(saved, target);
      if (stale.length > done.size) {
        const names = stale.slice(0, 20).map((k) => describeRef(saved.objects.find((o) => o.key === k)!.ref));
        throw new UserError(`The plan ${options.planFile} is stale: ${stale.length} object${stale.length === 1 ? '' : 's'} changed on ${target.name} since it was planned: ${names.join(', ')}${stale.length > 20 ? ', …' : ''}. Nothing was applied. Re-plan with: tollgate plan -o ${options.planFile}`);
      }
      plan = saved;
      io.err(summaryLine(plan) + '\n');
      if (done.size > 0) {
        plan = { ...saved, objects: saved.objects.filter((o) => !done.has(o.key)) };
        io.err(`${done.size} of ${saved.objects.length} objects already hold the planned state (an earlier apply of this plan wrote them); applying the other ${plan.objects.length}.\n`);
      }
    } else {
      plan = await makePlan(analysis, target, io);
      io.out(formatPlanText(plan, { color: io.color, notes: [] }));
    }
    if (plan.objects.length === 0) {
      if (saved) io.out('No changes to apply.\n');
      return 0;
    }
    if (!options.yes) {
      if (!io.stdinIsTTY) {
        throw new UserError('apply needs confirmation: run it on a terminal, or pass --yes to apply without asking (as in CI).');
      }
      const answer = await io.ask(`\nApply these changes to ${target.name}? Only 'yes' will be accepted: `);
      if (answer.trim() !== 'yes') {
        io.err('Apply cancelled; nothing was changed.\n');
        return 1;
      }
    }
    const report = await runApply(plan, target, io);
    if (options.report) await writeOutputFile(options.report, JSON.stringify(report, null, 2) + '\n');
    io.out(reportText(plan, report));
    return report.failed.length === 0 && report.notAttempted.length === 0 && report.stopped === undefined ? 0 : 1;
  } finally {
    release();
  }
}

/** Runs the executor with a progress display; Ctrl-C stops new writes, lets those in flight finish, and reports. */
async function runApply(plan: Plan, target: Target, io: CliIO): Promise<ApplyReport> {
  const controller = new AbortController();
  const display = progressDisplay(io);
  let inFlight = 0;
  const stopListening = io.onInterrupt?.(() => {
    if (controller.signal.aborted) return;
    controller.abort();
    display.finish();
    io.err(`\nInterrupted: no new writes will start; waiting for the ${inFlight} in flight. Press Ctrl-C again to quit at once.\n`);
  });
  try {
    return await applyPlan(plan, target, {
      signal: controller.signal,
      onProgress: (p) => {
        inFlight = p.inFlight;
        if (!controller.signal.aborted) display.update(p);
      },
    });
  } finally {
    display.finish();
    stopListening?.();
  }
}

function reportText(plan: Plan, report: ApplyReport): string {
  const action = new Map(plan.objects.map((o) => [o.key, o.action]));
  const count = (a: string) => report.applied.filter((k) => action.get(k) === a).length;
  if (report.failed.length === 0 && report.notAttempted.length === 0 && report.stopped === undefined) {
    return `Apply complete! Objects: ${count('create')} added, ${count('update')} changed, ${count('delete')} removed.\n`;
  }
  const how = report.stopped === 'interrupted' ? 'Apply interrupted' : 'Apply finished with errors';
  const lines = [`${how}: ${report.applied.length} applied, ${report.failed.length} failed, ${report.notAttempted.length} not attempted.`];
  if (report.stopped === 'fatal') lines.push('  No further writes were started: the failure below stops every write.');
  for (const f of report.failed) lines.push(`  failed ${f.key}: ${f.message}`);
  if (report.notAttempted.length > 0) lines.push(`  not attempted: ${report.notAttempted.slice(0, 20).join(', ')}${report.notAttempted.length > 20 ? ', …' : ''}`);
  if (report.failed.length > 0 || report.notAttempted.length > 0) lines.push('Run apply again to finish what is left.');
  return lines.join('\n') + '\n';
}

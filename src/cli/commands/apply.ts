import { type ApplyReport } from '../../apply/apply.js';
import { currentActor, currentCommit, lockHolder, type Lock, type StateBackend } from '../../backend/index.js';
import { applyRecorded, type RecordedApply } from '../../engine/apply.js';
import { checkSaved } from '../../engine/check-saved.js';
import type { PlanInDetail } from '../../engine/plan.js';
import { placeSavedPlan, readPlanFile } from '../../engine/saved-plan.js';
import { reconcile, remembered, type RememberedState } from '../../engine/state.js';
import { describeRef, parseObjectKey } from '../../plan/objects.js';
import { formatPlanText, summaryLine } from '../../plan/format/text.js';
import type { Plan } from '../../plan/plan.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import type { Analysis } from '../../validate/index.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import { unwritableReason, writeOutputFile } from '../output.js';
import { UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { planPrinting, showingUnsupported } from '../pipeline.js';
import { failingGuardrails } from '../../engine/guardrails.js';
import type { ResolveTime } from '../time.js';
import { progressDisplay } from '../progress.js';

export interface ApplyCommandOptions {
  planFile?: string;
  /** The policy directory from --dir, tollgate.yaml or the default; a saved plan names its own. */
  dir: string;
  /** --dir, when given: it must then match a saved plan's. */
  dirFlag?: string;
  /** Target settings from flags, environment and tollgate.yaml, with where the endpoint came from; `planned` is the target a saved plan names. */
  targetFor: (planned?: string) => { settings: TargetSettings; endpointFrom?: string };
  /** The target was named on the command line (it must then match a saved plan's). */
  targetExplicit: boolean;
  backend: BackendSetting;
  yes: boolean;
  report?: string;
  command: string;
  /** The instant to resolve at (TOLLGATE_AT, else now). */
  time?: ResolveTime;
}

/** `tollgate apply [plan.json]`: pushes the changes, one write per object; a saved plan is applied exactly or refused. */
export async function applyCommand(options: ApplyCommandOptions, io: CliIO): Promise<number> {
  // A report that cannot be written must stop the apply before its first write, not after the last.
  const unwritable = options.report === undefined ? undefined : unwritableReason(options.report);
  if (unwritable !== undefined) throw new UserError(`Cannot write the report ${options.report}: ${unwritable}. Nothing was applied.`);
  const saved = options.planFile !== undefined ? readPlanFile(options.planFile) : undefined;
  const here = options.targetFor(saved?.target.name);
  if (saved && options.targetExplicit && saved.target.name !== here.settings.name) {
    throw new UserError(`The plan was made for target ${saved.target.name}, not ${here.settings.name}.`);
  }
  const place = saved
    ? placeSavedPlan(options.planFile!, saved, { target: here.settings, endpointFrom: here.endpointFrom, dirFlag: options.dirFlag })
    : { target: here.settings, dir: options.dir };
  const dir = place.dir ?? options.dir;
  const target = createTarget(place.target);
  const backend = await openTargetBackend(options.backend, target, place.target.home);
  try {
    const taken = await backend.acquireLock(lockHolder(options.command, { env: io.env }));
    if (!taken.ok) throw new UserError(taken.message);
    try {
      return await applyLocked(options, saved, dir, target, backend, taken.lock, io, place.target.home);
    } finally {
      await taken.lock.release();
    }
  } finally {
    await backend.close();
  }
}

/** Everything apply does while it holds the lock: plan (or check the saved plan), set records right, confirm, write. */
async function applyLocked(options: ApplyCommandOptions, saved: Plan | undefined, dir: string, target: Target, backend: StateBackend, lock: Lock, io: CliIO, home?: string): Promise<number> {
  const state = await remembered(backend);
  const analysis = loadValid(dir, io, { digest: true, ...options.time, guardrailsLater: true }, home);
  let detail: PlanInDetail;
  if (saved) {
    detail = await checkSavedPrinting(saved, options.planFile!, dir, analysis, target, state, io);
  } else {
    detail = await planPrinting(analysis, target, io, state);
    io.out(formatPlanText(detail.plan, { color: io.color, notes: [] }));
  }
  const { plan } = detail;
  refuseFailingGuardrails(plan, io);
  const fixed = await reconcile(backend, plan, detail.desired, detail.live, state);
  // A backend with no records yet (a first apply, a fresh clone on the file backend) just learns them, quietly.
  const adopting = state.records.size === 0;
  if (fixed.recorded.length > 0 && !adopting) io.err(`Recorded ${names(fixed.recorded)} in the state backend: already holding what the policies want, written by an earlier apply that did not record it.\n`);
  if (fixed.dropped.length > 0) io.err(`Dropped the records of ${names(fixed.dropped)}: they hold nothing and the policies no longer want anything of them.\n`);
  if (plan.objects.length === 0) {
    if (options.report) await writeOutputFile(options.report, JSON.stringify({ applied: [], failed: [], notAttempted: [], retries: 0 } satisfies ApplyReport, null, 2) + '\n');
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
  const run = await runApply(plan, target, backend, lock, io);
  const { report } = run;
  if (options.report) await writeOutputFile(options.report, JSON.stringify(report, null, 2) + '\n');
  io.out(reportText(plan, report));
  if (run.historyError !== undefined) io.err(`warning: the apply history entry ${run.applyId} could not be closed (${run.historyError}); each object's record was written as it was applied.\n`);
  return report.failed.length === 0 && report.notAttempted.length === 0 && report.stopped === undefined ? 0 : 1;
}

function names(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => describeRef(parseObjectKey(k)));
  return shown.join(', ') + (keys.length > 10 ? ` and ${keys.length - 10} more` : '');
}

/** Refuses (exit 1) a plan whose soft or hard guardrails fail, as re-checked from the policies and live state, naming each failure. */
function refuseFailingGuardrails(plan: Plan, io: CliIO): void {
  const failing = failingGuardrails(plan.guardrails);
  if (failing.length === 0) return;
  for (const f of plan.guardrails!.failures) {
    if (f.waiver === undefined && f.level !== 'advisory') io.err(`${f.file}:${f.line}: ${f.message}\n`);
  }
  throw new UserError(`apply refuses: guardrails fail: ${failing.join(', ')}. Nothing was applied. Change the values, or add a reviewed Waiver where a soft guardrail allows one, and plan again.`);
}

/** The engine's check of a saved plan, with its summary and what an earlier apply already wrote on stderr. */
async function checkSavedPrinting(saved: Plan, file: string, dir: string, analysis: Analysis, target: Target, state: RememberedState, io: CliIO): Promise<PlanInDetail> {
  const { plan, done, desired, live } = await showingUnsupported(analysis, io, () => checkSaved(saved, file, dir, analysis, target, state));
  io.err(summaryLine(saved) + '\n');
  if (done > 0) {
    io.err(`${done} of ${saved.objects.length} objects already hold the planned state (an earlier apply of this plan wrote them); applying the other ${plan.objects.length}.\n`);
  }
  return { plan, desired, live };
}

/** Runs the executor with a progress display; Ctrl-C stops new writes, lets those in flight finish, and reports. */
async function runApply(plan: Plan, target: Target, backend: StateBackend, lock: Lock, io: CliIO): Promise<RecordedApply> {
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
    return await applyRecorded(plan, target, backend, {
      lock,
      actor: currentActor(io.env),
      ...commitOf(io),
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

function commitOf(io: CliIO): { commit?: string } {
  const commit = currentCommit(io.env);
  return commit === undefined ? {} : { commit };
}

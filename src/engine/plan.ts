// Planning as a library call: policies and a target in, a plan out. The CLI and any other front end
// (a GitHub App) call this and decide how to show progress and problems.
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { policyDigest } from '../resolve/stream.js';
import type { Target } from '../targets/target.js';
import type { OnProgress } from '../util/progress.js';
import type { Analysis } from '../validate/index.js';
import { desiredObjects } from '../plan/desired.js';
import type { DesiredObject } from '../plan/objects.js';
import { computePlan, type Plan } from '../plan/plan.js';
import { unsupportedControls } from '../plan/support.js';
import type { LiveObject } from '../plan/objects.js';
import { readContext, type RememberedState } from './state.js';
import { findDrift } from '../plan/drift.js';
import { checkCatalog, checkUnmanaged } from './catalog.js';
import { withGuardrails } from './guardrails.js';
import type { UsageSource, UsageTable } from '../impact/usage.js';
import { UserError } from '../util/errors.js';

/** The policies use controls the target cannot hold: one diagnostic per place; nothing was planned. */
export class UnsupportedControlsError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly targetName: string,
  ) {
    super(`The policies use ${diagnostics.length} control${diagnostics.length === 1 ? '' : 's'} target ${targetName} cannot hold; nothing was planned.`);
    this.name = 'UnsupportedControlsError';
  }
}

/** What each object should hold on this target; throws UnsupportedControlsError when a control cannot be held. */
export function desiredState(analysis: Analysis, target: Target): Map<string, DesiredObject> {
  const written = desiredObjects(analysis.set);
  const { desired, problems } = target.express?.(written, analysis.set) ?? { desired: written, problems: [] };
  const unsupported = sortDiagnostics([...unsupportedControls(written.values(), target.capabilities, target.name), ...problems]);
  if (unsupported.length > 0) throw new UnsupportedControlsError(unsupported, target.name);
  return desired;
}

/** Where a plan's usage comes from: the target's own reads, a parsed usage file, or nowhere. */
export type UsageInput = { kind: 'live' } | { kind: 'file'; file: string; table: UsageTable } | { kind: 'none' };

export interface MakePlanOptions {
  /** Told as the live state is read and the plan computed. */
  onProgress?: OnProgress;
  /** Told of warnings found against the target (its catalog differs from the policies); errors are thrown. */
  onWarnings?: (diagnostics: Diagnostic[]) => void;
  /** What the state backend remembers (the managed set and last-applied records); without it, only what the target marks. */
  state?: RememberedState;
  /** Current usage, for the plan's impact; none by default. */
  usage?: UsageInput;
}

/** Whether this target reads current usage (so `--usage live` is its default). */
export function readsUsage(target: Target): boolean {
  return typeof target.readUsage === 'function';
}

/** A plan with the desired and live states it was computed from. */
export interface PlanInDetail {
  plan: Plan;
  desired: Map<string, DesiredObject>;
  live: Map<string, LiveObject | null>;
}

/** Desired state from the policies against live state from the target: the plan. */
export async function makePlan(analysis: Analysis, target: Target, options: MakePlanOptions = {}): Promise<Plan> {
  return (await planInDetail(analysis, target, options)).plan;
}

/** The plan, and the states behind it (apply uses them to set the backend's records right). */
export async function planInDetail(analysis: Analysis, target: Target, options: MakePlanOptions = {}): Promise<PlanInDetail> {
  const desired = desiredState(analysis, target);
  const report: OnProgress = options.onProgress ?? (() => undefined);
  const phase = 'reading the billing system';
  report({ phase, done: 0, unit: 'objects' });
  const managed = [...(await target.managedKeys()), ...(options.state?.records.keys() ?? [])];
  await checkCatalog(analysis, target, desired, options.onWarnings);
  const keys = [...new Set([...desired.keys(), ...managed])].sort();
  const total = keys.length;
  const live = await target.read(keys, (done) => report({ phase, done, total, unit: 'objects' }), readContext(options.state));
  checkUnmanaged(desired, live, target);
  report({ phase, done: total, total, unit: 'objects' });
  const usage = await usageFor(options.usage ?? { kind: 'none' }, target, keys);
  const plan = computePlan({
    set: analysis.set,
    policyDigest: analysis.policyDigest ?? policyDigest(analysis.customers),
    target: { name: target.name, endpoint: target.endpoint },
    desired,
    live,
    onProgress: report,
    ...(usage ? { usage } : {}),
  });
  if (options.state !== undefined) {
    const currencies = new Map(plan.objects.map((o) => [o.key, o.currency]));
    const drift = findDrift(options.state.records, live, (key) => desired.get(key)?.currency ?? currencies.get(key));
    if (drift.length > 0) plan.drift = drift;
  }
  return { plan: withGuardrails(analysis, plan), desired, live };
}

async function usageFor(input: UsageInput, target: Target, keys: readonly string[]): Promise<{ table: UsageTable; source: UsageSource } | undefined> {
  if (input.kind === 'none') return undefined;
  if (input.kind === 'file') return { table: input.table, source: { kind: 'file', file: input.file } };
  if (!target.readUsage) throw new UserError(`Target ${target.name} does not report usage; give a file with --usage FILE, or --usage none.`);
  return { table: await target.readUsage(keys), source: { kind: 'live', target: target.name } };
}

import path from 'node:path';
import { currentActor, currentCommit, lockHolder, type StateBackend } from '../../backend/index.js';
import { readContext, remembered } from '../../engine/state.js';
import { openTargetBackend, type BackendSetting } from '../backend.js';
import { listPolicyFiles } from '../../load/files.js';
import { buildPolicySet, type PolicySet } from '../../model/policy-set.js';
import { adoptImported } from '../../import/adopt.js';
import { importPolicies, type ImportResult } from '../../import/import.js';
import { createTarget, type TargetSettings } from '../../targets/index.js';
import { formatCount } from '../../util/money.js';
import { UsageError, UserError } from '../errors.js';
import type { CliIO } from '../io.js';
import { loadValid } from '../load.js';
import { showingUnsupported } from '../pipeline.js';
import { phaseDisplay, progressDisplay } from '../progress.js';

export interface ImportCommandOptions {
  dir: string;
  target: TargetSettings;
  customers: string[];
  all: boolean;
  profiles: boolean;
  catalog: boolean;
  currency?: string;
  plan?: string;
  command: string;
  backend: BackendSetting;
}

/** Files listed one by one up to this many; past it, counted. */
const LIST_FILES = 50;
/** Objects with entries tollgate does not model listed one by one up to this many. */
const LIST_UNMODELED = 20;

/** `tollgate import`: writes policy files for what the billing system holds, then records the imported customers as managed. */
export async function importCommand(options: ImportCommandOptions, io: CliIO): Promise<number> {
  if (options.all === (options.customers.length > 0)) {
    throw new UsageError(options.all ? 'Give --all or --customer, not both.' : 'Say what to import: --all for every customer, or --customer ID for some.');
  }
  if (options.currency !== undefined && !options.catalog) throw new UsageError('--currency is the currency of the plans --catalog writes; give it with --catalog.');
  if (options.currency !== undefined && !/^[A-Z]{3}$/.test(options.currency)) throw new UsageError(`--currency takes an ISO 4217 code such as USD or EUR; got "${options.currency}".`);
  const set = existingPolicies(options.dir, io);
  const target = createTarget(options.target);
  const backend = await openTargetBackend(options.backend, target);
  try {
    return await importWith(options, set, target, backend, io);
  } finally {
    await backend.close();
  }
}

async function importWith(options: ImportCommandOptions, set: PolicySet, target: ReturnType<typeof createTarget>, backend: StateBackend, io: CliIO): Promise<number> {
  const context = readContext(await remembered(backend));
  const display = phaseDisplay(io);
  let result: ImportResult;
  try {
    result = await importPolicies({
      context,
      dir: options.dir,
      set,
      target,
      ...(options.all ? {} : { customers: options.customers }),
      profiles: options.profiles,
      catalog: options.catalog,
      ...(options.currency !== undefined ? { currency: options.currency } : {}),
      ...(options.plan !== undefined ? { plan: options.plan } : {}),
      now: importTime(io.env),
      onProgress: display.report,
    });
  } finally {
    display.finish();
  }
  io.out(summary(result, options.dir, target.name));
  if (result.customers.length === 0) return 0;
  return adopt(result, options, target, backend, io);
}

/** The policies already in the directory; none when it does not exist or holds no policy file. */
function existingPolicies(dir: string, io: CliIO): PolicySet {
  const listed = listPolicyFiles(dir);
  if (listed.files.length === 0 && listed.diagnostics.every((d) => d.code === 'dir-not-found')) return buildPolicySet([]).set;
  return loadValid(dir, io).set;
}

/** SOURCE_DATE_EPOCH (seconds) when set, as reproducible builds do, else now. */
function importTime(env: NodeJS.ProcessEnv): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch.trim())) return new Date(Number(epoch.trim()) * 1000);
  return new Date();
}

function summary(result: ImportResult, dir: string, targetName: string): string {
  const lines: string[] = [];
  const n = (count: number, one: string, many = `${one}s`) => `${formatCount(count)} ${count === 1 ? one : many}`;
  const where = (file: string) => path.join(dir, file).split(path.sep).join('/');
  if (result.files.length === 0) lines.push(`Nothing to import from ${targetName}.`);
  else {
    const parts = [n(result.customers.length, 'customer'), n(result.entities, 'entity', 'entities')];
    if (result.catalogPlans.length > 0) parts.push(n(result.catalogPlans.length, 'plan'));
    if (result.catalogFeatures.length > 0) parts.push(n(result.catalogFeatures.length, 'feature'));
    if (result.profiles.length > 0) parts.push(n(result.profiles.length, 'shared profile'));
    lines.push(`Imported ${parts.join(', ')} from ${targetName} into ${n(result.files.length, 'file')}:`);
    for (const file of result.files.slice(0, LIST_FILES)) lines.push(`  + ${where(file)}`);
    if (result.files.length > LIST_FILES) lines.push(`  … and ${formatCount(result.files.length - LIST_FILES)} more under ${dir}`);
  }
  if (result.withoutControls > 0) {
    lines.push(`${n(result.withoutControls, 'customer')} ${result.withoutControls === 1 ? 'holds' : 'hold'} no controls of ${result.withoutControls === 1 ? 'its' : 'their'} own: no file written (name one with --customer to write it).`);
  }
  if (result.skippedPlans.length > 0) {
    lines.push(`Plans not written, so customers on them are skipped:`);
    for (const p of result.skippedPlans) lines.push(`  ${p.id}: ${p.reasons.join('; ')}`);
  }
  if (result.skipped.length > 0) {
    lines.push(`Skipped ${n(result.skipped.length, 'customer')}, left as ${targetName} holds ${result.skipped.length === 1 ? 'it' : 'them'}:`);
    for (const s of result.skipped) lines.push(`  ${s.id}: ${s.reasons.join('; ')}`);
    const managed = result.skippedManaged.filter((id) => !result.skipped.find((s) => s.id === id)?.reasons[0]?.startsWith('already defined'));
    if (managed.length > 0) {
      lines.push(`tollgate applied to ${managed.join(', ')} before: plan proposes clearing ${managed.length === 1 ? 'its' : 'their'} overrides until ${managed.length === 1 ? 'its policy is' : 'their policies are'} written.`);
    }
  }
  if (result.unmodeled.length > 0) {
    const entries = result.unmodeled.reduce((count, u) => count + u.entries.length, 0);
    lines.push(`Not managed by tollgate: ${n(entries, 'entry', 'entries')} tollgate does not model on ${n(result.unmodeled.length, 'object')}, kept as ${targetName} holds them:`);
    for (const u of result.unmodeled.slice(0, LIST_UNMODELED)) lines.push(`  ${u.object}: ${u.entries.join('; ')}`);
    if (result.unmodeled.length > LIST_UNMODELED) lines.push(`  … and ${formatCount(result.unmodeled.length - LIST_UNMODELED)} more objects (each imported file lists its own)`);
  }
  for (const p of result.planMismatches) {
    lines.push(`Plan ${p.id}: ${targetName} holds other plan-level controls than ${p.file} says; import never edits an existing file, so plan will propose setting them as the file says.`);
  }
  return lines.join('\n') + '\n';
}

/** Records the imported customers as managed (the state backend, and Autumn's marker), under the apply lock; the policies must validate. */
async function adopt(result: ImportResult, options: ImportCommandOptions, target: ReturnType<typeof createTarget>, backend: StateBackend, io: CliIO): Promise<number> {
  const analysis = loadValid(options.dir, io, { digest: true });
  const taken = await backend.acquireLock(lockHolder(options.command, { env: io.env }));
  if (!taken.ok) throw new UserError(`${taken.message} The files are written; once that apply is done, run tollgate apply: it records the imported customers as managed (changing no billing control).`);
  const phases = phaseDisplay(io);
  const writes = progressDisplay(io);
  try {
    const commit = currentCommit(io.env);
    const state = { backend, lock: taken.lock, actor: currentActor(io.env), ...(commit === undefined ? {} : { commit }) };
    const adopted = await showingUnsupported(analysis, io, () =>
      adoptImported(analysis, target, result.customers, state, { onProgress: phases.report, apply: { onProgress: (p) => writes.update(p) } }),
    );
    phases.finish();
    writes.finish();
    if (adopted.differing.length > 0) {
      throw new Error(`tollgate import wrote policies that would change ${adopted.differing.join(', ')}; nothing of them was written to ${target.name}.`);
    }
    const report = adopted.report;
    if (report === undefined) return 0;
    const failed = report.failed.length + report.notAttempted.length;
    io.out(`Marked ${n(report.applied.length)} as managed by tollgate in ${target.name} (metadata only; no billing control changed).\n`);
    if (failed > 0) {
      for (const f of report.failed) io.err(`failed ${f.key}: ${f.message}\n`);
      throw new UserError(`${n(failed)} could not be marked as managed; run \`tollgate apply\` to mark them (it changes nothing else).`);
    }
    return 0;
  } finally {
    phases.finish();
    writes.finish();
    await taken.lock.release();
  }
}

function n(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'customer' : 'customers'}`;
}

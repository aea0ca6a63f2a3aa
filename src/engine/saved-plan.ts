import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseLargePlanJson } from '../plan/format/json.js';
import { parseObjectKey } from '../plan/objects.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../plan/plan.js';
import { DEFAULT_LOCAL_STATE, type TargetSettings } from '../targets/index.js';
import { UserError } from '../util/errors.js';

// A saved plan is self-contained (SPEC §14): it records the policy directory and the target it was made for,
// so that `apply plan.json` needs no other flag. Its paths are relative to the directory the plan was made in
// (as typed there), and that directory is recorded relative to the plan file's own folder (`workingDir`), so
// apply finds them from any working directory as long as the plan file stays where `plan -o` wrote it.

const LARGE_PLAN_BYTES = 256 * 1024 * 1024;

/** A path as saved in a plan: normalized, with forward slashes when relative. */
function portable(p: string): string {
  const normal = path.normalize(p).replace(/[\\/]+$/, '') || '.';
  return path.isAbsolute(normal) ? normal : normal.split(path.sep).join('/');
}

/** A path for messages: relative to the current directory. */
function shown(absolute: string): string {
  return path.relative(process.cwd(), absolute) || '.';
}

/** The plan with what apply needs to find its policies and target: the policy directory, where it was made, --live. */
export function withOrigin(plan: Plan, made: { dir: string; output?: string; live: boolean }): Plan {
  const { formatVersion, policyDigest, target, ...rest } = plan;
  const workingDir = made.output === undefined ? undefined : portable(path.relative(path.dirname(path.resolve(made.output)), process.cwd()));
  return {
    formatVersion,
    policyDigest,
    dir: portable(made.dir),
    ...(workingDir === undefined ? {} : { workingDir }),
    target: made.live ? { ...target, live: true } : target,
    ...rest,
  };
}

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
  const paths = [plan.dir, plan.workingDir, plan.target?.endpoint];
  if (
    !Array.isArray(plan.objects) ||
    !plan.objects.every(isObjectPlan) ||
    typeof plan.policyDigest !== 'string' ||
    typeof plan.target?.name !== 'string' ||
    !paths.every((p) => p === undefined || typeof p === 'string')
  ) {
    throw new UserError(`${file} is not a complete tollgate plan; re-plan with: tollgate plan -o ${file}`);
  }
  return plan as Plan;
}

/** Enough of an object's shape that checking it against the policies cannot trip over it. */
function isObjectPlan(o: unknown): boolean {
  if (typeof o !== 'object' || o === null) return false;
  const { key, after, changes } = o as { key?: unknown; after?: { features?: unknown }; changes?: unknown };
  if (typeof key !== 'string' || typeof after !== 'object' || after === null || typeof after.features !== 'object' || after.features === null || !Array.isArray(changes) || !changes.every((c) => typeof c === 'object' && c !== null)) {
    return false;
  }
  try {
    parseObjectKey(key);
    return true;
  } catch {
    return false;
  }
}

/** What this run names, from flags, environment and tollgate.yaml. */
export interface RunSettings {
  target: TargetSettings;
  /** Where `target.endpoint` came from ("--endpoint", "AUTUMN_API_URL", "tollgate.yaml"); undefined when nothing named one. */
  endpointFrom?: string;
  /** --dir, when given. */
  dirFlag?: string;
}

/**
 * Where a saved plan is applied: the target and endpoint it was made for and its policy directory. A run that
 * names another endpoint, state file or policy directory is refused, naming both; what the run leaves unnamed
 * comes from the plan. tollgate.yaml's `dir` is a default for making plans, so the plan's own beats it.
 */
export function placeSavedPlan(file: string, saved: Plan, run: RunSettings): { target: TargetSettings; dir?: string } {
  const base = saved.workingDir === undefined ? process.cwd() : path.resolve(path.dirname(path.resolve(file)), saved.workingDir);
  const named = run.target.endpoint;
  let endpoint: string | undefined;
  if (saved.target.name === 'local') {
    const planned = path.resolve(base, saved.target.endpoint ?? DEFAULT_LOCAL_STATE);
    if (named !== undefined && path.resolve(named) !== planned) {
      throw new UserError(
        `The plan ${file} was made for another state file: ${shown(planned)}, not ${named} (${run.endpointFrom ?? 'named here'}). Nothing was applied. ` +
          `Apply it without naming another state file, or make a plan for ${named}: tollgate plan --state ${named} -o ${file}`,
      );
    }
    endpoint = shown(planned);
  } else {
    const planned = saved.target.endpoint;
    if (named !== undefined && planned !== undefined && !sameUrl(named, planned)) {
      throw new UserError(
        `The plan ${file} was made for ${saved.target.name} at ${planned}, but ${run.endpointFrom ?? 'this run'} points at ${named}. Nothing was applied. ` +
          `Apply it against the endpoint it was made for, or make a plan for ${named}: tollgate plan -o ${file}`,
      );
    }
    endpoint = planned ?? named;
  }
  const target: TargetSettings = { ...run.target, endpoint, live: run.target.live === true || saved.target.live === true };
  // the lock and the records under .tollgate/ are those of the directory the plan was made in
  if (saved.workingDir !== undefined) target.home = shown(base);
  if (saved.dir === undefined) return { target };
  const dir = path.resolve(base, saved.dir);
  if (run.dirFlag !== undefined && path.resolve(run.dirFlag) !== dir) {
    throw new UserError(
      `The plan ${file} was made from the policies in ${shown(dir)}, not ${run.dirFlag} (--dir). Nothing was applied. ` +
        `Apply it without --dir, or make a plan from ${run.dirFlag}: tollgate plan --dir ${run.dirFlag} -o ${file}`,
    );
  }
  if (!existsSync(dir)) {
    throw new UserError(
      `The plan ${file} was made from the policies in ${saved.dir} (relative to where it was made), and ${shown(dir)} does not exist. Nothing was applied. ` +
        `A saved plan finds its policies from its own folder: keep it where tollgate plan -o wrote it, or make a new plan: tollgate plan -o ${file}`,
    );
  }
  return { target, dir: shown(dir) };
}

/** Two base URLs name the same API, whatever their case of host or trailing slash. */
function sameUrl(a: string, b: string): boolean {
  const normal = (u: string): string => {
    try {
      return new URL(u).href.replace(/\/+$/, '');
    } catch {
      return u.replace(/\/+$/, '');
    }
  };
  return normal(a) === normal(b);
}

// The engine API beside the CLI: what `tollgate plan` and `tollgate apply` do, as library calls that return
// values and throw typed errors, for the CLI and for any other front end (a GitHub App).
export { analyze, type Analysis, type AnalyzeOptions } from '../validate/index.js';
export { createTarget, type TargetSettings } from '../targets/index.js';
export { desiredState, makePlan, UnsupportedControlsError, type MakePlanOptions } from './plan.js';
export { TargetMismatchError } from './catalog.js';
export { writePlanJson } from '../plan/format/json.js';
export { placeSavedPlan, readPlanFile, withOrigin, type RunSettings } from './saved-plan.js';
export { checkSaved, type SavedPlanCheck } from './check-saved.js';
export { acquireLock } from '../apply/lock.js';
export { applyPlan, type ApplyReport } from '../apply/apply.js';
export { UsageError, UserError } from '../util/errors.js';

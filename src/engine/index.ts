// The engine API beside the CLI: what `tollgate plan` and `tollgate apply` do, as library calls that return
// values and throw typed errors, for the CLI and for any other front end (a GitHub App).
export { analyze, type Analysis, type AnalyzeOptions } from '../validate/index.js';
export { createTarget, type TargetSettings } from '../targets/index.js';
export { desiredState, makePlan, planInDetail, readsUsage, UnsupportedControlsError, type MakePlanOptions, type PlanInDetail, type UsageInput } from './plan.js';
export { TargetMismatchError } from './catalog.js';
export { writePlanJson } from '../plan/format/json.js';
export { expandEffectivePolicy, readEffectivePolicy } from '../resolve/read-effective.js';
export type { EffectivePolicy } from '../resolve/effective.js';
export { placeSavedPlan, readPlanFile, withOrigin, type RunSettings } from './saved-plan.js';
export { checkSaved, type SavedPlanCheck } from './check-saved.js';
export { applyPlan, type ApplyReport } from '../apply/apply.js';
export { applyRecorded, type RecordedApply, type RecordedApplyOptions } from './apply.js';
export { reconcile, remembered, type Reconciled, type RememberedState } from './state.js';
export { BackendError, currentActor, currentCommit, describeHolder, lockHolder, openBackend, selectBackend, type StateBackend } from '../backend/index.js';
export { UsageError, UserError } from '../util/errors.js';
export { withGuardrails, failingGuardrails, lapsingEntries } from './guardrails.js';
export { checkPlanChanges } from './guardrail-changes.js';
export { findLapsing, type Lapsing } from '../model/lapsing.js';
export { simulate, type Simulation } from '../impact/simulate.js';
export { parseUsageFile, type UsageTable } from '../impact/usage.js';

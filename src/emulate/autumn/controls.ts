import { CONTROL_KEYS, type BillingControls, type ControlKey } from './wire.js';

/** Where an entry shown on a read comes from, as API version 2.3.0 and later report it. */
export type ControlSource = 'customer' | 'plan';

/** A rendered billing_controls object: arrays of wire entries, some marked with their source. */
export type RenderedControls = Partial<Record<ControlKey, Array<Record<string, unknown>>>>;

/** Applies an update: each key sent replaces that whole array, keys not sent stay, `[]` clears. */
export function mergeControls(current: BillingControls, patch: BillingControls): BillingControls {
  const next: BillingControls = { ...current };
  for (const key of CONTROL_KEYS) {
    const entries = patch[key];
    if (entries === undefined) continue;
    if (entries.length === 0) delete next[key];
    else Object.assign(next, { [key]: entries });
  }
  return next;
}

/** How a read renders controls: which keys, and whether sources and plan entries are shown. */
export interface RenderOptions {
  keys: readonly ControlKey[];
  /** True for API version 2.3.0 and later: plan-inherited entries appear, marked `source: "plan"`. */
  showSources: boolean;
  /** Source stamped on the object's own entries; none for entities (the SDK's enum has no "entity"). */
  ownSource?: ControlSource;
}

/**
 * Renders an object's own entries, then the plan's entries for features the object does not set
 * itself (the object's own entries override the plan's, feature by feature).
 */
export function renderControls(
  own: BillingControls,
  plan: BillingControls | undefined,
  options: RenderOptions,
): RenderedControls {
  const rendered: RenderedControls = {};
  for (const key of options.keys) {
    const ownEntries: Array<Record<string, unknown>> = [...(own[key] ?? [])];
    if (!options.showSources) {
      rendered[key] = ownEntries.map((entry) => ({ ...entry }));
      continue;
    }
    const covered = new Set(ownEntries.map(featureOf));
    const inherited: Array<Record<string, unknown>> = [...(plan?.[key] ?? [])];
    rendered[key] = [
      ...ownEntries.map((entry) =>
        options.ownSource === undefined ? { ...entry } : { ...entry, source: options.ownSource },
      ),
      ...inherited.filter((entry) => !covered.has(featureOf(entry))).map((entry) => ({ ...entry, source: 'plan' })),
    ];
  }
  return rendered;
}

/** Whether an `x-api-version` header asks for 2.3.0 or later; no header means the latest version. */
export function showsSources(apiVersion: string | undefined): boolean {
  if (apiVersion === undefined || apiVersion.trim() === '') return true;
  const parts = apiVersion
    .trim()
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  const [major = 0, minor = 0] = parts.map((part) => (Number.isNaN(part) ? 0 : part));
  return major > 2 || (major === 2 && minor >= 3);
}

function featureOf(entry: Record<string, unknown>): string {
  return typeof entry.feature_id === 'string' ? entry.feature_id : '';
}

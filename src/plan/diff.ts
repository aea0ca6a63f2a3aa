import type { Location } from '../diagnostics/diagnostic.js';
import { sameJson } from '../resolve/canonical.js';
import {
  controlPath,
  FEATURE_CONTROLS,
  isEmptyControls,
  type FeatureControlName,
  type ObjectControls,
} from './objects.js';

export type ChangeAction = 'create' | 'update' | 'delete';

/** One control of one object that must change. */
export interface ControlChange {
  /** "api_calls.overage" or "overageLimit". */
  path: string;
  feature?: string;
  control: FeatureControlName | 'overageLimit';
  action: ChangeAction;
  before: unknown;
  after: unknown;
  /** Where the policies set the new value (absent for removals). */
  location?: Location;
  /** The policy layer that set the new value: "customer", "entity", "plan" or "profile <id>". */
  setBy?: string;
}

/** The change of one control, or undefined when it holds what it should; its location is looked up only then. */
function change(
  path: string,
  feature: string | undefined,
  control: ControlChange['control'],
  before: unknown,
  after: unknown,
  locations: Record<string, Location>,
  setBy: Record<string, string>,
): ControlChange | undefined {
  if (before === undefined && after === undefined) return undefined;
  if (sameJson(before, after)) return undefined;
  const c: ControlChange = {
    path,
    control,
    action: before === undefined ? 'create' : after === undefined ? 'delete' : 'update',
    before: before ?? null,
    after: after ?? null,
  };
  if (feature !== undefined) c.feature = feature;
  // a desired state's locations are worked out when first read (plan/desired.ts): only for the controls that change
  const location = after !== undefined ? locations[path] : undefined;
  if (location) c.location = location;
  if (setBy[path] !== undefined && after !== undefined) c.setBy = setBy[path];
  return c;
}

/** Every control that differs between what an object holds and what it should hold, in a stable order. */
export function diffControls(
  before: ObjectControls | null,
  after: ObjectControls,
  locations: Record<string, Location> = {},
  setBy: Record<string, string> = {},
): ControlChange[] {
  const changes: ControlChange[] = [];
  const features = new Set([...Object.keys(before?.features ?? {}), ...Object.keys(after.features)]);
  for (const feature of [...features].sort()) {
    const b = before?.features[feature] ?? {};
    const a = after.features[feature] ?? {};
    for (const control of FEATURE_CONTROLS) {
      const path = controlPath(feature, control);
      const c = change(path, feature, control, b[control], a[control], locations, setBy);
      if (c) changes.push(c);
    }
  }
  const c = change('overageLimit', undefined, 'overageLimit', before?.overageLimit, after.overageLimit, locations, setBy);
  if (c) changes.push(c);
  return changes;
}

/** Whether the object as a whole is created, changed or cleared. */
export function objectAction(before: ObjectControls | null, after: ObjectControls): ChangeAction {
  if (isEmptyControls(before)) return 'create';
  if (isEmptyControls(after)) return 'delete';
  return 'update';
}

import { canonicalJson } from '../resolve/canonical.js';
import { diffControls } from '../plan/diff.js';
import type { DesiredObject, LiveObject, ObjectControls } from '../plan/objects.js';
import { liveFingerprint, planObject, type ObjectPlan } from '../plan/plan.js';
import { sameControls } from './apply.js';

// A saved plan is applied only as the policies at its digest produce it: every object it lists is
// recomputed from the policies and the live state, and a plan that says otherwise was edited by hand.

/** A saved object that is not what the policies produce. */
export interface EditedObject {
  key: string;
  /** Controls whose value in the plan differs from the policies'; empty when only its recorded changes differ. */
  differences: Array<{ path: string; planned: unknown; policies: unknown }>;
}

/** A saved plan's objects, sorted by what apply must do with them. */
export interface SavedPlanCheck {
  /** Not what the policies produce: the plan must be refused. */
  edited: EditedObject[];
  /** Their live state moved since the plan was made, and they do not hold the planned state: the plan is stale. */
  stale: string[];
  /** Already hold the planned state (an earlier, interrupted apply of this plan wrote them). */
  done: string[];
  /** The rest, recomputed from the policies and their unchanged live state: what apply writes. */
  write: ObjectPlan[];
}

const EMPTY: ObjectControls = { features: {} };

/** Checks each object of a saved plan against the policies' desired state and the live state; pure. */
export function checkSavedPlan(
  objects: readonly ObjectPlan[],
  desired: ReadonlyMap<string, DesiredObject>,
  live: ReadonlyMap<string, LiveObject | null>,
): SavedPlanCheck {
  const check: SavedPlanCheck = { edited: [], stale: [], done: [], write: [] };
  const seen = new Set<string>();
  for (const saved of objects) {
    const want = desired.get(saved.key);
    const differences = diffControls(saved.after, want?.controls ?? EMPTY).map((c) => ({ path: c.path, planned: c.before, policies: c.after }));
    if (differences.length > 0 || seen.has(saved.key)) {
      check.edited.push({ key: saved.key, differences });
      continue;
    }
    seen.add(saved.key);
    const now = live.get(saved.key) ?? null;
    if (liveFingerprint(now) !== saved.fingerprint) {
      const holds = sameControls(now?.controls, saved.after) && (saved.marker === undefined || (now?.marker ?? null) === saved.marker.after);
      (holds ? check.done : check.stale).push(saved.key);
      continue;
    }
    // A managed marker is not part of the fingerprint (a killed apply may have moved it since); the plan may only
    // ask for the marker the policies imply, and what is written is recomputed against the marker there now.
    const wantMarker = want?.marker ?? null;
    if ((saved.marker === undefined ? wantMarker : saved.marker.after) !== wantMarker) {
      check.edited.push({ key: saved.key, differences: [] });
      continue;
    }
    // The live controls are the ones the plan was made against, so recomputing must give the very same change.
    const fresh = planObject(saved.key, want, now);
    if (fresh === undefined) {
      // Only a marker change can have been done since without moving the fingerprint.
      if (saved.changes.length === 0) check.done.push(saved.key);
      else check.edited.push({ key: saved.key, differences: [] });
      continue;
    }
    if (essence(fresh) !== essence(saved)) check.edited.push({ key: saved.key, differences: [] });
    else check.write.push(fresh);
  }
  return check;
}

/** An object change without where its values were written (that depends on the directory the policies were read from) and without its marker. */
function essence(o: ObjectPlan): string {
  const { marker: _marker, ...rest } = o;
  return canonicalJson({ ...rest, changes: o.changes.map(({ location: _location, ...c }) => c) });
}

import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import { controlPath, describeRef, type DesiredObject, type LiveObject } from './objects.js';

/**
 * One error per policy place whose control would replace an entry tollgate does not manage (the billing system keeps
 * one per feature): such entries are never dropped, so the plan stops instead. Pure.
 */
export function unmanagedConflicts(
  desired: ReadonlyMap<string, DesiredObject>,
  live: ReadonlyMap<string, LiveObject | null>,
  /** How messages name the billing system, e.g. "target autumn". */
  systemName: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [key, want] of desired) {
    for (const e of live.get(key)?.unmanaged ?? []) {
      if (e.occupies === undefined || e.feature === undefined) continue;
      if (want.controls.features[e.feature]?.[e.occupies] === undefined) continue;
      const path = controlPath(e.feature, e.occupies);
      const where: Location = want.locations[path] ?? { file: '', line: 0, column: 0, endLine: 0, endColumn: 0, pointer: '' };
      const message =
        `${describeRef(want.ref)} holds an entry in ${e.key} for ${e.feature} on ${systemName} that tollgate does not model: ${JSON.stringify(e.entry)}. ` +
        `There is one per feature, so writing ${e.occupies} would replace it: remove the entry there, or remove ${e.occupies} here.`;
      out.push(diagnostic('unmanaged-conflict', message, where));
    }
  }
  return out;
}

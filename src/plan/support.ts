import { diagnostic, type Diagnostic, type Location } from '../diagnostics/diagnostic.js';
import type { Capabilities } from './capabilities.js';
import { controlPath, describeRef, FEATURE_CONTROLS, type DesiredObject } from './objects.js';

/**
 * One error per place where the policies use a control the target cannot hold: nothing is dropped
 * silently. A profile line that reaches many customers is one error naming them.
 */
export function unsupportedControls(desired: Iterable<DesiredObject>, capabilities: Capabilities, targetName: string): Diagnostic[] {
  const places = new PlaceGroups();
  for (const o of desired) {
    const supported = capabilities[o.ref.kind];
    const report = (path: string, control: string): void => {
      const where = o.locations[path];
      if (!where) return;
      const what = supported.size === 0 ? `${o.ref.kind}-level controls` : `"${control}" on a ${o.ref.kind}`;
      places.add(where, `${what}|${path}`, describeRef(o.ref), (objects) => `Target ${targetName} does not support ${what}, so ${path} of ${objects} cannot be pushed. Remove it or choose another target.`);
    };
    for (const [feature, settings] of Object.entries(o.controls.features)) {
      for (const control of FEATURE_CONTROLS) {
        if (settings[control] !== undefined && !supported.has(control)) report(controlPath(feature, control), control);
      }
    }
    if (o.controls.overageLimit !== undefined && !supported.has('overageLimit')) report('overageLimit', 'overageLimit');
  }
  return places.diagnostics();
}

/** Collects objects that share one problem at one place, so the place is reported once. */
export class PlaceGroups {
  private readonly groups = new Map<string, { where: Location; objects: string[]; message: (objects: string) => string }>();

  add(where: Location, problem: string, object: string, message: (objects: string) => string): void {
    const id = `${where.file}\0${where.line}\0${where.column}\0${problem}`;
    const group = this.groups.get(id);
    if (group) group.objects.push(object);
    else this.groups.set(id, { where, objects: [object], message });
  }

  diagnostics(): Diagnostic[] {
    return [...this.groups.values()].map((g) => diagnostic('unsupported-control', g.message(listOf(g.objects)), g.where));
  }
}

/** "a", "a and b", "a, b and c", "a, b, c, d, e and 3 more". */
function listOf(items: readonly string[], most = 5): string {
  if (items.length === 1) return items[0]!;
  const shown = items.slice(0, Math.min(items.length - 1, most));
  const rest = items.length - shown.length;
  return `${shown.join(', ')} and ${rest === 1 && items.length <= most + 1 ? items[items.length - 1] : `${rest} more`}`;
}

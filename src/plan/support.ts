import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Capabilities } from '../targets/target.js';
import { controlPath, describeRef, FEATURE_CONTROLS, type DesiredObject } from './objects.js';

/** One error per place where the policies use a control the target cannot hold: nothing is dropped silently. */
export function unsupportedControls(desired: Iterable<DesiredObject>, capabilities: Capabilities, targetName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const o of desired) {
    const supported = capabilities[o.ref.kind];
    const report = (path: string, control: string): void => {
      const where = o.locations[path];
      if (!where) return;
      const what = supported.size === 0 ? `${o.ref.kind}-level controls` : `"${control}" on a ${o.ref.kind}`;
      out.push(diagnostic('unsupported-control', `Target ${targetName} does not support ${what}, so ${path} of ${describeRef(o.ref)} cannot be pushed. Remove it or choose another target.`, where));
    };
    for (const [feature, settings] of Object.entries(o.controls.features)) {
      for (const control of FEATURE_CONTROLS) {
        if (settings[control] !== undefined && !supported.has(control)) report(controlPath(feature, control), control);
      }
    }
    if (o.controls.overageLimit !== undefined && !supported.has('overageLimit')) report('overageLimit', 'overageLimit');
  }
  return out;
}

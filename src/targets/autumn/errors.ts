// Autumn's failures told in tollgate's terms: which object, and where in the policies it was set.
import { describeRef, type FeatureControlName, type ObjectRef } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { TargetError } from '../target.js';
import { AutumnApiError } from './client.js';
import { KEY_OF, type BillingControlsWire, type BillingKey } from './wire.js';

const CONTROL_OF = Object.fromEntries(Object.entries(KEY_OF).map(([control, key]) => [key, control])) as Record<BillingKey, FeatureControlName>;

/** "customers", "entities" or "plans": what tollgate never creates. */
function plural(ref: ObjectRef): string {
  return ref.kind === 'entity' ? 'entities' : `${ref.kind}s`;
}

function missingOne(ref: ObjectRef): string {
  const what = ref.kind === 'entity' ? `entity ${ref.id} of customer ${ref.customer}` : `${ref.kind} ${ref.id}`;
  const create = ref.kind === 'entity' ? `create entity ${ref.id} under customer ${ref.customer}` : `create ${ref.id}`;
  return `Autumn has no ${what}: tollgate never creates ${plural(ref)}: ${create} in Autumn first.`;
}

/** The policies name objects Autumn does not have; all of them are listed. */
export function unknownObjects(refs: readonly ObjectRef[]): TargetError {
  if (refs.length === 1) return new TargetError(missingOne(refs[0]!), { status: 404 });
  const shown = refs.slice(0, 20).map((r) => `  ${missingOne(r)}`);
  const more = refs.length > 20 ? [`  … and ${refs.length - 20} more`] : [];
  return new TargetError([`Autumn has none of these ${refs.length} objects the policies set controls on:`, ...shown, ...more].join('\n'), { status: 404 });
}

/** A write's failure with the object named: 404 says what to create, 400 points at the policy lines. */
export function explainWriteError(error: unknown, object: ObjectPlan, sent: BillingControlsWire): unknown {
  if (!(error instanceof AutumnApiError)) return error;
  if (error.status === 404) return new TargetError(missingOne(object.ref), { status: 404, code: error.code });
  if (error.status !== 400) return error;
  const where = policyLocations(error.apiMessage, object, sent);
  const at = where.length > 0 ? ` (set at ${where.join(', ')})` : '';
  return new TargetError(`Autumn rejected the controls of ${describeRef(object.ref)}${at}: ${error.status} ${error.code}: ${error.apiMessage}`, {
    status: error.status,
    code: error.code,
  });
}

/**
 * The policy lines behind the paths Autumn names ("billing_controls.usage_alerts[2].threshold: …"):
 * the entry at that index is the one sent, whose feature and control lead to the change and its location.
 */
export function policyLocations(apiMessage: string, object: ObjectPlan, sent: BillingControlsWire): string[] {
  const found = new Set<string>();
  const located = object.changes.filter((c) => c.location !== undefined && c.location.file !== '');
  for (const match of apiMessage.matchAll(/billing_controls\.(overage_allowed|spend_limits|usage_alerts|usage_limits|auto_topups)\[(\d+)\]/g)) {
    const key = match[1] as BillingKey;
    const entry = sent[key]?.[Number(match[2])];
    const change = located.find((c) => c.control === CONTROL_OF[key] && c.feature === entry?.feature_id);
    if (change?.location) found.add(`${change.location.file}:${change.location.line}:${change.location.column} ${change.path}`);
  }
  if (found.size === 0 && located.length > 0) {
    // Autumn named no entry tollgate can place: point at everything this write set.
    for (const c of located) found.add(`${c.location!.file}:${c.location!.line}:${c.location!.column} ${c.path}`);
  }
  return [...found];
}

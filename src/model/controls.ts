// Every control of the policy language described once (SPEC §1, §2, §5, §8): the layers that may set it and the
// objects each billing system holds it on. Precedence, planning and the targets' capabilities read this table;
// adding a control starts here. (Every control merges the same way: the first layer that sets it wins; for the
// lists usageAlerts and usageLimits, `[]` is a setting too. How each reads is in plan/format/values.ts.)

export type ControlName = 'overage' | 'maxOverageUnits' | 'usageAlerts' | 'usageLimits' | 'autoTopup' | 'overageLimit';
export type SettingLayer = 'entity' | 'customer' | 'profile' | 'plan';
export type ObjectKind = 'plan' | 'customer' | 'entity';
export type TargetKind = 'local' | 'autumn' | 'owostack';

export interface ControlDescription {
  /** Per feature (`controls: { api_calls: { … } }`) or customer-wide (`overageLimit`). */
  scope: 'feature' | 'customer';
  /** Layers that may set it; set anywhere else, it is an error and never takes effect. */
  layers: ReadonlySet<SettingLayer>;
  /** The objects each billing system can hold it on; a policy using it elsewhere is refused at plan time, per place. */
  heldOn: Readonly<Record<TargetKind, ReadonlySet<ObjectKind>>>;
}

const everywhere: ReadonlySet<SettingLayer> = new Set(['entity', 'customer', 'profile', 'plan']);
const aboveEntities: ReadonlySet<SettingLayer> = new Set(['customer', 'profile', 'plan']);
const allObjects: ReadonlySet<ObjectKind> = new Set(['plan', 'customer', 'entity']);
const noEntities: ReadonlySet<ObjectKind> = new Set(['plan', 'customer']);
const customersOnly: ReadonlySet<ObjectKind> = new Set(['customer']);
const nowhere: ReadonlySet<ObjectKind> = new Set();

export const CONTROLS: Readonly<Record<ControlName, ControlDescription>> = {
  overage: { scope: 'feature', layers: everywhere, heldOn: { local: allObjects, autumn: allObjects, owostack: customersOnly } },
  maxOverageUnits: { scope: 'feature', layers: everywhere, heldOn: { local: allObjects, autumn: allObjects, owostack: customersOnly } },
  usageAlerts: { scope: 'feature', layers: everywhere, heldOn: { local: allObjects, autumn: allObjects, owostack: nowhere } },
  usageLimits: { scope: 'feature', layers: everywhere, heldOn: { local: allObjects, autumn: allObjects, owostack: nowhere } },
  // top-ups invoice the customer's payment method: customer-level only
  autoTopup: { scope: 'feature', layers: aboveEntities, heldOn: { local: noEntities, autumn: noEntities, owostack: nowhere } },
  // Autumn has no customer-wide overage cap
  overageLimit: { scope: 'customer', layers: aboveEntities, heldOn: { local: noEntities, autumn: nowhere, owostack: customersOnly } },
};

/** The per-feature controls, in the order plans and explain list them. */
export const FEATURE_CONTROL_NAMES = ['overage', 'maxOverageUnits', 'usageAlerts', 'usageLimits', 'autoTopup'] as const satisfies readonly ControlName[];

/** Whether a layer may set a control. */
export function settableOn(control: ControlName, layer: SettingLayer): boolean {
  return CONTROLS[control].layers.has(layer);
}

/** Which controls a billing system holds on each kind of object, from the table. */
export function capabilitiesOf(target: TargetKind): Record<ObjectKind, ReadonlySet<ControlName>> {
  const on = (kind: ObjectKind): ReadonlySet<ControlName> =>
    new Set((Object.keys(CONTROLS) as ControlName[]).filter((name) => CONTROLS[name].heldOn[target].has(kind)));
  return { plan: on('plan'), customer: on('customer'), entity: on('entity') };
}

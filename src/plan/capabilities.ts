import type { FeatureControlName, ObjectRef } from './objects.js';

export type ControlName = FeatureControlName | 'overageLimit';

/** Which controls a target can hold on each kind of object; the planner checks the policies against it. */
export type Capabilities = Record<ObjectRef['kind'], ReadonlySet<ControlName>>;

import type { ControlName } from '../model/controls.js';
import type { ObjectRef } from './objects.js';

export type { ControlName };

/** Which controls a target can hold on each kind of object (see `capabilitiesOf`); the planner checks the policies against it. */
export type Capabilities = Record<ObjectRef['kind'], ReadonlySet<ControlName>>;

import type { ObjectPlan } from '../plan/plan.js';
import type { FeatureControlName, LiveObject, ObjectRef } from '../plan/objects.js';

export type ControlName = FeatureControlName | 'overageLimit';

/** Which controls a target can hold on each kind of object. */
export type Capabilities = Record<ObjectRef['kind'], ReadonlySet<ControlName>>;

export interface WriteContext {
  /** Unique per object change; a target that supports idempotency sends it. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

/** A billing system tollgate can read and write: the only part that differs between targets. */
export interface Target {
  readonly name: string;
  /** Base URL for remote targets, state file for local; shown in plans, never secret. */
  readonly endpoint: string;
  readonly capabilities: Capabilities;
  /** Most requests per second the target accepts; undefined for no limit. */
  readonly rateLimit?: number;
  /** Keys of every object tollgate wrote before, so that a removed policy plans the removal of its overrides. */
  managedKeys(): Promise<string[]>;
  /** Live state of these objects; null for an object that holds no controls. */
  read(keys: readonly string[]): Promise<Map<string, LiveObject | null>>;
  /** Makes one object hold exactly `object.after`. */
  write(object: ObjectPlan, ctx: WriteContext): Promise<void>;
  /** Persists what was written so far; called during long applies and at the end. */
  flush(): Promise<void>;
  /** A lock file path that keeps two applies against this target apart. */
  readonly lockPath: string;
}

/** A failure the user caused or can fix (bad key, unknown object, rejected body): shown as a message, not a stack. */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly options: { retryable?: boolean; status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

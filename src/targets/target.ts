import type { ObjectPlan } from '../plan/plan.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PolicySet } from '../model/policy-set.js';
import type { DesiredObject, LiveObject } from '../plan/objects.js';
import type { Capabilities } from '../plan/capabilities.js';

export type { Capabilities, ControlName } from '../plan/capabilities.js';

/** A customer or entity a billing system lists, for import. */
export interface ListedObject {
  /** "customer:<id>" or "entity:<customer>/<id>". */
  key: string;
  name?: string;
  /** The customer's plan, when the billing system says which. */
  plan?: string;
}

export interface WriteContext {
  /** Unique per object change, the same on every attempt of it; a target that supports idempotency sends it. */
  idempotencyKey: string;
  /** 1 for the first try of this change, 2 for the first retry, … */
  attempt: number;
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
  /** Live state of these objects; null for an object that holds no controls. `onRead` is told how many are read so far. */
  read(keys: readonly string[], onRead?: (done: number) => void): Promise<Map<string, LiveObject | null>>;
  /**
   * Makes one object hold exactly `object.after`, in one attempt: failures are thrown as TargetError,
   * and the executor decides whether to try again.
   */
  write(object: ObjectPlan, ctx: WriteContext): Promise<void>;
  /**
   * Every customer and entity the billing system holds, or only the named customers and their entities, for
   * import; `onListed` counts them as pages come in. Absent on a target that cannot list its customers.
   */
  listObjects?(customers: readonly string[] | undefined, onListed?: (done: number) => void): Promise<ListedObject[]>;
  /**
   * Records objects as managed by tollgate without writing them (import adopts what it imported), on a target
   * that keeps its managed set apart from the objects; with their plans. Absent where writing is what records.
   */
  adopt?(objects: ReadonlyArray<{ key: string; plan?: string }>): Promise<void>;
  /** Persists what was written so far; called at the end of an apply. */
  flush(): Promise<void>;
  /** A lock file path that keeps two applies against this target apart. */
  readonly lockPath: string;
  /**
   * The desired state in the form this target stores it, and an error per place it cannot be stored;
   * absent when the target stores every supported control as written.
   */
  express?(desired: ReadonlyMap<string, DesiredObject>, set: PolicySet): { desired: Map<string, DesiredObject>; problems: Diagnostic[] };
  /**
   * Where the policies' plans and features differ from the target's own catalog, one diagnostic per place (errors
   * stop the plan); absent when the target has no catalog to read.
   */
  checkCatalog?(set: PolicySet, desired: ReadonlyMap<string, DesiredObject>): Promise<Diagnostic[]>;
}

export interface TargetErrorOptions {
  /** Worth trying again: 429, 5xx, a timeout, a dropped connection. */
  retryable?: boolean;
  /** HTTP status, when the failure is an answer from an API. */
  status?: number;
  /** The API's own error code, e.g. "invalid_inputs". */
  code?: string;
  /** How long the API asked to wait (Retry-After). */
  retryAfterMs?: number;
  /** The idempotency key was already used: an earlier attempt of this very change may have been stored. */
  duplicate?: boolean;
  /** No other write can succeed either (the key is refused): stop starting writes. */
  fatal?: boolean;
}

/** A failure the user caused or can fix (bad key, unknown object, rejected body): shown as a message, not a stack. */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly options: TargetErrorOptions = {},
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

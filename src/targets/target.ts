import type { ObjectPlan } from '../plan/plan.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { PolicySet } from '../model/policy-set.js';
import type { DesiredObject, LiveObject } from '../plan/objects.js';
import type { Capabilities } from '../plan/capabilities.js';
import type { UsageTable } from '../impact/usage.js';

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
  /**
   * Keys of the objects the billing system itself marks as tollgate's (Autumn's metadata marker; the local
   * state file). The state backend keeps the managed set for every target; the caller joins the two.
   */
  managedKeys(): Promise<string[]>;
  /**
   * Live state of these objects; null for an object that holds no controls. `onRead` is told how many are
   * read so far; `context` carries what the state backend remembers of them.
   */
  read(keys: readonly string[], onRead?: (done: number) => void, context?: ReadContext): Promise<Map<string, LiveObject | null>>;
  /**
   * Makes one object hold exactly `object.after`, in one attempt: failures are thrown as TargetError,
   * and the executor decides whether to try again. A target has this, or `calls` and `send`.
   */
  write?(object: ObjectPlan, ctx: WriteContext): Promise<void>;
  /**
   * Pure: the API calls that make one object hold `object.after`, in order. A target that has them (with
   * `send`) is driven call by call: the executor retries a failed call, never one that already succeeded.
   * For billing systems whose controls are separate resources, created and deleted one by one.
   */
  calls?(object: ObjectPlan): TargetCall[];
  /** Sends one call, once, with the idempotency key the executor gives it (the change's key and the call's name). */
  send?(call: TargetCall, ctx: WriteContext): Promise<void>;
  /**
   * Current-period usage of these customers and entities, by feature; absent when the target cannot read usage.
   * Called after read() for the same keys: a target keeps what its reads already returned rather than asking again.
   */
  readUsage?(keys: readonly string[]): Promise<UsageTable>;
  /**
   * Every customer and entity the billing system holds, or only the named customers and their entities, for
   * import; `onListed` counts them as pages come in. Absent on a target that cannot list its customers.
   */
  listObjects?(customers: readonly string[] | undefined, onListed?: (done: number) => void, context?: ReadContext): Promise<ListedObject[]>;
  /** Persists what was written so far; called at the end of an apply. */
  flush(): Promise<void>;
  /** Writes hold only once `flush` returns (the local target's state file): objects count as applied, and are recorded, after it. */
  readonly persistsOnFlush?: boolean;
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

/** One API call of an object change, as a target's `calls` makes it; `name` is unique within the change. */
export interface TargetCall {
  readonly name: string;
}

/** What the caller's state backend remembers of the objects being read. */
export interface ReadContext {
  /** Objects tollgate wrote before (the managed set), with the plan each was written with where known. */
  managed: ReadonlyMap<string, { plan?: string }>;
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

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pLimit from 'p-limit';
import { DEFAULT_RETRY, retrying, type RetryPolicy } from '../../apply/backoff.js';
import { systemClock, type Clock, type Random } from '../../apply/clock.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { OWOSTACK_BASE_URL } from '../../emulate/owostack/routes.js';
import type { PolicySet } from '../../model/policy-set.js';
import { describeRef, isEmptyControls, parseObjectKey, type DesiredObject, type LiveObject } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { TargetError, type Capabilities, type Target, type WriteContext } from '../target.js';
import { OWOSTACK_KEY_VARIABLE, OwostackClient } from './client.js';
import { DEFAULT_MANAGED_FILE, managedAt, updateManaged } from './managed.js';
import { expressForOwostack, holds, liveFromCustomer, writeCalls, type OwostackWriteCall } from './wire.js';

/** Owostack holds per-feature overage and caps and a customer-wide overage limit, on customers only. */
export const OWOSTACK_CAPABILITIES: Capabilities = {
  plan: new Set(),
  customer: new Set(['overage', 'maxOverageUnits', 'overageLimit']),
  entity: new Set(),
};

/** Requests per second tollgate sends to Owostack, reads and writes together. */
export const OWOSTACK_RATE_LIMIT = 25;

/** Customers read at once while planning. */
const READ_CONCURRENCY = 8;

export interface OwostackTargetOptions {
  /** API base URL; OWOSTACK_BASE_URL by default. */
  endpoint?: string;
  secretKey: string | undefined;
  /** Where the managed set is kept; DEFAULT_MANAGED_FILE by default. */
  managedFile?: string;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  fetch?: typeof fetch;
}

/**
 * Owostack's customer config API as a tollgate target. Reading a customer creates it (the seed's API
 * behaviour wins over SPEC §5's "tollgate never creates customers"), so plan reads only the customers the
 * policies name and the ones tollgate applied before.
 */
export class OwostackTarget implements Target {
  readonly name = 'owostack';
  readonly capabilities = OWOSTACK_CAPABILITIES;
  readonly rateLimit = OWOSTACK_RATE_LIMIT;
  readonly endpoint: string;
  readonly lockPath: string;
  private readonly client: OwostackClient;
  private readonly managedFile: string;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: Random;
  /** Whether each object read or written in this run holds controls, for the managed set. */
  private readonly holdsControls = new Map<string, boolean>();
  /** The plan of each customer written in this run, kept with the managed set. */
  private readonly plansWritten = new Map<string, string>();
  /** Plans of managed customers as recorded when they were written. */
  private managedPlans = new Map<string, string>();
  /** Per-call idempotency keys Owostack accepted in this run: a retried write skips them. */
  private readonly accepted = new Set<string>();
  private wrote = false;

  constructor(options: OwostackTargetOptions) {
    if (options.secretKey === undefined || options.secretKey.trim() === '') {
      throw new TargetError(`${OWOSTACK_KEY_VARIABLE} is not set: export the secret key of your Owostack account (for the emulator, any non-empty key unless it was started with --secret-key).`);
    }
    this.endpoint = httpUrl(options.endpoint ?? OWOSTACK_BASE_URL).replace(/\/+$/, '');
    this.managedFile = options.managedFile ?? DEFAULT_MANAGED_FILE;
    this.lockPath = path.join(path.dirname(this.managedFile), 'apply.lock');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.client = new OwostackClient({
      baseUrl: this.endpoint,
      secretKey: options.secretKey.trim(),
      rateLimit: OWOSTACK_RATE_LIMIT,
      clock: this.clock,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  async managedKeys(): Promise<string[]> {
    const managed = managedAt(this.managedFile, this.endpoint);
    this.managedPlans = managed.plans;
    return managed.keys;
  }

  /** Plan and entity objects hold nothing on Owostack; each customer is one read, retried on 429/5xx. */
  async read(keys: readonly string[], onRead?: (done: number) => void): Promise<Map<string, LiveObject | null>> {
    const limit = pLimit(READ_CONCURRENCY);
    let failed = false;
    let done = 0;
    const entries = await Promise.all(
      keys.map((key) =>
        limit(async (): Promise<[string, LiveObject | null]> => {
          const ref = parseObjectKey(key);
          if (ref.kind !== 'customer') {
            onRead?.(++done);
            return [key, null];
          }
          if (failed) return [key, null];
          try {
            const customer = await retrying(() => this.client.customer(ref.id), { policy: this.retry, clock: this.clock, random: this.random });
            const live = liveFromCustomer(customer);
            this.holdsControls.set(key, live !== null);
            // Owostack does not say which plan a customer is on; the managed set remembers it.
            const plan = this.managedPlans.get(key);
            if (live !== null && plan !== undefined) live.plan = plan;
            onRead?.(++done);
            return [key, live];
          } catch (error) {
            failed = true;
            throw error;
          }
        }),
      ),
    );
    return new Map(entries);
  }

  /**
   * One setFeatureConfig per changed feature and one setOverageLimit if the limit changed, each with its own
   * idempotency key (the change's key plus the call). Calls accepted in an earlier attempt are skipped.
   */
  async write(object: ObjectPlan, ctx: WriteContext): Promise<void> {
    if (object.ref.kind !== 'customer') {
      throw new TargetError(`Owostack holds no controls on a ${object.ref.kind}; ${describeRef(object.ref)} cannot be written.`);
    }
    this.wrote = true;
    if (object.plan !== undefined) this.plansWritten.set(object.key, object.plan);
    // Until every call is accepted the customer may hold part of the change: keep it in the managed set.
    this.holdsControls.set(object.key, true);
    for (const call of writeCalls(object)) {
      const key = `${ctx.idempotencyKey}.${call.name}`;
      if (this.accepted.has(key)) continue;
      await this.send(call, key);
      this.accepted.add(key);
    }
    this.holdsControls.set(object.key, !isEmptyControls(object.after));
  }

  /**
   * One call. A reused key means Owostack stored a call with it before: this run's answer was lost, or an
   * earlier apply made this same change. A read says whether the customer still holds it; if it does not
   * (it was changed outside tollgate since), the call is sent again under a fresh key: it sets absolute values.
   */
  private async send(call: OwostackWriteCall, key: string): Promise<void> {
    const once = (k: string) => (call.call === 'setFeatureConfig' ? this.client.setFeatureConfig(call.body, k) : this.client.setOverageLimit(call.body, k));
    try {
      await once(key);
    } catch (error) {
      if (!(error instanceof TargetError && error.options.duplicate)) throw error;
      if (holds(await this.client.customer(call.body.customer), call)) return;
      await once(`${key}.${randomUUID()}`);
    }
  }

  /** Records which customers tollgate now manages at this endpoint; only after an apply wrote something. */
  async flush(): Promise<void> {
    if (!this.wrote) return;
    await updateManaged(this.managedFile, this.endpoint, this.holdsControls, this.plansWritten);
  }

  /** The desired state as Owostack stores it (no explicit "unlimited"), and where it cannot be stored. */
  express(desired: ReadonlyMap<string, DesiredObject>, set: PolicySet): { desired: Map<string, DesiredObject>; problems: Diagnostic[] } {
    return expressForOwostack(desired, set);
  }
}

function httpUrl(endpoint: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TargetError(`The owostack endpoint "${endpoint}" is not an http(s) URL; give a base URL such as ${OWOSTACK_BASE_URL} (--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml).`);
  }
  return endpoint;
}

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pLimit from 'p-limit';
import { DEFAULT_RETRY, retrying, type RetryPolicy } from '../backoff.js';
import { systemClock, type Clock, type Random } from '../../util/clock.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { PolicySet } from '../../model/policy-set.js';
import { describeRef, isEmptyControls, parseObjectKey, type DesiredObject, type LiveObject } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { TargetError, type Capabilities, type ListedObject, type Target, type WriteContext } from '../target.js';
import { OWOSTACK_KEY_VARIABLE, OwostackClient } from './client.js';
import { DEFAULT_MANAGED_FILE, managedAt, updateManaged } from './managed.js';
import { OWOSTACK_LIST_MAX_LIMIT, OWOSTACK_LIVE_KEY_PREFIX, OWOSTACK_LIVE_URL, OWOSTACK_SANDBOX_URL } from './routes.js';
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
  /** API base URL; the sandbox by default, production with `live`. */
  endpoint?: string;
  secretKey: string | undefined;
  /** Allows production keys (`owo_sk_live_…`) and makes production the default endpoint. */
  live?: boolean;
  /** Where the managed set is kept; DEFAULT_MANAGED_FILE by default. */
  managedFile?: string;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  fetch?: typeof fetch;
}

/**
 * Owostack's customer config API as a tollgate target: one `GET /customers/{id}` per customer the policies
 * name or tollgate applied before. Reading does not create; tollgate never creates customers, so one the
 * policies name that Owostack does not know is an error naming it.
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
  /** Keys of the managed set, so that one Owostack no longer has is gone rather than an error. */
  private readonly managed = new Set<string>();
  private wrote = false;

  constructor(options: OwostackTargetOptions) {
    if (options.secretKey === undefined || options.secretKey.trim() === '') {
      throw new TargetError(`${OWOSTACK_KEY_VARIABLE} is not set: export the secret key of your Owostack account (for the emulator, any non-empty key unless it was started with --secret-key).`);
    }
    const key = options.secretKey.trim();
    if (key.startsWith(OWOSTACK_LIVE_KEY_PREFIX) && options.live !== true) {
      throw new TargetError(`${OWOSTACK_KEY_VARIABLE} holds a production key (${OWOSTACK_LIVE_KEY_PREFIX}…). tollgate uses production keys only when asked to: pass --live.`);
    }
    this.endpoint = httpUrl(options.endpoint ?? (options.live === true ? OWOSTACK_LIVE_URL : OWOSTACK_SANDBOX_URL)).replace(/\/+$/, '');
    this.managedFile = options.managedFile ?? DEFAULT_MANAGED_FILE;
    this.lockPath = path.join(path.dirname(this.managedFile), 'apply.lock');
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.client = new OwostackClient({
      baseUrl: this.endpoint,
      secretKey: key,
      rateLimit: OWOSTACK_RATE_LIMIT,
      clock: this.clock,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  async managedKeys(): Promise<string[]> {
    const managed = managedAt(this.managedFile, this.endpoint);
    this.managedPlans = managed.plans;
    for (const key of managed.keys) this.managed.add(key);
    return managed.keys;
  }

  /**
   * Every customer, listed 100 at a time (`GET /customers`), or the named ones, each read once to check it exists.
   * Owostack does not say which plan a customer is on: a listed customer carries the plan the managed set
   * remembers for it, if any.
   */
  async listObjects(customers: readonly string[] | undefined, onListed?: (done: number) => void): Promise<ListedObject[]> {
    const managed = managedAt(this.managedFile, this.endpoint);
    const found = new Map<string, ListedObject>();
    const add = (id: string, name: string | undefined): void => {
      const listed: ListedObject = { key: `customer:${id}` };
      if (name !== undefined) listed.name = name;
      const plan = managed.plans.get(listed.key);
      if (plan !== undefined) listed.plan = plan;
      found.set(listed.key, listed);
      onListed?.(found.size);
    };
    const read = <T>(call: () => Promise<T>): Promise<T> => retrying(call, { policy: this.retry, clock: this.clock, random: this.random });
    if (customers === undefined) {
      // Newest first: a customer created meanwhile shifts the pages by one, so one seen twice is listed once.
      for (let offset = 0, total = Infinity; offset < total; offset += OWOSTACK_LIST_MAX_LIMIT) {
        const page = await read(() => this.client.listCustomers(OWOSTACK_LIST_MAX_LIMIT, offset));
        for (const c of page.customers) add(c.id, c.name);
        total = page.customers.length === 0 ? 0 : page.total;
      }
      return [...found.values()];
    }
    const limit = pLimit(READ_CONCURRENCY);
    const unknown: string[] = [];
    await Promise.all(
      [...new Set(customers)].map((id) =>
        limit(async () => {
          try {
            add(id, (await read(() => this.client.customer(id))).name);
          } catch (error) {
            if (!(error instanceof TargetError && error.options.status === 404 && error.options.fatal !== true)) throw error;
            unknown.push(id);
          }
        }),
      ),
    );
    if (unknown.length > 0) throw unknownCustomers(this.endpoint, unknown.sort());
    return [...found.values()];
  }

  /**
   * Plan and entity objects hold nothing on Owostack; each customer is one read, retried on 429/5xx. Every
   * customer Owostack does not know is named in one error, except managed ones: those were deleted there.
   */
  async read(keys: readonly string[], onRead?: (done: number) => void): Promise<Map<string, LiveObject | null>> {
    const limit = pLimit(READ_CONCURRENCY);
    const unknown: string[] = [];
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
            if (error instanceof TargetError && error.options.status === 404 && error.options.fatal !== true) {
              if (!this.managed.has(key)) unknown.push(ref.id);
              this.holdsControls.set(key, false);
              onRead?.(++done);
              return [key, null];
            }
            failed = true;
            throw error;
          }
        }),
      ),
    );
    if (unknown.length > 0) throw unknownCustomers(this.endpoint, unknown.sort());
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

  /** Adds customers to the managed set with their plans (Owostack does not say which plan a customer is on). */
  async adopt(objects: ReadonlyArray<{ key: string; plan?: string }>): Promise<void> {
    const customers = objects.filter((o) => parseObjectKey(o.key).kind === 'customer');
    if (customers.length === 0) return;
    const plans = new Map(customers.flatMap((o) => (o.plan === undefined ? [] : [[o.key, o.plan] as const])));
    await updateManaged(this.managedFile, this.endpoint, new Map(customers.map((o) => [o.key, true])), plans);
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

/** The policies name customers Owostack does not have: all of them, in one error. */
function unknownCustomers(endpoint: string, ids: readonly string[]): TargetError {
  const shown = ids.slice(0, 20).join(', ') + (ids.length > 20 ? ` and ${ids.length - 20} more` : '');
  const what = ids.length === 1 ? `no customer ${shown}` : `none of these ${ids.length} customers the policies name: ${shown}`;
  const them = ids.length === 1 ? 'it' : 'them';
  return new TargetError(
    `Owostack at ${endpoint} has ${what}. tollgate never creates customers: create ${them} in Owostack first (POST /customers), or point tollgate at the environment that has ${them} (--live for production, --endpoint).`,
    { status: 404 },
  );
}

function httpUrl(endpoint: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new TargetError(`The owostack endpoint "${endpoint}" is not an http(s) URL; give a base URL such as ${OWOSTACK_SANDBOX_URL} (--endpoint, OWOSTACK_API_URL or "endpoint" in tollgate.yaml).`);
  }
  return endpoint;
}

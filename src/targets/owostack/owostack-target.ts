import { randomUUID } from 'node:crypto';
import { capabilitiesOf } from '../../model/controls.js';
import pLimit from 'p-limit';
import { DEFAULT_RETRY, retrying, type RetryPolicy } from '../backoff.js';
import { systemClock, type Clock, type Random } from '../../util/clock.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { PolicySet } from '../../model/policy-set.js';
import { describeRef, parseObjectKey, type DesiredObject, type LiveObject } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { TargetError, type Capabilities, type ListedObject, type ReadContext, type Target, type WriteContext } from '../target.js';
import { OWOSTACK_KEY_VARIABLE, OwostackClient } from './client.js';
import { LEGACY_MANAGED_FILE, legacyManagedAt, type LegacyManagedSet } from './managed.js';
import { OWOSTACK_LIST_MAX_LIMIT, OWOSTACK_LIVE_KEY_PREFIX, OWOSTACK_LIVE_URL, OWOSTACK_SANDBOX_URL } from './routes.js';
import { expressForOwostack, holds, liveFromCustomer, writeCalls, type OwostackWriteCall } from './wire.js';

/** Owostack holds per-feature overage and caps and a customer-wide overage limit, on customers only. */
export const OWOSTACK_CAPABILITIES: Capabilities = capabilitiesOf('owostack');

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
  /** The managed-set file of tollgate versions before the state backend, read (never written) so its customers are not forgotten; LEGACY_MANAGED_FILE by default. */
  legacyManagedFile?: string;
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
  private readonly client: OwostackClient;
  private readonly legacyManagedFile: string;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: Random;
  /** The legacy managed-set file's customers at this endpoint, and the plans it recorded for them. */
  private legacy: LegacyManagedSet = { keys: [], plans: new Map() };

  constructor(options: OwostackTargetOptions) {
    if (options.secretKey === undefined || options.secretKey.trim() === '') {
      throw new TargetError(`${OWOSTACK_KEY_VARIABLE} is not set: export the secret key of your Owostack account (for the emulator, any non-empty key unless it was started with --secret-key).`);
    }
    const key = options.secretKey.trim();
    if (key.startsWith(OWOSTACK_LIVE_KEY_PREFIX) && options.live !== true) {
      throw new TargetError(`${OWOSTACK_KEY_VARIABLE} holds a production key (${OWOSTACK_LIVE_KEY_PREFIX}…). tollgate uses production keys only when asked to: pass --live.`);
    }
    this.endpoint = httpUrl(options.endpoint ?? (options.live === true ? OWOSTACK_LIVE_URL : OWOSTACK_SANDBOX_URL)).replace(/\/+$/, '');
    this.legacyManagedFile = options.legacyManagedFile ?? LEGACY_MANAGED_FILE;
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

  /** Owostack marks nothing as tollgate's: the state backend keeps the managed set. Only a legacy managed-set file adds to it. */
  async managedKeys(): Promise<string[]> {
    this.legacy = legacyManagedAt(this.legacyManagedFile, this.endpoint);
    return this.legacy.keys;
  }

  /**
   * Every customer, listed 100 at a time (`GET /customers`), or the named ones, each read once to check it exists.
   * Owostack does not say which plan a customer is on: a listed customer carries the plan the managed set
   * remembers for it (the state backend's records, else a legacy managed-set file), if any.
   */
  async listObjects(customers: readonly string[] | undefined, onListed?: (done: number) => void, context?: ReadContext): Promise<ListedObject[]> {
    const legacy = legacyManagedAt(this.legacyManagedFile, this.endpoint);
    const planOf = (key: string): string | undefined => context?.managed.get(key)?.plan ?? legacy.plans.get(key);
    const found = new Map<string, ListedObject>();
    const add = (id: string, name: string | undefined): void => {
      const listed: ListedObject = { key: `customer:${id}` };
      if (name !== undefined) listed.name = name;
      const plan = planOf(listed.key);
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
  async read(keys: readonly string[], onRead?: (done: number) => void, context?: ReadContext): Promise<Map<string, LiveObject | null>> {
    const managed = context?.managed ?? new Map<string, { plan?: string }>();
    const planOf = (key: string): string | undefined => managed.get(key)?.plan ?? this.legacy.plans.get(key);
    const legacyKeys = new Set(this.legacy.keys);
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
            // Owostack does not say which plan a customer is on; the state backend remembers it.
            const plan = planOf(key);
            if (live !== null && plan !== undefined) live.plan = plan;
            onRead?.(++done);
            return [key, live];
          } catch (error) {
            if (error instanceof TargetError && error.options.status === 404 && error.options.fatal !== true) {
              if (!managed.has(key) && !legacyKeys.has(key)) unknown.push(ref.id);
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

  /** Pure: one setFeatureConfig per changed feature (both fields, always) and one setOverageLimit if the limit changed. */
  calls(object: ObjectPlan): OwostackWriteCall[] {
    if (object.ref.kind !== 'customer') {
      throw new TargetError(`Owostack holds no controls on a ${object.ref.kind}; ${describeRef(object.ref)} cannot be written.`);
    }
    return writeCalls(object);
  }

  /**
   * One call. A reused key means Owostack stored a call with it before: this run's answer was lost, or an
   * earlier apply made this same change. A read says whether the customer still holds it; if it does not
   * (it was changed outside tollgate since), the call is sent again under a fresh key: it sets absolute values.
   */
  async send(call: OwostackWriteCall, ctx: WriteContext): Promise<void> {
    const once = (k: string) => (call.call === 'setFeatureConfig' ? this.client.setFeatureConfig(call.body, k) : this.client.setOverageLimit(call.body, k));
    try {
      await once(ctx.idempotencyKey);
    } catch (error) {
      if (!(error instanceof TargetError && error.options.duplicate)) throw error;
      if (holds(await this.client.customer(call.body.customer), call)) return;
      await once(`${ctx.idempotencyKey}.${randomUUID()}`);
    }
  }

  /** Every call is sent as it is made: nothing is held back. */
  async flush(): Promise<void> {}

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

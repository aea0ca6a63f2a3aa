import { createHash } from 'node:crypto';
import path from 'node:path';
import pLimit from 'p-limit';
import { DEFAULT_RETRY, type RetryPolicy } from '../../apply/backoff.js';
import { systemClock, type Clock, type Random } from '../../apply/clock.js';
import { TokenBucket } from '../../apply/token-bucket.js';
import { FEATURE_CONTROLS, isEmptyControls, objectKey, parseObjectKey, type LiveObject, type ObjectRef } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import { TargetError, type Capabilities, type ControlName, type Target, type WriteContext } from '../target.js';
import { AUTUMN_API_URL, AutumnApiError, AutumnClient } from './client.js';
import { explainWriteError, unknownObjects } from './errors.js';
import { managedKeysOf, MANAGED_KEY, readMarker, withMarker, type ManagedMarker } from './managed.js';
import { readCustomer, readCustomerPage, readEntity, readPlan, type CustomerRead } from './responses.js';
import { decodeControls, encodeControls, keysOf, type DecodedControls, type OwnSource } from './wire.js';

/** Autumn holds no customer-wide overage cap, and entities take no auto top-ups (SPEC §5). */
export const AUTUMN_CAPABILITIES: Capabilities = {
  plan: new Set<ControlName>(FEATURE_CONTROLS),
  customer: new Set<ControlName>(FEATURE_CONTROLS),
  entity: new Set<ControlName>(['overage', 'maxOverageUnits', 'usageAlerts']),
};

/** Autumn's documented limit on these routes, per organisation. */
export const AUTUMN_RATE_LIMIT = 25;

export interface AutumnTargetOptions {
  secretKey: string;
  /** Base URL; https://api.useautumn.com by default. */
  endpoint?: string;
  rateLimit?: number;
  /** Per request. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: Random;
  /** customers.list page size (Autumn allows up to 5000). */
  pageSize?: number;
  /** read() lists every customer instead of getting them one by one when it needs more than this many. */
  scanThreshold?: number;
  lockPath?: string;
  fetch?: typeof fetch;
}

/** What tollgate last saw of one object; null for an object Autumn does not have. */
interface Known {
  decoded: DecodedControls;
  plan?: string;
}

/** A customer's managed marker: what Autumn holds as far as tollgate knows, and what it should hold. */
interface CustomerMeta {
  /** Metadata other than the marker, sent back unchanged (Autumn replaces metadata whole). */
  others: Record<string, unknown>;
  confirmed: ManagedMarker | undefined;
  /** confirmed plus entities about to be written (added before their write, so no marker write can drop them). */
  intent: ManagedMarker;
  plan?: string;
}

// Own entries are unmarked or marked with the object's own level; "plan" (and, on an entity, "customer") are inherited.
const ownOf: Record<ObjectRef['kind'], OwnSource> = {
  plan: () => true,
  customer: (s) => s === undefined || s === 'customer',
  entity: (s) => s === undefined || s === 'entity',
};

/** Autumn over its HTTP API: reads in bulk with customers.list, writes one update per object. */
export class AutumnTarget implements Target {
  readonly name = 'autumn';
  readonly capabilities = AUTUMN_CAPABILITIES;
  readonly endpoint: string;
  readonly rateLimit: number;
  readonly lockPath: string;
  private readonly client: AutumnClient;
  private readonly pageSize: number;
  private readonly scanThreshold: number;
  private readonly readLimit: ReturnType<typeof pLimit>;
  private readonly known = new Map<string, Known | null>();
  /** Keys whose `known` state came from a customers.list scan and was not yet handed out by read(). */
  private readonly prefetched = new Set<string>();
  private readonly meta = new Map<string, CustomerMeta>();
  /** Keys listed only by markers: one Autumn no longer has is gone, not an error. */
  private readonly markedOnly = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: AutumnTargetOptions) {
    this.endpoint = (options.endpoint ?? AUTUMN_API_URL).replace(/\/+$/, '');
    this.rateLimit = options.rateLimit ?? AUTUMN_RATE_LIMIT;
    this.lockPath = options.lockPath ?? path.join('.tollgate', 'autumn', 'apply.lock');
    this.pageSize = options.pageSize ?? 1000;
    this.scanThreshold = options.scanThreshold ?? 50;
    this.readLimit = pLimit(Math.max(4, Math.ceil(this.rateLimit)));
    const clock = options.clock ?? systemClock;
    this.client = new AutumnClient({
      baseUrl: this.endpoint,
      secretKey: options.secretKey,
      clock,
      random: options.random ?? Math.random,
      bucket: Number.isFinite(this.rateLimit) && this.rateLimit > 0 ? new TokenBucket(this.rateLimit, clock) : undefined,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  /** Every customer marked in its metadata, and the entities listed there: one customers.list scan. */
  async managedKeys(): Promise<string[]> {
    await this.scan();
    const keys: string[] = [];
    for (const [id, meta] of this.meta) if (meta.confirmed) keys.push(...managedKeysOf(id, meta.confirmed));
    for (const key of keys) if (!this.known.has(key) || this.known.get(key) === null) this.markedOnly.add(key);
    return keys.sort();
  }

  async read(keys: readonly string[], onRead?: (done: number) => void): Promise<Map<string, LiveObject | null>> {
    const refs = new Map(keys.map((key) => [key, parseObjectKey(key)]));
    const customersToGet = keys.filter((key) => refs.get(key)!.kind === 'customer' && !this.prefetched.has(key));
    if (customersToGet.length > this.scanThreshold) await this.scan();
    const missing: ObjectRef[] = [];
    const out = new Map<string, LiveObject | null>();
    await Promise.all(
      keys.map((key) =>
        this.readLimit(async () => {
          let known: Known | null;
          if (this.prefetched.delete(key)) known = this.known.get(key) ?? null;
          else known = await this.fetch(key, refs.get(key)!);
          if (known === null && !this.markedOnly.has(key)) missing.push(refs.get(key)!);
          out.set(key, this.live(refs.get(key)!, known));
          onRead?.(out.size);
        }),
      ),
    );
    if (missing.length > 0) throw unknownObjects(missing.sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1)));
    return new Map(keys.map((key) => [key, out.get(key) ?? null]));
  }

  async write(object: ObjectPlan, ctx: WriteContext): Promise<void> {
    const known = this.known.get(object.key) ?? (await this.fetch(object.key, object.ref));
    if (known === null) throw unknownObjects([object.ref]);
    const billing = encodeControls(object.after, keysOf(object.changes), known.decoded.foreign);
    try {
      const ref = object.ref;
      if (ref.kind === 'plan') {
        await this.client.send('/v1/plans.update', { plan_id: ref.id, billing_controls: billing }, ctx.idempotencyKey);
      } else if (ref.kind === 'customer') {
        const meta = await this.customerMeta(ref.id);
        if (meta.confirmed) {
          await this.client.send('/v1/customers.update', { customer_id: ref.id, billing_controls: billing }, ctx.idempotencyKey);
        } else {
          // First write under this customer: the marker goes in the same call.
          await this.locked(ref.id, async () => {
            const sent = copy(meta.intent);
            await this.client.send('/v1/customers.update', { customer_id: ref.id, billing_controls: billing, metadata: this.metadataOf(meta, sent) }, ctx.idempotencyKey);
            meta.confirmed = sent;
          });
        }
      } else {
        const holds = !isEmptyControls(object.after);
        if (holds) await this.mark(ref.customer, ref.id, true, ctx);
        await this.client.send('/v1/entities.update', { customer_id: ref.customer, entity_id: ref.id, billing_controls: billing }, ctx.idempotencyKey);
        if (!holds) await this.mark(ref.customer, ref.id, false, ctx);
      }
    } catch (error) {
      throw explainWriteError(error, object, billing);
    }
  }

  async flush(): Promise<void> {
    // Every write is stored by Autumn as it is made.
  }

  /** Lists every customer, page by page, remembering each one's own controls and marker. */
  private async scan(): Promise<void> {
    let cursor = '';
    do {
      const page = await readCustomerPage(await this.client.read('/v1/customers.list', { start_cursor: cursor, limit: this.pageSize }));
      for (const customer of page.customers) {
        this.rememberCustomer(customer);
        this.prefetched.add(`customer:${customer.id}`);
      }
      cursor = page.next ?? '';
    } while (cursor !== '');
  }

  /** Reads one object; null (and remembered as such) when Autumn answers 404. */
  private async fetch(key: string, ref: ObjectRef): Promise<Known | null> {
    try {
      if (ref.kind === 'customer') {
        this.rememberCustomer(await readCustomer(await this.client.read('/v1/customers.get', { customer_id: ref.id })));
      } else if (ref.kind === 'entity') {
        const entity = await readEntity(await this.client.read('/v1/entities.get', { customer_id: ref.customer, entity_id: ref.id }));
        this.known.set(key, { decoded: decodeControls(entity.controls, ownOf.entity) });
      } else {
        const plan = await readPlan(await this.client.read('/v1/plans.get', { plan_id: ref.id }));
        this.known.set(key, { decoded: decodeControls(plan.controls, ownOf.plan) });
      }
    } catch (error) {
      if (!(error instanceof AutumnApiError && error.status === 404)) throw error;
      this.known.set(key, null);
    }
    return this.known.get(key) ?? null;
  }

  private rememberCustomer(customer: CustomerRead): void {
    const known: Known = { decoded: decodeControls(customer.controls, ownOf.customer) };
    if (customer.plan !== undefined) known.plan = customer.plan;
    this.known.set(`customer:${customer.id}`, known);
    const { [MANAGED_KEY]: _marker, ...others } = customer.metadata;
    const confirmed = readMarker(customer.metadata);
    const previous = this.meta.get(customer.id);
    // Entities about to be marked stay in the intent: a re-read must not let a later marker write drop them.
    const intent = copy(confirmed ?? { entities: new Set() });
    for (const id of previous?.intent.entities ?? []) if (!previous?.confirmed?.entities.has(id)) intent.entities.add(id);
    const meta: CustomerMeta = { others, confirmed, intent };
    if (customer.plan !== undefined) meta.plan = customer.plan;
    this.meta.set(customer.id, meta);
  }

  private async customerMeta(id: string): Promise<CustomerMeta> {
    if (!this.meta.has(id) && (await this.fetch(`customer:${id}`, { kind: 'customer', id })) === null) {
      throw unknownObjects([{ kind: 'customer', id }]);
    }
    return this.meta.get(id)!;
  }

  private metadataOf(meta: CustomerMeta, marker: ManagedMarker): Record<string, unknown> {
    return withMarker(meta.others, marker);
  }

  /** Adds an entity to its customer's marker before the entity is written, or removes it once cleared. */
  private async mark(customerId: string, entityId: string, managed: boolean, ctx: WriteContext): Promise<void> {
    const meta = await this.customerMeta(customerId);
    if (managed) meta.intent.entities.add(entityId);
    await this.locked(customerId, async () => {
      // Checked under the lock: another entity's marker write may have carried this one already.
      const needed = managed ? !meta.confirmed?.entities.has(entityId) : meta.confirmed?.entities.has(entityId) === true;
      if (!needed) return;
      const next = copy(meta.intent);
      if (!managed) next.entities.delete(entityId);
      const metadata = this.metadataOf(meta, next);
      // Its own key, derived from the change's: a retry of this very marker write is answered 409, and is then done.
      const key = createHash('sha256').update(`${ctx.idempotencyKey}|managed`).digest('hex').slice(0, 32);
      try {
        await this.client.send('/v1/customers.update', { customer_id: customerId, metadata }, key);
      } catch (error) {
        if (!(error instanceof TargetError && error.options.duplicate)) throw error;
      }
      if (!managed) meta.intent.entities.delete(entityId);
      meta.confirmed = next;
    });
  }

  /** Runs `fn` after every earlier locked call for the same customer: marker writes must not overtake each other. */
  private locked<T>(customerId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(customerId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    this.locks.set(customerId, run.catch(() => undefined));
    return run;
  }

  private live(ref: ObjectRef, known: Known | null): LiveObject | null {
    if (known === null || isEmptyControls(known.decoded.controls)) return null;
    const live: LiveObject = { controls: known.decoded.controls };
    const plan = known.plan ?? (ref.kind === 'entity' ? this.meta.get(ref.customer)?.plan : undefined);
    if (plan !== undefined) live.plan = plan;
    return live;
  }
}

function copy(marker: ManagedMarker): ManagedMarker {
  return { entities: new Set(marker.entities) };
}

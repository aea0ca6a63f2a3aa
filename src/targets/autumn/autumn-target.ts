import { createHash } from 'node:crypto';
import { capabilitiesOf } from '../../model/controls.js';
import path from 'node:path';
import pLimit from 'p-limit';
import { DEFAULT_RETRY, type RetryPolicy } from '../backoff.js';
import { systemClock, type Clock, type Random } from '../../util/clock.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { describeRef, FEATURE_CONTROLS, isEmptyControls, objectKey, parseObjectKey, type DesiredObject, type LiveObject, type ObjectControls, type ObjectRef } from '../../plan/objects.js';
import type { ObjectPlan } from '../../plan/plan.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { PolicySet } from '../../model/policy-set.js';
import { TargetError, type Capabilities, type ListedObject, type Target, type WriteContext } from '../target.js';
import { AUTUMN_API_URL, AutumnApiError, AutumnClient, type AutumnRoutes } from './client.js';
import { explainWriteError, unknownObjects } from './errors.js';
import { formatMarker, impliedMarkers, managedKeysOf, markerToHold, MANAGED_KEY, readMarker, withMarker, type ManagedMarker, type MarkerState } from './managed.js';
import { readCustomer, readCustomerPage, readEntityPage, type CustomerRead } from './responses.js';
import { readFeatures, readPlans, type AutumnCatalog } from './catalog.js';
import type { PlanRead } from './responses.js';
import { catalogMismatches } from './catalog-check.js';
import { decodeControls, encodeControls, keysOf, OWN_SOURCE, type BillingControlsWire, type DecodedControls } from './wire.js';
import { foreignEntries, replacedEntries } from './unmodeled.js';
import type { UsageTable } from '../../impact/usage.js';

/** Autumn holds no customer-wide overage cap, and entities take no auto top-ups (SPEC §5). */
export const AUTUMN_CAPABILITIES: Capabilities = capabilitiesOf('autumn');

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
  /** customers.list page size (Autumn allows up to 1000 by default). */
  pageSize?: number;
  /** entities.list page size (Autumn allows up to 5000). */
  entityPageSize?: number;
  /** read() lists every customer (or every entity) instead of reading customer by customer when it needs more than this many customers. */
  scanThreshold?: number;
  fetch?: typeof fetch;
}

/** What tollgate last saw of one object; null for an object Autumn does not have. */
interface Known {
  decoded: DecodedControls;
  plan?: string;
}

/** A customer's managed marker: as Autumn holds it as far as tollgate knows, and what the plan wants. */
interface CustomerMeta {
  /** Metadata other than the marker, sent back unchanged (Autumn replaces metadata whole). */
  others: Record<string, unknown>;
  confirmed: ManagedMarker | undefined;
  /** Set once this apply writes the customer's planned marker change: from then on marker writes aim at it. */
  planned?: { marker: ManagedMarker | undefined };
  plan?: string;
}


/** Autumn over its HTTP API: reads in bulk with customers.list and entities.list, writes one update per object. */
export class AutumnTarget implements Target {
  readonly name = 'autumn';
  readonly capabilities = AUTUMN_CAPABILITIES;
  readonly endpoint: string;
  readonly rateLimit: number;
  private readonly client: AutumnClient;
  private readonly pageSize: number;
  private readonly entityPageSize: number;
  private readonly scanThreshold: number;
  private readonly readLimit: ReturnType<typeof pLimit>;
  private readonly known = new Map<string, Known | null>();
  /** Keys whose `known` state came from a customers.list scan and was not yet handed out by read(). */
  private readonly prefetched = new Set<string>();
  private readonly meta = new Map<string, CustomerMeta>();
  /** Keys listed only by markers: one Autumn no longer has is gone, not an error. */
  private readonly markedOnly = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Names of customers and entities as read, by object key: import writes them into the policies. */
  private readonly names = new Map<string, string>();
  /** The last plans.list; each plan's controls in it are handed out once by fetch(), then read afresh. */
  private plansRead: Promise<Map<string, PlanRead>> | undefined;
  private readonly handedOut = new Set<string>();
  /** `balances[feature].usage` of every customer and entity read so far: plan's impact reuses the reads. */
  private readonly usage = new Map<string, Record<string, number>>();

  constructor(options: AutumnTargetOptions) {
    this.endpoint = (options.endpoint ?? AUTUMN_API_URL).replace(/\/+$/, '');
    this.rateLimit = options.rateLimit ?? AUTUMN_RATE_LIMIT;
    this.pageSize = options.pageSize ?? 1000;
    this.entityPageSize = options.entityPageSize ?? 5000;
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

  /**
   * Each desired customer carries the marker the policies imply, so plan diffs it like a control. A plan that sets
   * no controls is left out: tollgate does not manage it (nothing marks plans), so it is never read or written, and
   * controls set on it in Autumn stay.
   */
  express(desired: ReadonlyMap<string, DesiredObject>, _set: PolicySet): { desired: Map<string, DesiredObject>; problems: Diagnostic[] } {
    const markers = impliedMarkers(desired);
    const out = new Map(desired);
    for (const [key, o] of desired) {
      if (o.ref.kind === 'plan' && isEmptyControls(o.controls)) out.delete(key);
      if (o.ref.kind !== 'customer') continue;
      const marker = formatMarker(markers.get(o.ref.id));
      if (marker !== undefined) out.set(key, { ...o, marker });
    }
    return { desired: out, problems: [] };
  }

  /** Every customer (customers.list) and entity (entities.list), or the named customers and their entities. */
  async listObjects(customers: readonly string[] | undefined, onListed?: (done: number) => void): Promise<ListedObject[]> {
    const customerKeys: string[] = [];
    const entityKeys = new Set<string>();
    const count = (): void => onListed?.(customerKeys.length + entityKeys.size);
    if (customers === undefined) {
      await this.scan((id) => {
        customerKeys.push(`customer:${id}`);
        count();
      });
      await this.listEntities(undefined, entityKeys);
    } else {
      const named = [...new Set(customers)].map((id): ObjectRef => ({ kind: 'customer', id }));
      await Promise.all(named.map((ref) => this.readLimit(() => this.fetch(objectKey(ref), ref))));
      const missing = named.filter((ref) => this.known.get(objectKey(ref)) === null);
      if (missing.length > 0) throw unknownObjects(missing);
      for (const ref of named) {
        customerKeys.push(objectKey(ref));
        // read() hands out what was just read instead of asking again.
        this.prefetched.add(objectKey(ref));
      }
      await Promise.all(named.map((ref) => this.readLimit(() => this.listEntities(ref.id, entityKeys))));
    }
    count();
    return [...customerKeys, ...entityKeys].map((key) => {
      const listed: ListedObject = { key };
      const name = this.names.get(key);
      if (name !== undefined) listed.name = name;
      const ref = parseObjectKey(key);
      const plan = ref.kind === 'customer' ? this.meta.get(ref.id)?.plan : undefined;
      if (plan !== undefined) listed.plan = plan;
      return listed;
    });
  }

  /** The catalog (plans.list and features.list: two requests) and each plan's own controls, for import --catalog. */
  async catalog(): Promise<{ catalog: AutumnCatalog; planControls: Map<string, ObjectControls> }> {
    const [plans, features] = await Promise.all([this.plans(true), readFeatures(this.client)]);
    const planControls = new Map([...plans].map(([id, plan]) => [id, decodeControls(plan.controls, OWN_SOURCE.plan).controls]));
    return { catalog: { plans, features }, planControls };
  }

  /** Autumn's plans and features against the policies' (plans.list and features.list, read once for the plan's reads too). */
  async checkCatalog(set: PolicySet, desired: ReadonlyMap<string, DesiredObject>): Promise<Diagnostic[]> {
    const [plans, features] = await Promise.all([this.plans(false), readFeatures(this.client)]);
    return catalogMismatches(set, desired, { plans, features });
  }

  /** Every plan, read again when `fresh` or never read. */
  private plans(fresh: boolean): Promise<Map<string, PlanRead>> {
    if (fresh || !this.plansRead) {
      const read = readPlans(this.client).then((plans) => {
        this.handedOut.clear();
        return plans;
      });
      // A failed read is not kept: the next call tries again.
      read.catch(() => {
        if (this.plansRead === read) this.plansRead = undefined;
      });
      this.plansRead = read;
    }
    return this.plansRead;
  }

  async read(keys: readonly string[], onRead?: (done: number) => void): Promise<Map<string, LiveObject | null>> {
    const refs = new Map(keys.map((key) => [key, parseObjectKey(key)]));
    const customersToGet = keys.filter((key) => refs.get(key)!.kind === 'customer' && !this.prefetched.has(key));
    if (customersToGet.length > this.scanThreshold) await this.scan();
    const entityKeys = keys.filter((key) => refs.get(key)!.kind === 'entity');
    await this.readEntities(entityKeys);
    // Entities come in pages of thousands: each is counted once its page is in.
    let done = 0;
    for (; done < entityKeys.length; done++) onRead?.(done + 1);
    await Promise.all(
      keys.map((key) =>
        this.readLimit(async () => {
          const ref = refs.get(key)!;
          if (ref.kind !== 'entity' && !this.prefetched.delete(key)) await this.fetch(key, ref);
          if (ref.kind !== 'entity') {
            done += 1;
            onRead?.(done);
          }
        }),
      ),
    );
    // Built once every read is in: an entity takes its plan from its customer's.
    const missing = keys.filter((key) => (this.known.get(key) ?? null) === null && !this.markedOnly.has(key)).map((key) => refs.get(key)!);
    if (missing.length > 0) throw unknownObjects(missing.sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1)));
    return new Map(keys.map((key) => [key, this.live(refs.get(key)!, this.known.get(key) ?? null)]));
  }

  async write(object: ObjectPlan, ctx: WriteContext): Promise<void> {
    const known = this.known.get(object.key) ?? (await this.fetch(object.key, object.ref));
    if (known === null) throw unknownObjects([object.ref]);
    const keys = keysOf(object.changes);
    // plan stops at these; an entry added in Autumn since a saved plan was made is refused here, never dropped.
    const replaced = replacedEntries(object.after, keys, known.decoded.foreign);
    if (replaced.length > 0) {
      const what = replaced.map((e) => `${e.key} ${JSON.stringify(e.entry)}`).join(', ');
      throw new TargetError(`${describeRef(object.ref)} now holds entries tollgate does not manage that this write would replace (${what}); nothing was written to it. Run plan again.`);
    }
    const billing = encodeControls(object.after, keys, known.decoded.foreign, known.decoded.limitUsage);
    try {
      const ref = object.ref;
      if (ref.kind === 'plan') {
        await this.client.send('/v1/plans.update', { plan_id: ref.id, billing_controls: billing }, ctx.idempotencyKey);
        this.wrote(object, known);
      } else if (ref.kind === 'customer') {
        await this.writeCustomer(object, keys.length > 0 ? billing : undefined, known, ctx);
      } else {
        // Marked before it is given controls, unmarked only once they are cleared: a kill in between loses no marker.
        const holds = !isEmptyControls(object.after);
        if (holds) await this.settleMarker(ref.customer, ctx, { adding: ref.id });
        try {
          await this.client.send('/v1/entities.update', { customer_id: ref.customer, entity_id: ref.id, billing_controls: billing }, ctx.idempotencyKey);
        } catch (error) {
          if (holds || !(error instanceof TargetError && error.options.duplicate)) throw error;
          // An earlier attempt of this clear landed, and its marker write may not have: shrink once it is seen empty.
          await this.readEntities([object.key]);
          if (isEmptyControls(this.known.get(object.key)?.decoded.controls)) await this.settleMarker(ref.customer, ctx, { removing: ref.id });
          throw error;
        }
        this.wrote(object, known);
        if (!holds) await this.settleMarker(ref.customer, ctx, { removing: ref.id });
      }
    } catch (error) {
      throw explainWriteError(error, object, billing);
    }
  }

  /** Usage of customers and entities from the reads already made; only objects not read yet are read. */
  async readUsage(keys: readonly string[]): Promise<UsageTable> {
    const wanted = keys.filter((key) => !key.startsWith('plan:'));
    const unread = wanted.filter((key) => !this.usage.has(key) && !this.known.has(key));
    if (unread.length > 0) await this.read(unread);
    const table: UsageTable = new Map();
    for (const key of wanted) {
      const usage = this.usage.get(key);
      if (usage !== undefined && Object.keys(usage).length > 0) table.set(key, new Map(Object.entries(usage)));
    }
    return table;
  }

  async flush(): Promise<void> {
    // Every write is stored by Autumn as it is made.
  }

  /**
   * A customer's controls and its planned marker in one customers.update, so the two land together. The marker
   * sent still lists every entity whose clear has not landed yet; the last of those clears shrinks it.
   */
  private async writeCustomer(object: ObjectPlan, billing: BillingControlsWire | undefined, known: Known, ctx: WriteContext): Promise<void> {
    const id = object.ref.id;
    const meta = await this.customerMeta(id);
    if (object.marker) {
      meta.planned = { marker: object.marker.after === null ? undefined : readMarker({ [MANAGED_KEY]: object.marker.after }) };
      await this.knowEntities(id, [...(meta.confirmed?.entities ?? [])]);
    }
    const holds = !isEmptyControls(object.after);
    await this.locked(id, async () => {
      // A customer given controls is marked in the same call, even by a plan that carries no marker change.
      const next = markerToHold(this.markerState(id, meta, holds)) ?? (holds ? { entities: new Set<string>() } : undefined);
      const markerMoves = formatMarker(next) !== formatMarker(meta.confirmed);
      if (billing === undefined && !markerMoves) return;
      if (!markerMoves) {
        await this.client.send('/v1/customers.update', { customer_id: id, billing_controls: billing }, ctx.idempotencyKey);
      } else {
        const body = { customer_id: id, metadata: withMarker(meta.others, next), ...(billing ? { billing_controls: billing } : {}) };
        if (!(await this.sendMarker(meta, body, next, ctx, billing !== undefined))) throw new TargetError(`The tollgate_managed marker of customer ${id} changed while tollgate wrote it; retrying.`, { retryable: true });
      }
      // Inside the lock: the entity writes queued behind this one see what the customer now holds.
      this.wrote(object, known);
    });
  }

  /** Remembers what an object holds once its write landed (in the map: a re-read meanwhile may have replaced `known`). */
  private wrote(object: ObjectPlan, known: Known): void {
    this.known.set(object.key, { ...known, decoded: { ...known.decoded, controls: object.after } });
  }

  /** Writes the marker the customer should hold now, if it differs from what Autumn holds; serialized per customer. */
  private async settleMarker(customerId: string, ctx: WriteContext, change: Pick<MarkerState, 'adding' | 'removing'>): Promise<void> {
    const meta = await this.customerMeta(customerId);
    await this.locked(customerId, async () => {
      const customerHolds = !isEmptyControls(this.known.get(`customer:${customerId}`)?.decoded.controls);
      for (let round = 0; round < 3; round++) {
        const next = markerToHold({ ...this.markerState(customerId, meta, customerHolds), ...change });
        if (formatMarker(next) === formatMarker(meta.confirmed)) return;
        const done = await this.sendMarker(meta, { customer_id: customerId, metadata: withMarker(meta.others, next) }, next, ctx, false);
        if (done) return;
      }
      throw new TargetError(`The tollgate_managed marker of customer ${customerId} keeps changing under tollgate; run apply again.`, { retryable: true });
    });
  }

  /**
   * Sends a customers.update that sets the marker, under a key naming this very transition. A 409 on a marker-only
   * write means an earlier attempt landed, perhaps long ago: the customer is read again and the caller decides afresh.
   */
  private async sendMarker(meta: CustomerMeta, body: AutumnRoutes['/v1/customers.update'], next: ManagedMarker | undefined, ctx: WriteContext, withControls: boolean): Promise<boolean> {
    const key = createHash('sha256').update(`${ctx.idempotencyKey}|${formatMarker(meta.confirmed) ?? ''}|${formatMarker(next) ?? ''}`).digest('hex').slice(0, 32);
    try {
      const answer = await this.client.send('/v1/customers.update', body, key);
      meta.confirmed = readMarker(metadataOf(answer) ?? body.metadata ?? undefined);
      return true;
    } catch (error) {
      if (withControls || !(error instanceof TargetError && error.options.duplicate)) throw error;
      await this.fetch(`customer:${body.customer_id}`, { kind: 'customer', id: body.customer_id });
      return false;
    }
  }

  private markerState(customerId: string, meta: CustomerMeta, customerHolds: boolean): MarkerState {
    const state: MarkerState = {
      confirmed: meta.confirmed,
      customerHolds,
      // Unknown counts as holding: only an entity seen to hold nothing leaves the marker.
      entityHolds: (id) => {
        const known = this.known.get(`entity:${customerId}/${id}`);
        return known === undefined || (known !== null && !isEmptyControls(known.decoded.controls));
      },
    };
    if (meta.planned) state.planned = meta.planned;
    return state;
  }

  /** Lists every customer, page by page, remembering each one's own controls and marker. */
  private async scan(onCustomer?: (id: string) => void): Promise<void> {
    let cursor = '';
    do {
      const page = await readCustomerPage(await this.client.read('/v1/customers.list', { start_cursor: cursor, limit: this.pageSize }));
      for (const customer of page.customers) {
        this.rememberCustomer(customer);
        this.prefetched.add(`customer:${customer.id}`);
        onCustomer?.(customer.id);
      }
      cursor = page.next ?? '';
    } while (cursor !== '');
  }

  /**
   * Reads these entities with entities.list: one listing per customer, or, past scanThreshold customers, one
   * listing of every entity (5000 a page). Entities the listing lacks are remembered as absent.
   */
  private async readEntities(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const customers = [...new Set(keys.map((key) => (parseObjectKey(key) as { customer: string }).customer))];
    const seen = new Set<string>();
    if (customers.length > this.scanThreshold) await this.listEntities(undefined, seen);
    else await Promise.all(customers.map((id) => this.readLimit(() => this.listEntities(id, seen))));
    // Only once the listing is in: a marker write meanwhile must not take a listed entity for an absent one.
    for (const key of keys) if (!seen.has(key)) this.known.set(key, null);
  }

  private async listEntities(customerId: string | undefined, seen: Set<string>): Promise<void> {
    let cursor = '';
    do {
      const body = { start_cursor: cursor, limit: this.entityPageSize, ...(customerId !== undefined ? { customer_id: customerId } : {}) };
      const page = await readEntityPage(await this.client.read('/v1/entities.list', body));
      for (const entity of page.entities) {
        const key = `entity:${entity.customer}/${entity.id}`;
        this.known.set(key, { decoded: decodeControls(entity.controls, OWN_SOURCE.entity) });
        this.usage.set(key, entity.usage);
        if (entity.name !== undefined) this.names.set(key, entity.name);
        seen.add(key);
      }
      cursor = page.next ?? '';
    } while (cursor !== '');
  }

  /** Reads a customer's entities among `ids` that tollgate has not seen yet. */
  private async knowEntities(customerId: string, ids: readonly string[]): Promise<void> {
    const unknown = ids.map((id) => `entity:${customerId}/${id}`).filter((key) => !this.known.has(key));
    if (unknown.length > 0) await this.readEntities(unknown);
  }

  /** Reads one object; null (and remembered as such) when Autumn answers 404 or does not list it. */
  private async fetch(key: string, ref: ObjectRef): Promise<Known | null> {
    try {
      if (ref.kind === 'customer') {
        this.rememberCustomer(await readCustomer(await this.client.read('/v1/customers.get', { customer_id: ref.id })));
      } else if (ref.kind === 'entity') {
        await this.readEntities([key]);
      } else {
        // plans.list holds every plan's controls: one request serves them all (the catalog check's, on a first read).
        const plans = await this.plans(this.handedOut.has(ref.id));
        this.handedOut.add(ref.id);
        const plan = plans.get(ref.id);
        this.known.set(key, plan ? { decoded: decodeControls(plan.controls, OWN_SOURCE.plan) } : null);
      }
    } catch (error) {
      if (!(error instanceof AutumnApiError && error.status === 404)) throw error;
      this.known.set(key, null);
    }
    return this.known.get(key) ?? null;
  }

  private rememberCustomer(customer: CustomerRead): void {
    const known: Known = { decoded: decodeControls(customer.controls, OWN_SOURCE.customer) };
    if (customer.plan !== undefined) known.plan = customer.plan;
    this.known.set(`customer:${customer.id}`, known);
    this.usage.set(`customer:${customer.id}`, customer.usage);
    if (customer.name !== undefined) this.names.set(`customer:${customer.id}`, customer.name);
    const { [MANAGED_KEY]: _marker, ...others } = customer.metadata;
    const meta: CustomerMeta = { others, confirmed: readMarker(customer.metadata) };
    const planned = this.meta.get(customer.id)?.planned;
    if (planned) meta.planned = planned;
    if (customer.plan !== undefined) meta.plan = customer.plan;
    this.meta.set(customer.id, meta);
  }

  private async customerMeta(id: string): Promise<CustomerMeta> {
    if (!this.meta.has(id) && (await this.fetch(`customer:${id}`, { kind: 'customer', id })) === null) {
      throw unknownObjects([{ kind: 'customer', id }]);
    }
    return this.meta.get(id)!;
  }

  /** Runs `fn` after every earlier locked call for the same customer: marker writes must not overtake each other. */
  private locked<T>(customerId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(customerId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    this.locks.set(customerId, run.catch(() => undefined));
    return run;
  }

  private live(ref: ObjectRef, known: Known | null): LiveObject | null {
    const marker = ref.kind === 'customer' ? formatMarker(this.meta.get(ref.id)?.confirmed) : undefined;
    const unmanaged = known === null ? [] : foreignEntries(known.decoded.foreign);
    if (known === null || (isEmptyControls(known.decoded.controls) && marker === undefined && unmanaged.length === 0)) return null;
    const live: LiveObject = { controls: known.decoded.controls };
    if (unmanaged.length > 0) live.unmanaged = unmanaged;
    const plan = known.plan ?? (ref.kind === 'entity' ? this.meta.get(ref.customer)?.plan : undefined);
    if (plan !== undefined) live.plan = plan;
    if (marker !== undefined) live.marker = marker;
    return live;
  }
}

/** The metadata in a customers.update answer, when it has one. */
function metadataOf(answer: unknown): Record<string, unknown> | undefined {
  const metadata = (answer as { metadata?: unknown } | null)?.metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined;
}

import { ListEntitiesParams$outboundSchema, type ListEntitiesParams$Outbound } from 'autumn-js';
import { comparePositions, decodeCursor, encodeCursor, type Position } from './cursor.js';
import { renderEntity } from './render.js';
import { invalid, ok, parseBody, type AutumnRoute } from './route-kit.js';
import type { EntityRecord } from './wire.js';

/** Largest page entities.list serves (Autumn's hard ceiling for this route). */
export const MAX_ENTITY_LIST_LIMIT = 5000;

/**
 * POST /v1/entities.list {start_cursor?, limit?, customer_id?, search?, plans?, processors?, subscription_status?}
 * → {list, next_cursor}. As Autumn serves it on 2.3.0: newest first (created_at, then id, descending), "" asks for
 * the first page, next_cursor is null on the last one; customer_id restricts the listing to one customer's entities.
 */
export const listEntities: AutumnRoute = (context) => {
  const parsed = parseBody<ListEntitiesParams$Outbound>(context, ListEntitiesParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  if (!Number.isInteger(params.limit) || params.limit < 1 || params.limit > MAX_ENTITY_LIST_LIMIT) {
    return invalid(context, `limit: Must be an integer between 1 and ${MAX_ENTITY_LIST_LIMIT}, received ${params.limit}`);
  }
  if (params.customer_id !== undefined && params.customer_id.trim() === '') {
    return invalid(context, 'customer_id: Must not be empty');
  }
  const after = params.start_cursor === '' ? null : decodeCursor(params.start_cursor);
  if (after === undefined) return invalid(context, 'start_cursor: Invalid cursor; pass "" or a next_cursor from a previous page');

  const { store } = context;
  const planIds = params.plans === undefined ? null : new Set(params.plans.map((plan) => plan.id));
  const search = params.search?.toLowerCase();
  const newestFirst = (a: Position, b: Position): number => -comparePositions(a, b);
  const matching = [...store.entities.values()]
    .filter((entity) => params.customer_id === undefined || entity.customer_id === params.customer_id.trim())
    .filter((entity) => planIds === null || planIds.has(store.customers.get(entity.customer_id)?.plan_id ?? ''))
    .filter((entity) => search === undefined || [entity.id, entity.name].some((f) => f?.toLowerCase().includes(search) === true))
    // The emulator's customers have no payment processor, so a processor filter matches none of them.
    .filter(() => params.processors === undefined || params.processors.length === 0)
    .sort((a, b) => newestFirst(positionOf(a), positionOf(b)))
    .filter((entity) => after === null || newestFirst(positionOf(entity), after) > 0);

  const page = matching.slice(0, params.limit);
  const last = page.at(-1);
  const nextCursor = matching.length > page.length && last !== undefined ? encodeCursor(positionOf(last)) : null;
  return ok({ list: page.map((entity) => renderEntity(entity, store, context.read)), next_cursor: nextCursor });
};

// Entity ids are unique only within a customer: the tie-breaker names both.
function positionOf(entity: EntityRecord): Position {
  return [entity.created_at, JSON.stringify([entity.customer_id, entity.id])];
}

import { ListCustomersParams$outboundSchema, type ListCustomersParams$Outbound } from 'autumn-js';
import { comparePositions, decodeCursor, encodeCursor, type Position } from './cursor.js';
import { renderCustomer } from './render.js';
import { invalid, ok, parseBody, type AutumnRoute } from './route-kit.js';
import type { CustomerRecord } from './wire.js';

/** Largest page customers.list serves, as the SDK documents it. */
export const MAX_LIST_LIMIT = 5000;

/**
 * POST /v1/customers.list {start_cursor?, limit?, search?, plans?, sort_order?} → {list, next_cursor}.
 * Cursor pagination as in autumn-js: "" asks for the first page, next_cursor is null on the last one.
 */
export const listCustomers: AutumnRoute = (context) => {
  const parsed = parseBody<ListCustomersParams$Outbound>(context, ListCustomersParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  if (params.limit < 1 || params.limit > MAX_LIST_LIMIT) {
    return invalid(context, `limit: Must be between 1 and ${MAX_LIST_LIMIT}, received ${params.limit}`);
  }
  const after = params.start_cursor === '' ? null : decodeCursor(params.start_cursor);
  if (after === undefined)
    return invalid(context, 'start_cursor: Invalid cursor; pass "" or a next_cursor from a previous page');

  const direction = params.sort_order === 'asc' ? 1 : -1;
  const order = (a: Position, b: Position): number => direction * comparePositions(a, b);
  const planIds = params.plans === undefined ? null : new Set(params.plans.map((plan) => plan.id));
  const search = params.search?.toLowerCase();
  const matching = [...context.store.customers.values()]
    .filter((customer) => planIds === null || (customer.plan_id !== null && planIds.has(customer.plan_id)))
    .filter((customer) => search === undefined || matchesSearch(customer, search))
    .filter((customer) => inRange(customer.created_at, params.created_at_range))
    .sort((a, b) => order(positionOf(a), positionOf(b)))
    .filter((customer) => after === null || order(positionOf(customer), after) > 0);

  const page = matching.slice(0, params.limit);
  const last = page.at(-1);
  const nextCursor = matching.length > page.length && last !== undefined ? encodeCursor(positionOf(last)) : null;
  return ok({
    list: page.map((customer) => renderCustomer(customer, context.store, context.read)),
    next_cursor: nextCursor,
  });
};

function positionOf(customer: CustomerRecord): Position {
  return [customer.created_at, customer.id];
}

function matchesSearch(customer: CustomerRecord, search: string): boolean {
  return [customer.id, customer.name, customer.email].some((field) => field?.toLowerCase().includes(search) === true);
}

function inRange(
  createdAt: number,
  range: { start?: number | undefined; end?: number | undefined } | undefined,
): boolean {
  if (range === undefined) return true;
  return (range.start === undefined || createdAt >= range.start) && (range.end === undefined || createdAt <= range.end);
}

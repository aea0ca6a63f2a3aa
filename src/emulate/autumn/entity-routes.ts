import {
  CreateEntityParams$outboundSchema,
  GetEntityParams$outboundSchema,
  UpdateEntityParams$outboundSchema,
  type CreateEntityParams$Outbound,
  type GetEntityParams$Outbound,
  type UpdateEntityParams$Outbound,
} from 'autumn-js';
import type { ApiOutcome } from '../common/api.js';
import { mergeControls } from './controls.js';
import { autumnError } from './errors.js';
import { renderEntity } from './render.js';
import {
  customerNotFound,
  invalid,
  ok,
  parseBody,
  parseControlsBody,
  type AutumnRoute,
  type RouteContext,
} from './route-kit.js';
import { isPlainObject } from './sdk-parse.js';
import type { EntityRecord } from './wire.js';

/** POST /v1/entities.create {customer_id, entity_id, feature_id, name?, billing_controls?}. */
export const createEntity: AutumnRoute = (context) => {
  const refused = refuseEntityTopups(context);
  if (refused !== undefined) return refused;
  const parsed = parseControlsBody<CreateEntityParams$Outbound>(context, CreateEntityParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const params = parsed.value;
  const { store } = context;
  if (!store.customers.has(params.customer_id)) return customerNotFound(context, params.customer_id);
  if (store.findEntity(params.customer_id, params.entity_id) !== undefined) {
    const message = `Entity ${params.entity_id} already exists for customer ${params.customer_id}`;
    return autumnError(409, 'entity_already_exists', message, context.env);
  }
  const entity: EntityRecord = {
    id: params.entity_id,
    customer_id: params.customer_id,
    feature_id: params.feature_id,
    name: params.name ?? null,
    created_at: context.now(),
    billing_controls: mergeControls({}, params.billing_controls ?? {}),
  };
  return {
    status: 200,
    body: renderEntity(entity, store, context.read),
    write: { object: entityObject(entity), apply: () => store.putEntity(entity) },
  };
};

/** POST /v1/entities.get {customer_id?, entity_id}. */
export const getEntity: AutumnRoute = (context) => {
  const parsed = parseBody<GetEntityParams$Outbound>(context, GetEntityParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const found = findEntity(context, parsed.value.customer_id, parsed.value.entity_id);
  if ('error' in found) return found.error;
  return ok(renderEntity(found.entity, context.store, context.read));
};

/** POST /v1/entities.update {customer_id, entity_id, billing_controls}; auto_topups are refused. */
export const updateEntity: AutumnRoute = (context) => {
  const refused = refuseEntityTopups(context);
  if (refused !== undefined) return refused;
  const parsed = parseControlsBody<UpdateEntityParams$Outbound>(context, UpdateEntityParams$outboundSchema);
  if ('error' in parsed) return parsed.error;
  const found = findEntity(context, parsed.value.customer_id, parsed.value.entity_id);
  if ('error' in found) return found.error;
  const current = found.entity;
  const next: EntityRecord = {
    ...current,
    billing_controls: mergeControls(current.billing_controls, parsed.value.billing_controls ?? {}),
  };
  return {
    status: 200,
    body: renderEntity(next, context.store, context.read),
    write: { object: entityObject(next), apply: () => context.store.putEntity(next) },
  };
};

function findEntity(
  context: RouteContext,
  customerId: string | undefined,
  entityId: string,
): { entity: EntityRecord } | { error: ApiOutcome } {
  if (customerId !== undefined && !context.store.customers.has(customerId)) {
    return { error: customerNotFound(context, customerId) };
  }
  const entity = context.store.findEntity(customerId, entityId);
  if (entity === undefined) {
    const owner = customerId === undefined ? '' : ` for customer ${customerId}`;
    return { error: autumnError(404, 'entity_not_found', `Entity ${entityId} not found${owner}`, context.env) };
  }
  return { entity };
}

// Checked on the raw body: the SDK's entity schemas have no auto_topups key at all.
function refuseEntityTopups(context: RouteContext): ApiOutcome | undefined {
  const body = context.call.body;
  if (
    !isPlainObject(body) ||
    !isPlainObject(body.billing_controls) ||
    body.billing_controls.auto_topups === undefined
  ) {
    return undefined;
  }
  const message =
    "billing_controls.auto_topups: Auto top-ups can only be set on customers, not entities (they charge the customer's payment method)";
  return invalid(context, message);
}

function entityObject(entity: EntityRecord): string {
  return `entity/${entity.customer_id}/${entity.id}`;
}

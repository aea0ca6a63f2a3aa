import { isPlainObject } from './sdk-parse.js';
import type { AutumnState, CustomerRecord, EntityRecord, FeatureRecord, PlanRecord } from './wire.js';

/** The Autumn emulator's state in memory; Maps so that no id can reach an object prototype. */
export class AutumnStore {
  readonly customers = new Map<string, CustomerRecord>();
  readonly entities = new Map<string, EntityRecord>();
  readonly plans = new Map<string, PlanRecord>();
  readonly features = new Map<string, FeatureRecord>();

  /** Finds an entity by customer and id, or by id alone across customers when no customer is given. */
  findEntity(customerId: string | undefined, entityId: string): EntityRecord | undefined {
    if (customerId !== undefined) return this.entities.get(entityKey(customerId, entityId));
    for (const entity of this.entities.values()) if (entity.id === entityId) return entity;
    return undefined;
  }

  putEntity(entity: EntityRecord): void {
    this.entities.set(entityKey(entity.customer_id, entity.id), entity);
  }

  /** The plan a customer inherits billing controls from, if it has one the emulator knows. */
  planOf(customer: CustomerRecord | undefined): PlanRecord | undefined {
    return customer?.plan_id == null ? undefined : this.plans.get(customer.plan_id);
  }

  /** A JSON-safe copy of the whole state, each list in a stable order. */
  snapshot(): AutumnState {
    return structuredClone({
      customers: [...this.customers.values()],
      entities: [...this.entities.values()],
      plans: [...this.plans.values()],
      features: [...this.features.values()],
    });
  }

  /** Replaces the state with one read from a state file. */
  restore(data: unknown): void {
    if (!isPlainObject(data)) throw new Error('Autumn state must be an object with customers, entities and plans');
    const customers = records(data.customers, 'customers', ['id']);
    const entities = records(data.entities, 'entities', ['id', 'customer_id']);
    const plans = records(data.plans, 'plans', ['id']);
    const features = records(data.features, 'features', ['id'], false);
    for (const [index, plan] of plans.entries()) {
      if (plan.items !== undefined && !(Array.isArray(plan.items) && plan.items.every((item) => isPlainObject(item) && typeof item.feature_id === 'string'))) {
        throw new Error(`Autumn state: plans[${index}].items must be an array of items, each with a feature_id`);
      }
    }
    this.customers.clear();
    this.entities.clear();
    this.plans.clear();
    this.features.clear();
    for (const customer of customers) this.customers.set(customer.id as string, customer as CustomerRecord);
    for (const entity of entities) this.putEntity(entity as EntityRecord);
    for (const plan of plans) this.plans.set(plan.id as string, plan as PlanRecord);
    for (const feature of features) this.features.set(feature.id as string, feature as FeatureRecord);
  }
}

function entityKey(customerId: string, entityId: string): string {
  // NUL cannot appear in JSON-decoded ids that Autumn accepts, so the pair is unambiguous.
  return `${customerId}\u0000${entityId}`;
}

function records(value: unknown, name: string, idFields: string[], withControls = true): Array<Record<string, unknown>> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`Autumn state: ${name} must be an array`);
  return value.map((item: unknown, index) => {
    if (!isPlainObject(item)) throw new Error(`Autumn state: ${name}[${index}] must be an object`);
    for (const field of idFields) {
      if (typeof item[field] !== 'string') throw new Error(`Autumn state: ${name}[${index}].${field} must be a string`);
    }
    if (withControls && !isPlainObject(item.billing_controls))
      throw new Error(`Autumn state: ${name}[${index}].billing_controls must be an object`);
    return item;
  });
}

import { createHash } from 'node:crypto';
import type { OwostackOnLimitReached, OwostackOverage } from '../../targets/owostack/routes.js';

/** One stored per-feature override, by feature slug; the answers add the feature's id. */
export interface StoredFeatureConfig {
  feature: string;
  overage: OwostackOverage | null;
  maxOverageUnits: number | null;
}

/** A customer as the emulator stores it (and its state file holds it). */
export interface StoredCustomer {
  id: string;
  email: string | null;
  name: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  billing: {
    /** null when the customer has no spend cap. */
    overageLimit: { maxOverageAmount: number; onLimitReached: OwostackOnLimitReached } | null;
    /** Sorted by feature; a feature whose override is fully cleared is absent. */
    featureConfigs: StoredFeatureConfig[];
  };
}

/** The whole Owostack emulator state, as `state()` returns it and the state file stores it. */
export interface OwostackState {
  customers: StoredCustomer[];
}

/** The Owostack emulator's customers in memory; a Map so no id can reach an object prototype. */
export class OwostackStore {
  readonly customers = new Map<string, StoredCustomer>();

  findByEmail(email: string): StoredCustomer | undefined {
    const wanted = email.toLowerCase();
    for (const customer of this.customers.values()) if (customer.email === wanted) return customer;
    return undefined;
  }

  snapshot(): OwostackState {
    return structuredClone({ customers: [...this.customers.values()] });
  }

  /** Replaces the state with one read from a state file. */
  restore(data: unknown): void {
    if (typeof data !== 'object' || data === null || !Array.isArray((data as { customers?: unknown }).customers)) {
      throw new Error('Owostack state must be an object with a customers array');
    }
    const customers: unknown[] = (data as { customers: unknown[] }).customers;
    this.customers.clear();
    customers.forEach((customer, index) => {
      if (!isCustomer(customer)) throw new Error(`Owostack state: customers[${index}] is not a customer with id and billing`);
      this.customers.set(customer.id, customer);
    });
  }
}

/** The id Owostack answers for a feature slug: stable, so a replay sees the same id. */
export function featureId(slug: string): string {
  return `feat_${createHash('sha256').update(slug).digest('hex').slice(0, 16)}`;
}

function isCustomer(value: unknown): value is StoredCustomer {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { id?: unknown; billing?: { featureConfigs?: unknown } };
  return typeof candidate.id === 'string' && Array.isArray(candidate.billing?.featureConfigs);
}

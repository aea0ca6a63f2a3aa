import { createHash } from 'node:crypto';
import type { OwostackCustomer } from './routes.js';

/** The whole Owostack emulator state, as `state()` returns it and the state file stores it. */
export interface OwostackState {
  customers: OwostackCustomer[];
}

/** The Owostack emulator's customers in memory; a Map so no id can reach an object prototype. */
export class OwostackStore {
  readonly customers = new Map<string, OwostackCustomer>();

  findByEmail(email: string): OwostackCustomer | undefined {
    for (const customer of this.customers.values()) if (customer.email === email) return customer;
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
      if (!isCustomer(customer))
        throw new Error(`Owostack state: customers[${index}] is not a customer with id and billing`);
      this.customers.set(customer.id, customer);
    });
  }
}

/** A stable id for a customer first seen by email, so a replay creates the same id. */
export function idForEmail(email: string): string {
  return `cus_${createHash('sha256').update(email).digest('hex').slice(0, 16)}`;
}

function isCustomer(value: unknown): value is OwostackCustomer {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { id?: unknown; billing?: { featureConfigs?: unknown } };
  return typeof candidate.id === 'string' && Array.isArray(candidate.billing?.featureConfigs);
}

import type { OwostackStore, StoredCustomer, StoredFeatureConfig } from './store.js';
import { checkSetFeatureConfig, checkSetOverageLimit } from './validate.js';

/** Customers to place in the Owostack emulator's state directly; same ids are replaced. */
export interface OwostackSeed {
  customers: Array<{
    id: string;
    email?: string | null;
    name?: string | null;
    metadata?: Record<string, unknown> | null;
    createdAt?: number;
    billing?: Partial<StoredCustomer['billing']>;
  }>;
}

/** Seeds customers; throws on billing values the API itself would refuse. */
export function seedOwostack(store: OwostackStore, seed: OwostackSeed, now: () => number): void {
  seed.customers.forEach((customer, index) => {
    const overageLimit = customer.billing?.overageLimit ?? null;
    const featureConfigs: StoredFeatureConfig[] = [...(customer.billing?.featureConfigs ?? [])];
    const problems = [
      overageLimit === null ? null : checkSetOverageLimit({ customer: customer.id, ...overageLimit }),
      ...featureConfigs.map((config) => checkSetFeatureConfig({ customer: customer.id, ...config })),
    ].flatMap((result) => (result === null || result.ok ? [] : [result.message]));
    if (problems.length > 0) throw new Error(`Seed customers[${index}]: ${problems.join('; ')}`);
    const createdAt = customer.createdAt ?? now();
    store.customers.set(customer.id, {
      id: customer.id,
      email: customer.email ?? null,
      name: customer.name ?? null,
      metadata: customer.metadata ?? null,
      createdAt,
      updatedAt: createdAt,
      billing: structuredClone({
        overageLimit,
        featureConfigs: featureConfigs.sort((a, b) => (a.feature < b.feature ? -1 : 1)),
      }),
    });
  });
}

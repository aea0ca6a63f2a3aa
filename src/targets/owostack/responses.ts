// What tollgate reads from Owostack's answers, checked field by field against the shapes in routes.ts.
// An answer that differs is a TargetError naming the route and the field, never a TypeError further on.
import { TargetError } from '../target.js';
import type { OwostackOnLimitReached, OwostackOverage } from './routes.js';

/** One per-feature override as tollgate reads it: the feature by slug, the id Owostack keeps to itself. */
export interface FeatureConfigRead {
  feature: string;
  overage: OwostackOverage | null;
  maxOverageUnits: number | null;
}

/** A customer's billing config as tollgate reads it; a stored limit without an amount is no limit. */
export interface CustomerRead {
  id: string;
  name?: string;
  overageLimit: { maxOverageAmount: number; onLimitReached: OwostackOnLimitReached } | null;
  /** Sorted by feature slug. */
  featureConfigs: FeatureConfigRead[];
}

/** Where an answer came from, for messages: `GET /customers/cust_1` at a base URL. */
export interface AnswerSource {
  route: string;
  baseUrl: string;
}

/** The answer of `GET /customers/{id}` for customer `id`. */
export function readCustomerAnswer(value: unknown, id: string, source: AnswerSource): CustomerRead {
  const shape: Shape = new Shape(source);
  const body = shape.object(value, '(the answer)');
  shape.success(body);
  if (body.id !== id) shape.fail('id', body.id, JSON.stringify(id));
  const billing = shape.object(body.billing, 'billing');
  const limit = billing.overageLimit;
  let overageLimit: CustomerRead['overageLimit'] = null;
  if (limit !== null) {
    const l = shape.object(limit, 'billing.overageLimit', 'null or an object {maxOverageAmount, onLimitReached}');
    const amount = shape.count(l.maxOverageAmount, 'billing.overageLimit.maxOverageAmount', true);
    const reached = shape.oneOf(l.onLimitReached, 'billing.overageLimit.onLimitReached', ['block', 'notify'] as const, false);
    if (amount !== null) overageLimit = { maxOverageAmount: amount, onLimitReached: reached };
  }
  const entries = billing.featureConfigs;
  if (!Array.isArray(entries)) shape.fail('billing.featureConfigs', entries, 'an array');
  const seen = new Set<string>();
  const featureConfigs = entries.map((entry, i): FeatureConfigRead => {
    const at = `billing.featureConfigs[${i}]`;
    const config = shape.object(entry, at, 'an object {feature, overage, maxOverageUnits}');
    const feature = shape.object(config.feature, `${at}.feature`, 'an object {id, slug}');
    if (typeof feature.id !== 'string' || feature.id === '') shape.fail(`${at}.feature.id`, feature.id, 'a non-empty string');
    const slug = feature.slug;
    if (typeof slug !== 'string' || slug === '') shape.fail(`${at}.feature.slug`, slug, 'a non-empty string');
    if (seen.has(slug)) shape.fail(`${at}.feature.slug`, slug, 'each feature once (it is listed twice)');
    seen.add(slug);
    return {
      feature: slug,
      overage: shape.oneOf(config.overage, `${at}.overage`, ['block', 'charge'] as const, true),
      maxOverageUnits: shape.count(config.maxOverageUnits, `${at}.maxOverageUnits`, true),
    };
  });
  featureConfigs.sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
  const read: CustomerRead = { id, overageLimit, featureConfigs };
  if (typeof body.name === 'string' && body.name !== '') read.name = body.name;
  return read;
}

/** One customer of a `GET /customers` page. */
export interface CustomerSummaryRead {
  id: string;
  name?: string;
}

/** The answer of `GET /customers?limit=&offset=`: its customers and the total. */
export function readCustomerListAnswer(value: unknown, source: AnswerSource): { customers: CustomerSummaryRead[]; total: number } {
  const shape: Shape = new Shape(source);
  const body = shape.object(value, '(the answer)');
  shape.success(body);
  const total = shape.count(body.total, 'total', false)!;
  if (!Array.isArray(body.data)) shape.fail('data', body.data, 'an array');
  const customers = body.data.map((entry, i): CustomerSummaryRead => {
    const c = shape.object(entry, `data[${i}]`, 'a customer object');
    if (typeof c.id !== 'string' || c.id === '') shape.fail(`data[${i}].id`, c.id, 'a non-empty string');
    const read: CustomerSummaryRead = { id: c.id };
    if (typeof c.name === 'string' && c.name !== '') read.name = c.name;
    return read;
  });
  return { customers, total };
}

/** The answer of a write: tollgate reads nothing from it but that it succeeded. */
export function readWriteAnswer(value: unknown, source: AnswerSource): void {
  const shape: Shape = new Shape(source);
  shape.success(shape.object(value, '(the answer)'));
}

/** Builds the error for the first field that differs from the documented shape. */
class Shape {
  constructor(private readonly source: AnswerSource) {}

  fail(field: string, value: unknown, expected: string): never {
    const { route, baseUrl } = this.source;
    throw new TargetError(
      `Owostack's answer to ${route} does not have the documented shape: ${field} is ${describe(value)}, expected ${expected}. Check that ${baseUrl} is Owostack's API.`,
    );
  }

  object(value: unknown, field: string, expected = 'an object'): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, value, expected);
    return value as Record<string, unknown>;
  }

  success(body: Record<string, unknown>): void {
    if (body.success !== true) this.fail('success', body.success, 'true');
  }

  count(value: unknown, field: string, nullable: boolean): number | null;
  count(value: unknown, field: string, nullable: boolean): number | null {
    if (value === null && nullable) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.fail(field, value, `${nullable ? 'null or ' : ''}a whole number of 0 or more`);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], nullable: true): T | null;
  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], nullable: false): T;
  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], nullable: boolean): T | null {
    if (value === null && nullable) return null;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(field, value, `${nullable ? 'null or ' : ''}${allowed.map((a) => JSON.stringify(a)).join(' or ')}`);
    }
    return value as T;
  }
}

/** A value as a message shows it: short, and never more than the start of a long string. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

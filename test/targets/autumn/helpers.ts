// Shared by the Autumn target tests: a policy directory, an emulator seeded with the objects it names
// (tollgate never creates them), and the real CLI run as a child process against that emulator.
import {
  GetCustomerParams$outboundSchema,
  GetEntityParams$outboundSchema,
  GetPlanParams$outboundSchema,
  ListCustomersParams$outboundSchema,
  ListEntitiesParams$outboundSchema,
  ListFeaturesRequest$outboundSchema,
  ListPlansParams$outboundSchema,
  UpdateCustomerParams$outboundSchema,
  UpdateEntityParams$outboundSchema,
  UpdatePlanParams$outboundSchema,
} from 'autumn-js';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { startAutumnEmulator, type AutumnEmulator, type AutumnSeed, type EmulatorOptions, type LoggedRequest } from '../../../src/emulate/autumn/emulator.js';
import type { PlanItemRecord } from '../../../src/emulate/autumn/wire.js';
import type { PlanItem } from '../../../src/types/policy.generated.js';
import { currencyDigits } from '../../../src/util/money.js';
import { parseWithSdkSchema, type SdkSchema } from '../../../src/emulate/autumn/sdk-parse.js';
import { desiredObjects } from '../../../src/plan/desired.js';
import { analyze } from '../../../src/validate/index.js';
import { withoutProgress } from '../../helpers/progress-lines.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO, 'bin/tollgate.js');
export const KEY = 'am_sk_test_tollgate';

/** A temporary working directory holding `policies/` written from inline files. */
export function workDir(files: Record<string, string>): { cwd: string; write(file: string, text: string): void; cleanup(): void } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'tollgate-autumn-'));
  const write = (file: string, text: string): void => {
    const full = path.join(cwd, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
  };
  for (const [file, text] of Object.entries(files)) write(file, text);
  return { cwd, write, cleanup: () => rmSync(cwd, { recursive: true, force: true }) };
}

/**
 * Features, plans (with the items the policies give them), customers and entities the policies in `dir` name,
 * without controls: what exists in Autumn before tollgate runs, its catalog agreeing with the policies.
 */
export function seedFor(dir: string): AutumnSeed {
  const analysis = analyze(dir);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`test policies do not validate: ${errors.map((d) => `${d.file}:${d.line} ${d.message}`).join('; ')}`);
  const seed: Required<AutumnSeed> = { features: [], plans: [], customers: [], entities: [] };
  for (const f of analysis.set.features.values()) seed.features.push({ id: f.id, type: f.type === 'credits' ? 'metered' : f.type });
  for (const o of desiredObjects(analysis.set).values()) {
    if (o.ref.kind === 'plan') {
      const plan = analysis.set.plans.get(o.ref.id)!;
      seed.plans.push({ id: o.ref.id, items: [...plan.items].flatMap(([feature, item]) => autumnItems(feature, item, plan.currency)) });
    }
    else if (o.ref.kind === 'customer') seed.customers.push({ id: o.ref.id, plan_id: o.plan ?? null });
    else seed.entities.push({ customer_id: o.ref.customer, id: o.ref.id, feature_id: 'seats' });
  }
  return seed;
}

/** A policy plan item as Autumn's plans.list shows it: the item, and a one-off prepaid item for its top-up price. */
export function autumnItems(featureId: string, item: PlanItem, currency: string): PlanItemRecord[] {
  const major = (minor: number): number => minor / 10 ** currencyDigits(currency);
  const pricing = item.pricing ?? 'included';
  const interval = item.reset === undefined || item.reset === 'never' || item.reset === 'hour' || item.reset === 'day' ? 'month' : item.reset;
  const main: PlanItemRecord = {
    feature_id: featureId,
    included: item.included ?? 0,
    unlimited: false,
    reset: item.reset === undefined || item.reset === 'never' ? null : { interval: item.reset },
    price:
      pricing === 'included'
        ? null
        : { amount: major(item.price?.amount ?? 0), interval, billing_units: item.price?.per ?? 1, billing_method: pricing, max_purchase: item.maxPurchase ?? null },
  };
  const topUp: PlanItemRecord[] = item.topUpPrice
    ? [{ feature_id: featureId, included: 0, unlimited: false, reset: null, price: { amount: major(item.topUpPrice.amount), interval: 'one_off', billing_units: item.topUpPrice.per, billing_method: 'prepaid', max_purchase: null } }]
    : [];
  return [main, ...topUp];
}

/** Starts an emulator on a random loopback port; close it in afterEach. */
export function emulator(options: EmulatorOptions = {}): Promise<AutumnEmulator> {
  return startAutumnEmulator({ port: 0, secretKey: KEY, ...options });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/tollgate.js args` asynchronously (the emulator lives in this process and must keep answering). */
export function tollgate(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<RunResult> & { child: ReturnType<typeof spawn> } {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', AUTUMN_SECRET_KEY: KEY };
  delete fullEnv.GITHUB_ACTIONS;
  delete fullEnv.AUTUMN_API_URL;
  Object.assign(fullEnv, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr: withoutProgress(stderr) }));
  });
  return Object.assign(done, { child });
}

/** Policies for a small fleet: every Autumn control, customer and entity level, and `[]` / `unlimited`. */
export const SMALL_POLICIES: Record<string, string> = {
  'policies/features.yaml': [
    'kind: Feature\nid: api_calls\nname: API calls\ntype: metered',
    'kind: Feature\nid: credits\nname: Credits\ntype: credits',
    'kind: Feature\nid: seats\nname: Seats\ntype: metered',
  ].join('\n---\n'),
  'policies/plans/pro.yaml': `kind: Plan
id: pro
currency: USD
features:
  api_calls: { included: 1000, reset: month, pricing: usage_based, price: { amount: 100, per: 1000 } }
  credits: { included: 5000, reset: month, topUpPrice: { amount: 1000, per: 1000 } }
  seats: { included: 5, reset: never, pricing: usage_based, price: { amount: 1200, per: 1 } }
controls:
  api_calls:
    usageAlerts: [{ threshold: 80, type: usage_percentage, name: "80% warning" }]
`,
  'policies/customers/acme.yaml': `kind: Customer
id: acme
plan: pro
controls:
  api_calls:
    overage: allow
    maxOverageUnits: 5000
    usageAlerts:
      - { threshold: 90, type: usage_percentage, name: "90% usage" }
      - { threshold: 900, type: usage, enabled: false }
  credits:
    autoTopup: { threshold: 500, quantity: 1000, purchaseLimit: { interval: month, limit: 5 } }
entities:
  workspace_a:
    controls:
      api_calls: { maxOverageUnits: 2000, usageAlerts: [] }
`,
  'policies/customers/hooli.yaml': `kind: Customer
id: hooli
plan: pro
controls:
  api_calls: { overage: block, maxOverageUnits: unlimited, usageAlerts: [] }
`,
};

/** A fleet: plan pro with a default alert, `customers` customers with a spend limit each, the first `entities` of them with one entity. */
export function fleetPolicies(customers: number, entities: number, generation = 1): Record<string, string> {
  const files: Record<string, string> = {
    'policies/features.yaml': SMALL_POLICIES['policies/features.yaml']!,
    'policies/plans/pro.yaml': SMALL_POLICIES['policies/plans/pro.yaml']!.replace('80% warning', `80% warning (generation ${generation})`),
  };
  for (let batch = 0; batch * 100 < customers; batch++) {
    const docs: string[] = [];
    for (let i = batch * 100; i < Math.min(customers, (batch + 1) * 100); i++) {
      const lines = [`kind: Customer`, `id: c${i}`, `plan: pro`, `controls:`, `  api_calls: { maxOverageUnits: ${i * generation}${i % 3 === 0 ? ', overage: allow' : ''} }`];
      if (i % 5 === 0) lines.push(`  credits: { autoTopup: { threshold: ${i}, quantity: 100 } }`);
      if (i < entities) lines.push('entities:', '  w:', '    controls:', `      api_calls: { usageAlerts: [{ threshold: ${(i * generation) % 100}, type: usage_percentage }] }`);
      docs.push(lines.join('\n'));
    }
    files[`policies/customers/batch-${batch}.yaml`] = docs.join('\n---\n') + '\n';
  }
  return files;
}

/** The SDK's request schema for each route tollgate calls. */
const REQUEST_SCHEMAS: Record<string, SdkSchema<unknown>> = {
  '/v1/customers.get': GetCustomerParams$outboundSchema,
  '/v1/customers.list': ListCustomersParams$outboundSchema,
  '/v1/customers.update': UpdateCustomerParams$outboundSchema,
  '/v1/entities.get': GetEntityParams$outboundSchema,
  '/v1/entities.list': ListEntitiesParams$outboundSchema,
  '/v1/entities.update': UpdateEntityParams$outboundSchema,
  '/v1/features.list': ListFeaturesRequest$outboundSchema,
  '/v1/plans.get': GetPlanParams$outboundSchema,
  '/v1/plans.list': ListPlansParams$outboundSchema,
  '/v1/plans.update': UpdatePlanParams$outboundSchema,
};

/** Every body tollgate sent validates against autumn-js's own request schema for its route. */
export function expectSdkValidBodies(requests: readonly LoggedRequest[]): void {
  const problems = requests
    .filter((r) => r.body !== undefined)
    .map((r) => {
      const schema = REQUEST_SCHEMAS[r.path];
      if (!schema) return `${r.path}: a route tollgate should not call`;
      const parsed = parseWithSdkSchema(schema, r.body);
      return parsed.ok ? null : `${r.path} ${JSON.stringify(r.body)}: ${parsed.message}`;
    })
    .filter((p) => p !== null);
  expect(problems).toEqual([]);
}

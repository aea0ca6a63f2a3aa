// Shared by the owostack target tests: the real CLI as a child process, an emulator on a random
// loopback port, and the Owostack state a policy directory should leave behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOwostackEmulator, type EmulatorOptions, type OwostackEmulator, type StoredCustomer } from '../../../src/emulate/owostack/emulator.js';
import { desiredObjects } from '../../../src/plan/desired.js';
import { analyze } from '../../../src/validate/index.js';
import { withoutProgress } from '../../helpers/progress-lines.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(REPO, 'bin/tollgate.js');

export const SECRET_KEY = 'sk_test_owostack_9f3a';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/tollgate.js args` in `cwd` (asynchronously, so an in-process emulator keeps serving). */
export function tollgate(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of ['GITHUB_ACTIONS', 'FORCE_COLOR', 'CI', 'OWOSTACK_API_URL', 'OWOSTACK_SECRET_KEY']) delete base[name];
  const full: NodeJS.ProcessEnv = { ...base, OWOSTACK_SECRET_KEY: SECRET_KEY };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete full[name];
    else full[name] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr: withoutProgress(stderr) }));
  });
}

/** Emulators and temp dirs made by a test, released by `cleanup()` in afterEach. */
export class Fixtures {
  private emulators: OwostackEmulator[] = [];
  private dirs: string[] = [];

  /** An emulator on a free loopback port that accepts only SECRET_KEY; injected 429s ask for no wait. */
  async emulator(options: EmulatorOptions = {}): Promise<OwostackEmulator> {
    const emulator = await startOwostackEmulator({ port: 0, secretKey: SECRET_KEY, faultRetryAfterSeconds: 0, slowMs: 20, ...options });
    this.emulators.push(emulator);
    return emulator;
  }

  /** A fresh working directory for the CLI (its .tollgate/ goes there). */
  workdir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tollgate-owostack-'));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.emulators.map((e) => e.close()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.emulators = [];
    this.dirs = [];
  }
}

/** What Owostack holds for one customer, in its own terms (features by slug). */
export type CustomerBilling = StoredCustomer['billing'];

/**
 * The billing config every customer of a policy directory must hold on Owostack, computed from the
 * desired per-object state with the mapping written out here (independently of the target's wire.ts):
 * allow → "charge", block → "block", unlimited and absent → null.
 */
export function expectedBilling(dir: string): Map<string, CustomerBilling> {
  const analysis = analyze(dir);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`test policies are invalid: ${errors.map((d) => d.message).join('; ')}`);
  const out = new Map<string, CustomerBilling>();
  for (const object of desiredObjects(analysis.set).values()) {
    if (object.ref.kind !== 'customer') continue;
    const featureConfigs: CustomerBilling['featureConfigs'] = [];
    for (const feature of Object.keys(object.controls.features).sort()) {
      const s = object.controls.features[feature]!;
      let overage: 'charge' | 'block' | null = s.overage === 'allow' ? 'charge' : s.overage === 'block' ? 'block' : null;
      let maxOverageUnits = typeof s.maxOverageUnits === 'number' ? s.maxOverageUnits : null;
      // Owostack refuses a cap of 0: no overage unit at all is overage "block".
      if (maxOverageUnits === 0) [overage, maxOverageUnits] = ['block', null];
      if (overage !== null || maxOverageUnits !== null) featureConfigs.push({ feature, overage, maxOverageUnits });
    }
    const limit = object.controls.overageLimit;
    out.set(object.ref.id, { overageLimit: limit === undefined || limit === 'unlimited' ? null : limit, featureConfigs });
  }
  return out;
}

/** Customers with nothing set, as if created in Owostack: tollgate never creates them. */
export function existing(...ids: string[]): { customers: Array<{ id: string; email: string }> } {
  return { customers: ids.map((id) => ({ id, email: `${id}@example.com` })) };
}

/** Every customer a policy directory names, created empty in the emulator. */
export function seedCustomersOf(emulator: OwostackEmulator, dir: string): void {
  const ids = [...desiredObjects(analyze(dir).set).values()].flatMap((o) => (o.ref.kind === 'customer' ? [o.ref.id] : []));
  emulator.seed(existing(...ids));
}

/** Every customer's billing config in the emulator, by id. */
export function emulatorBilling(emulator: OwostackEmulator): Map<string, CustomerBilling> {
  return new Map(emulator.state().customers.map((c) => [c.id, c.billing]));
}

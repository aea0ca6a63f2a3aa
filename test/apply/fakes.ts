// A fake clock and a scriptable target for executor tests: nothing sleeps, every wait is recorded.
import type { Clock } from '../../src/util/clock.js';
import type { LiveObject, ObjectControls } from '../../src/plan/objects.js';
import type { ObjectPlan, Plan } from '../../src/plan/plan.js';
import { TargetError, type Target, type WriteContext } from '../../src/targets/target.js';

/** Time that moves only when something sleeps: sleep(ms) advances it by ms and resolves on the next tick. */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.time += ms;
    await Promise.resolve();
    signal?.throwIfAborted();
  }
}

/** A plan of `n` objects customer:c000 … each setting one control. */
export function planOf(n: number): Plan {
  const objects: ObjectPlan[] = Array.from({ length: n }, (_, i) => {
    const id = `c${String(i).padStart(3, '0')}`;
    const after: ObjectControls = { features: { api_calls: { maxOverageUnits: i } } };
    return { key: `customer:${id}`, ref: { kind: 'customer', id }, action: 'create', fingerprint: 'none', after, changes: [] };
  });
  return { formatVersion: 1, policyDigest: 'sha256:test', target: { name: 'fake' }, objects, effect: { customers: [] }, summary: { add: n, change: 0, remove: 0, customers: n, entities: 0 } };
}

/** What the fake does on one write attempt: succeed, or throw. */
export type Script = (object: ObjectPlan, ctx: WriteContext, attempt: number) => 'ok' | TargetError | Promise<'ok' | TargetError>;

/** A target whose writes follow a script; it records every attempt, and what it "stored". */
export class FakeTarget implements Target {
  readonly name = 'fake';
  readonly endpoint = 'fake://';
  readonly capabilities = { plan: new Set(), customer: new Set(), entity: new Set() } as Target['capabilities'];
  readonly attempts: Array<{ key: string; attempt: number; idempotencyKey: string }> = [];
  readonly stored = new Map<string, ObjectControls>();
  inFlight = 0;
  maxInFlight = 0;
  reads = 0;
  flushed = 0;

  constructor(
    private readonly script: Script = () => 'ok',
    readonly rateLimit?: number,
  ) {}

  async managedKeys(): Promise<string[]> {
    return [];
  }

  async read(keys: readonly string[]): Promise<Map<string, LiveObject | null>> {
    this.reads++;
    return new Map(keys.map((k) => [k, this.stored.has(k) ? { controls: this.stored.get(k)! } : null]));
  }

  async write(object: ObjectPlan, ctx: WriteContext): Promise<void> {
    this.attempts.push({ key: object.key, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await Promise.resolve();
      const outcome = await this.script(object, ctx, ctx.attempt);
      if (outcome !== 'ok') throw outcome;
      this.stored.set(object.key, object.after);
    } finally {
      this.inFlight--;
    }
  }

  async flush(): Promise<void> {
    this.flushed++;
  }
}

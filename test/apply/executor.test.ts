import { describe, expect, it } from 'vitest';
import { applyPlan, idempotencyKey, type ApplyProgress } from '../../src/apply/apply.js';
import { backoffMs, DEFAULT_RETRY, retrying } from '../../src/targets/backoff.js';
import { TokenBucket } from '../../src/util/token-bucket.js';
import { TargetError, type TargetCall, type WriteContext } from '../../src/targets/target.js';
import type { ObjectPlan } from '../../src/plan/plan.js';
import { FakeClock, FakeTarget, planOf } from './fakes.js';

const retryable = (message = 'Autumn answered 500 internal_error: boom', extra = {}) => new TargetError(message, { retryable: true, status: 500, ...extra });

describe('apply executor', () => {
  it('writes every object once, within the concurrency bound, and flushes', async () => {
    const target = new FakeTarget();
    const report = await applyPlan(planOf(50), target, { concurrency: 4, clock: new FakeClock() });
    expect(report.applied).toHaveLength(50);
    expect(report.failed).toEqual([]);
    expect(report.notAttempted).toEqual([]);
    expect(target.attempts).toHaveLength(50);
    expect(target.maxInFlight).toBeLessThanOrEqual(4);
    expect(target.flushed).toBe(1);
  });

  it('retries 429, 5xx and network failures with the same idempotency key, honouring Retry-After', async () => {
    const clock = new FakeClock();
    const target = new FakeTarget((object, _ctx, attempt) => {
      if (object.key === 'customer:c000' && attempt === 1) return new TargetError('429', { retryable: true, status: 429, retryAfterMs: 3000 });
      if (object.key === 'customer:c001' && attempt <= 2) return retryable();
      if (object.key === 'customer:c002' && attempt === 1) return new TargetError('Could not reach Autumn', { retryable: true, code: 'network' });
      return 'ok';
    });
    const plan = planOf(3);
    const report = await applyPlan(plan, target, { clock, random: () => 0.5, retry: { baseMs: 100, capMs: 1000 } });
    expect(report.applied).toEqual(['customer:c000', 'customer:c001', 'customer:c002']);
    expect(report.retries).toBe(4);
    const keys = target.attempts.filter((a) => a.key === 'customer:c001').map((a) => a.idempotencyKey);
    expect(new Set(keys)).toEqual(new Set([idempotencyKey(plan, plan.objects[1]!)]));
    expect(clock.sleeps).toContain(3000); // Retry-After wins over a smaller jittered backoff
    expect(clock.sleeps.filter((ms) => ms !== 3000).every((ms) => ms <= 100)).toBe(true);
  });

  it('gives up after the last attempt and reports the API message; the others are not held up', async () => {
    const target = new FakeTarget((object) => (object.key === 'customer:c001' ? retryable() : 'ok'));
    const report = await applyPlan(planOf(3), target, { clock: new FakeClock(), retry: { maxAttempts: 3 } });
    expect(report.applied).toEqual(['customer:c000', 'customer:c002']);
    expect(report.failed).toEqual([{ key: 'customer:c001', message: 'Autumn answered 500 internal_error: boom (after 3 attempts)', attempts: 3, status: 500 }]);
  });

  it('does not retry what cannot succeed (a 400)', async () => {
    const target = new FakeTarget(() => new TargetError('rejected', { status: 400, code: 'invalid_inputs' }));
    const report = await applyPlan(planOf(1), target, { clock: new FakeClock() });
    expect(target.attempts).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ status: 400, code: 'invalid_inputs', attempts: 1 });
  });

  it('resolves a duplicate idempotency key by re-reading: applied if the object holds the planned state', async () => {
    const target = new FakeTarget((object, _ctx, attempt) => {
      if (attempt === 1) {
        // Stored, then the connection dropped: the retry is answered 409.
        target.stored.set(object.key, object.after);
        return retryable('Could not reach Autumn');
      }
      return new TargetError('duplicate', { status: 409, duplicate: true });
    });
    const report = await applyPlan(planOf(2), target, { clock: new FakeClock() });
    expect(report.applied).toEqual(['customer:c000', 'customer:c001']);
    expect(target.reads).toBe(2);
  });

  it('reports a duplicate key as a failure when the object holds something else', async () => {
    const target = new FakeTarget(() => new TargetError('Idempotency key was already used', { status: 409, duplicate: true }));
    const report = await applyPlan(planOf(1), target, { clock: new FakeClock() });
    expect(report.failed[0]!.message).toContain('does not hold the planned state');
  });

  it('stops starting writes after a fatal failure (a refused key)', async () => {
    const target = new FakeTarget(() => new TargetError('refused key', { status: 401, fatal: true }));
    const report = await applyPlan(planOf(20), target, { concurrency: 2, clock: new FakeClock() });
    expect(report.failed.length).toBeLessThanOrEqual(2);
    expect(report.notAttempted.length).toBe(20 - report.failed.length);
    expect(report.stopped).toBe('fatal');
  });

  it('on abort, starts no new write and no retry, lets writes in flight finish, and reports the rest', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const target = new FakeTarget(async (object) => {
      if (object.key === 'customer:c000') {
        controller.abort();
        await gate;
      }
      if (object.key === 'customer:c001') return retryable();
      return 'ok';
    });
    const progress: ApplyProgress[] = [];
    const running = applyPlan(planOf(10), target, { concurrency: 3, signal: controller.signal, clock: new FakeClock(), onProgress: (p) => progress.push(p) });
    release();
    const report = await running;
    expect(report.stopped).toBe('interrupted');
    expect(report.applied).toEqual(['customer:c000', 'customer:c002']);
    expect(report.failed).toEqual([expect.objectContaining({ key: 'customer:c001', message: expect.stringContaining('not retried: interrupted') })]);
    expect(report.notAttempted).toHaveLength(7);
    expect(target.attempts.map((a) => a.key)).toEqual(['customer:c000', 'customer:c001', 'customer:c002']);
    expect(progress.at(-1)).toMatchObject({ total: 10, done: 10, inFlight: 0 });
  });

  it('propagates a failed flush (the local state could not be saved)', async () => {
    const target = new FakeTarget();
    target.flush = async () => {
      throw new Error('disk full');
    };
    await expect(applyPlan(planOf(1), target, { clock: new FakeClock() })).rejects.toThrow('disk full');
  });
});

describe('backoff and pacing', () => {
  it('drives a target that has calls call by call: a retry repeats only the call that failed, under its own key', async () => {
    const sent: Array<{ call: string; key: string; attempt: number }> = [];
    const target = Object.assign(new FakeTarget(), {
      calls: (object: ObjectPlan) => [{ name: `${object.key}:create-alert` }, { name: `${object.key}:delete-wallet` }],
      send: async (call: TargetCall, ctx: WriteContext) => {
        sent.push({ call: call.name, key: ctx.idempotencyKey, attempt: ctx.attempt });
        if (call.name.endsWith('delete-wallet') && ctx.attempt === 1) throw retryable('Lago answered 503');
      },
    });
    const plan = planOf(2);
    const report = await applyPlan(plan, target, { clock: new FakeClock(), concurrency: 1 });
    expect(report).toMatchObject({ applied: ['customer:c000', 'customer:c001'], failed: [], retries: 2 });
    expect(target.attempts).toEqual([]); // write() is not used
    const first = sent.filter((s) => s.call.startsWith('customer:c000'));
    const key = idempotencyKey(plan, plan.objects[0]!);
    expect(first).toEqual([
      { call: 'customer:c000:create-alert', key: `${key}.customer:c000:create-alert`, attempt: 1 },
      { call: 'customer:c000:delete-wallet', key: `${key}.customer:c000:delete-wallet`, attempt: 1 },
      { call: 'customer:c000:delete-wallet', key: `${key}.customer:c000:delete-wallet`, attempt: 2 },
    ]);
  });

  it('names the call that failed, and does not send the calls after it', async () => {
    const sent: string[] = [];
    const target = Object.assign(new FakeTarget(), {
      calls: () => [{ name: 'first' }, { name: 'second' }, { name: 'third' }],
      send: async (call: TargetCall) => {
        sent.push(call.name);
        if (call.name === 'second') throw new TargetError('answered 400: bad threshold', { status: 400 });
      },
    });
    const report = await applyPlan(planOf(1), target, { clock: new FakeClock() });
    expect(report.failed).toEqual([{ key: 'customer:c000', message: 'second: answered 400: bad threshold', attempts: 1, status: 400 }]);
    expect(sent).toEqual(['first', 'second']);
  });

  it('counts an object applied only once afterWrite took it in; a fatal beforeWrite or afterWrite stops new writes', async () => {
    const recorded: string[] = [];
    const target = new FakeTarget();
    const report = await applyPlan(planOf(4), target, {
      clock: new FakeClock(),
      concurrency: 1,
      afterWrite: async (object) => {
        if (object.key === 'customer:c001') throw new TargetError('written, but not recorded in the state backend: connection lost', { fatal: true });
        recorded.push(object.key);
      },
    });
    expect(recorded).toEqual(['customer:c000']);
    expect(report.applied).toEqual(['customer:c000']);
    expect(report.failed).toMatchObject([{ key: 'customer:c001', message: 'written, but not recorded in the state backend: connection lost' }]);
    expect(report).toMatchObject({ notAttempted: ['customer:c002', 'customer:c003'], stopped: 'fatal' });

    const lost = await applyPlan(planOf(2), new FakeTarget(), {
      clock: new FakeClock(),
      beforeWrite: () => {
        throw new TargetError('not written: the apply lock was lost', { fatal: true });
      },
    });
    expect(lost.applied).toEqual([]);
    expect(lost.failed.length + lost.notAttempted.length).toBe(2);
    expect(lost.failed[0]?.message).toBe('not written: the apply lock was lost');
  });

  it('for a target whose writes hold only once flushed, counts and records objects after the flush', async () => {
    const events: string[] = [];
    const target = Object.assign(new FakeTarget(), { persistsOnFlush: true });
    const flush = target.flush.bind(target);
    target.flush = async () => {
      events.push('flush');
      await flush();
    };
    const report = await applyPlan(planOf(2), target, { clock: new FakeClock(), afterWrite: async (o) => void events.push(`record ${o.key}`) });
    expect(events).toEqual(['flush', 'record customer:c000', 'record customer:c001']);
    expect(report.applied).toEqual(['customer:c000', 'customer:c001']);
  });

  it('full jitter stays under an exponentially growing, capped ceiling', () => {
    const policy = { ...DEFAULT_RETRY, baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0.999))).toEqual([99.9, 199.8, 399.6, 799.2, 999]);
    expect(backoffMs(3, policy, () => 0)).toBe(0);
    expect(backoffMs(1, policy, () => 0.5, 2000)).toBe(2000);
    expect(backoffMs(1, policy, () => 0.5, 10 * 60_000)).toBe(policy.maxRetryAfterMs);
  });

  it('retrying() runs until success and rethrows what is not retryable', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const value = await retrying(async () => (++calls < 3 ? Promise.reject(retryable()) : 'done'), { policy: DEFAULT_RETRY, clock, random: () => 0.5 });
    expect(value).toBe('done');
    await expect(retrying(async () => Promise.reject(new TargetError('no')), { policy: DEFAULT_RETRY, clock, random: () => 0.5 })).rejects.toThrow('no');
  });

  it('the token bucket lets a burst through, then one request per 1/rate seconds', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(25, clock, 5);
    const startedAt: number[] = [];
    for (let i = 0; i < 30; i++) {
      await bucket.take();
      startedAt.push(clock.now());
    }
    expect(startedAt.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    const gaps = startedAt.slice(5).map((t, i) => t - (startedAt[i + 4] ?? 0));
    expect(gaps.every((g) => Math.abs(g - 40) < 1e-6)).toBe(true);
    // 30 requests at 25/s with a burst of 5: the 30th starts after (30 - 5) / 25 s.
    expect(startedAt.at(-1)).toBeCloseTo(1000, 6);
  });
});

// The behaviour every state backend shares (SPEC §9), run against the file backend and a real PostgreSQL
// server alike: the apply lock and its holder, records that survive a killed apply, and the history.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { lockHolder, type AppliedRecord, type LockHolder, type Scope, type StateBackend } from '../../src/backend/index.js';

export interface BackendHarness {
  /** The backend setting: "file" or a PostgreSQL URL. */
  setting(): string;
  /** Root of the file backend (unused by PostgreSQL). */
  stateDir(): string;
  open(scope: Scope): Promise<StateBackend>;
  /** Resolves once no session holds the scope's lock any more (PostgreSQL notices a killed holder on its own schedule). */
  lockFreed(scope: Scope): Promise<void>;
}

const HOLDER_SCRIPT = fileURLToPath(new URL('./fixtures/holder.mjs', import.meta.url));

/** A child process that takes the lock and records `count` objects, reporting each on stdout. */
export interface HolderChild {
  child: ChildProcess;
  /** Lines written so far. */
  lines: string[];
  /** Resolves when the child has written this line. */
  saw(line: string): Promise<void>;
  exited: Promise<void>;
}

export function spawnHolder(harness: BackendHarness, scope: Scope, count: number): HolderChild {
  const config = JSON.stringify({ backend: harness.setting(), stateDir: harness.stateDir(), scope, count });
  const child = spawn(process.execPath, [HOLDER_SCRIPT, config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GITHUB_ACTOR: 'child-actor', GITHUB_SHA: 'c'.repeat(40) } });
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((w) => w.line === line)) w.resolve();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': every line the child wrote has been read by then
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    lines,
    exited,
    saw: (line) =>
      new Promise<void>((resolve, reject) => {
        if (lines.includes(line)) return resolve();
        waiters.push({ line, resolve });
        void exited.then(() => reject(new Error(`the holder exited before "${line}": ${lines.join(' | ')} ${stderr}`)));
      }),
  };
}

const aliceEnv = { GITHUB_ACTOR: 'alice', GITHUB_SHA: 'a1b2c3d4e5f6'.padEnd(40, '0') };

function record(i: number, extra: Partial<AppliedRecord> = {}): AppliedRecord {
  return { controls: { features: { api_calls: { overage: 'allow', maxOverageUnits: i } } }, fingerprint: `sha256:${i}`, planDigest: 'sha256:plan', policyDigest: 'sha256:policy', at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), ...extra };
}

let scopes = 0;
/** A scope of its own for each test, so that tests share one database without meeting. */
export function freshScope(target = 'autumn'): Scope {
  return { target, endpoint: `http://127.0.0.1:${4000 + ++scopes}/v1?run=${Math.random().toString(36).slice(2)}` };
}

/** The shared suite; call it inside a describe of the backend under test. */
export function backendContract(harness: BackendHarness): void {
  let open: StateBackend[] = [];
  let children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const b of open) await b.close();
    open = [];
    children = [];
  });
  const backend = async (scope: Scope): Promise<StateBackend> => {
    const b = await harness.open(scope);
    open.push(b);
    return b;
  };
  const holder = (scope: Scope, count: number): HolderChild => {
    const h = spawnHolder(harness, scope, count);
    children.push(h.child);
    return h;
  };

  it('refuses a second apply lock and names the holder: host, pid, actor, commit, since', async () => {
    const scope = freshScope();
    const [a, b] = [await backend(scope), await backend(scope)];
    const alice: LockHolder = lockHolder('tollgate apply --yes', { env: aliceEnv });
    const first = await a.acquireLock(alice);
    expect(first.ok).toBe(true);
    const second = await b.acquireLock(lockHolder('tollgate apply', { env: { GITHUB_ACTOR: 'bob' } }));
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.holder).toEqual(alice);
    for (const part of ['alice', alice.host, `pid ${process.pid}`, 'commit a1b2c3d4e5f6', alice.since, 'tollgate apply --yes']) expect(second.message).toContain(part);
    // another target, or the same target at another endpoint, is another lock
    const elsewhere = await (await backend({ ...scope, endpoint: scope.endpoint + '&other' })).acquireLock(alice);
    expect(elsewhere.ok).toBe(true);
    if (first.ok) await first.lock.release();
    const after = await b.acquireLock(alice);
    expect(after.ok).toBe(true);
  });

  it('lets the next apply lock after a holder is killed with SIGKILL', async () => {
    const scope = freshScope();
    const next = await backend(scope);
    const child = holder(scope, 0);
    await child.saw('locked');
    const refused = await next.acquireLock(lockHolder('tollgate apply', { env: aliceEnv }));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.holder).toMatchObject({ pid: child.child.pid, actor: 'child-actor', commit: 'c'.repeat(40) });
    child.child.kill('SIGKILL');
    await child.exited;
    await harness.lockFreed(scope);
    const taken = await next.acquireLock(lockHolder('tollgate apply', { env: aliceEnv }));
    expect(taken.ok).toBe(true);
  });

  it('keeps every record an apply confirmed before it was killed with SIGKILL', async () => {
    const scope = freshScope('owostack');
    const child = holder(scope, 100_000);
    await child.saw('recorded 300');
    child.child.kill('SIGKILL');
    await child.exited;
    const confirmed = child.lines.filter((l) => l.startsWith('recorded ')).map((l) => Number(l.slice('recorded '.length)));
    expect(confirmed.length).toBeGreaterThan(300);
    await harness.lockFreed(scope);
    const next = await backend(scope);
    const keys = await next.managedKeys();
    // everything the child confirmed is there, and the records are a prefix of what it wrote, in order
    // (it may have recorded more than it could tell: its last lines can die in its stdout queue)
    expect(keys.length).toBeGreaterThanOrEqual(confirmed.length);
    expect(keys).toEqual(keys.map((_, i) => `customer:c${String(i).padStart(5, '0')}`));
    const last = `customer:c${String(confirmed.length - 1).padStart(5, '0')}`;
    expect((await next.lastApplied([last])).get(last)?.controls).toEqual({ features: { api_calls: { overage: 'allow', maxOverageUnits: confirmed.length - 1 } } });
    // the next apply takes the lock (folding a file journal) and finds the same records
    const lock = await next.acquireLock(lockHolder('tollgate apply'));
    expect(lock.ok).toBe(true);
    expect(await next.managedKeys()).toEqual(keys);
  });

  it('keeps the managed set and last-applied records per object, across instances', async () => {
    const scope = freshScope();
    const a = await backend(scope);
    const lock = await a.acquireLock(lockHolder('tollgate apply'));
    expect(lock.ok).toBe(true);
    await a.recordApplied('customer:b', record(1));
    await a.recordApplied('entity:b/w1', record(2, { applyId: 'x1', plan: 'pro' }));
    await a.recordApplied('customer:a', record(3));
    await a.recordApplied('customer:b', record(4));
    await a.recordRemoved('customer:a');
    await a.recordRemoved('customer:never');
    const b = await backend(scope);
    expect(await b.managedKeys()).toEqual(['customer:b', 'entity:b/w1']);
    const last = await b.lastApplied(['customer:a', 'customer:b', 'entity:b/w1', 'plan:pro']);
    expect([...last.keys()].sort()).toEqual(['customer:b', 'entity:b/w1']);
    expect(last.get('customer:b')).toEqual(record(4));
    expect(last.get('entity:b/w1')).toEqual(record(2, { applyId: 'x1', plan: 'pro' }));
    expect(await (await backend(freshScope())).managedKeys()).toEqual([]);
  });

  it('lists applies newest first with their counts, and one apply with its per-object outcomes', async () => {
    const scope = freshScope();
    const b = await backend(scope);
    const meta = { actor: 'alice', commit: 'f'.repeat(40), host: 'ci-1', policyDigest: 'sha256:p', planDigest: 'sha256:q' };
    const first = await b.startApply(meta);
    await b.finishApply(first, { applied: 2, failed: 0, notAttempted: 0 }, 'succeeded', [
      { key: 'customer:a', outcome: 'applied' },
      { key: 'customer:b', outcome: 'applied' },
    ]);
    const second = await b.startApply({ ...meta, actor: 'bob' });
    await b.finishApply(second, { applied: 1, failed: 1, notAttempted: 1 }, 'failed', [
      { key: 'customer:c', outcome: 'applied' },
      { key: 'customer:d', outcome: 'failed', message: 'HTTP 400: bad cap' },
      { key: 'customer:e', outcome: 'not-attempted' },
    ]);
    const third = await b.startApply({ ...meta, actor: 'carol' });
    await b.recordApplied('customer:f', record(5, { applyId: third }));

    const all = await b.history();
    expect(all.map((e) => [e.id, e.actor, e.result, e.counts])).toEqual([
      [third, 'carol', 'unfinished', undefined],
      [second, 'bob', 'failed', { applied: 1, failed: 1, notAttempted: 1 }],
      [first, 'alice', 'succeeded', { applied: 2, failed: 0, notAttempted: 0 }],
    ]);
    expect(all[1]).toMatchObject({ target: scope.target, endpoint: scope.endpoint, commit: 'f'.repeat(40), host: 'ci-1', policyDigest: 'sha256:p', planDigest: 'sha256:q' });
    expect(all[1]!.finishedAt! >= all[1]!.startedAt).toBe(true);
    expect(all[0]!.finishedAt).toBeUndefined();
    expect((await b.history({ limit: 2 })).map((e) => e.id)).toEqual([third, second]);

    const [one] = await b.history({ id: second });
    expect(one!.outcomes).toEqual([
      { key: 'customer:c', outcome: 'applied' },
      { key: 'customer:d', outcome: 'failed', message: 'HTTP 400: bad cap' },
      { key: 'customer:e', outcome: 'not-attempted' },
    ]);
    // an apply that died before finishing: its records say what it wrote
    expect((await b.history({ id: third }))[0]!.outcomes).toEqual([{ key: 'customer:f', outcome: 'applied' }]);
    expect(await b.history({ id: 'no-such-apply' })).toEqual([]);
    expect(await (await backend(freshScope())).history()).toEqual([]);
  });

  it('unlock leaves a running holder alone and clears what a killed one left', async () => {
    const scope = freshScope();
    const b = await backend(scope);
    expect(await b.unlock()).toEqual({ status: 'free' });
    const child = holder(scope, 0);
    await child.saw('locked');
    const held = await b.unlock();
    expect(held).toMatchObject({ status: 'held', holder: { pid: child.child.pid, actor: 'child-actor' } });
    child.child.kill('SIGKILL');
    await child.exited;
    await harness.lockFreed(scope);
    expect(await b.unlock()).toMatchObject({ status: 'cleared', holder: { pid: child.child.pid, actor: 'child-actor' } });
    expect(await b.unlock()).toEqual({ status: 'free' });
  });
}

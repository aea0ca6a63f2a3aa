// The PostgreSQL backend against a real, throwaway server: the shared backend suite, the schema and its
// version, and an outage in the middle of an apply.
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { applyPlan } from '../../src/apply/apply.js';
import { BackendError, lockHolder, openBackend, planDigest, recordingHooks, SCHEMA_VERSION, selectBackend, unrecorded, type Scope } from '../../src/backend/index.js';
import type { DesiredObject } from '../../src/plan/objects.js';
import { FakeClock, FakeTarget, planOf } from '../apply/fakes.js';
import { scopeLockKeys } from '../../src/backend/postgres-lock.js';
import { postgresForTests } from '../helpers/postgres.js';
import { backendContract, freshScope } from './contract.js';

const server = await postgresForTests();
afterAll(() => server?.stop());

/** Waits, on the server, until no session holds the scope's lock: a killed holder's session has ended. */
async function lockFreed(scope: Scope): Promise<void> {
  const client = new pg.Client({ connectionString: server!.url() });
  await client.connect();
  try {
    const [namespace, key] = scopeLockKeys(scope);
    await client.query(`set lock_timeout = '30s'`);
    await client.query('select pg_advisory_lock($1, $2)', [namespace, key]);
    await client.query('select pg_advisory_unlock($1, $2)', [namespace, key]);
  } finally {
    await client.end();
  }
}

describe.skipIf(!server)('PostgreSQL backend', () => {
  const open = (scope: Scope, database?: string) => openBackend(selectBackend(server!.url(database)), scope);

  backendContract({ setting: () => server!.url(), stateDir: () => '', open: (scope) => open(scope), lockFreed });

  it('creates its schema on first use, at the version this tollgate knows', async () => {
    const database = await server!.createDatabase('fresh');
    const b = await open(freshScope(), database);
    await b.close();
    const versions = await server!.query<{ version: number }>('select version from tollgate_schema_version', [], database);
    expect(versions).toEqual([{ version: SCHEMA_VERSION }]);
    const tables = await server!.query<{ name: string }>(`select tablename as name from pg_tables where tablename like 'tollgate%' order by 1`, [], database);
    expect(tables.map((t) => t.name).sort()).toEqual(['tollgate_applied', 'tollgate_applies', 'tollgate_apply_outcomes', 'tollgate_lock_holders', 'tollgate_schema_version']);
    // opening again migrates nothing
    await (await open(freshScope(), database)).close();
    expect(await server!.query('select version from tollgate_schema_version', [], database)).toHaveLength(1);
  });

  it('two first runs at once create the schema once', async () => {
    const database = await server!.createDatabase('race');
    const both = await Promise.all([open(freshScope(), database), open(freshScope(), database), open(freshScope(), database)]);
    for (const b of both) await b.close();
    expect(await server!.query('select version from tollgate_schema_version', [], database)).toEqual([{ version: SCHEMA_VERSION }]);
  });

  it('refuses a schema newer than it knows, saying so', async () => {
    const database = await server!.createDatabase('newer');
    await (await open(freshScope(), database)).close();
    await server!.query('insert into tollgate_schema_version (version) values ($1)', [SCHEMA_VERSION + 1], database);
    const refused = await open(freshScope(), database).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BackendError);
    expect((refused as BackendError).code).toBe('schema-newer');
    expect((refused as Error).message).toBe(
      `The PostgreSQL backend postgres://tollgate@127.0.0.1:${server!.port}/${database} holds tollgate schema version ${SCHEMA_VERSION + 1}; this tollgate knows version ${SCHEMA_VERSION} at most. Upgrade tollgate (a newer one migrated this database).`,
    );
  });

  it('holds no secret: nothing tollgate stores contains the password', async () => {
    const scope = freshScope();
    const b = await open(scope);
    const lock = await b.acquireLock(lockHolder(`tollgate apply --backend ${server!.url()}`.replace(server!.password, '***')));
    expect(lock.ok).toBe(true);
    await b.recordApplied('customer:a', { controls: { features: {} }, fingerprint: 'f', policyDigest: 'p', at: new Date().toISOString() });
    const id = await b.startApply({ actor: 'a', host: 'h', policyDigest: 'p' });
    await b.finishApply(id, { applied: 1, failed: 0, notAttempted: 0 }, 'succeeded', [{ key: 'customer:a', outcome: 'applied' }]);
    for (const table of ['tollgate_applied', 'tollgate_apply_outcomes', 'tollgate_applies', 'tollgate_lock_holders', 'tollgate_schema_version']) {
      const rows = await server!.query(`select * from ${table}`, [], 'tollgate');
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).not.toContain(server!.password);
    }
    await b.close();
  });

  it('a server that goes away mid-apply: the lock says it is lost, the failed record is a clear error, nothing recorded before is lost', async () => {
    const scope = freshScope();
    const b = await open(scope);
    const taken = await b.acquireLock(lockHolder('tollgate apply'));
    if (!taken.ok) throw new Error(taken.message);
    const record = (i: number) => ({ controls: { features: { f: { maxOverageUnits: i } } }, fingerprint: `f${i}`, policyDigest: 'p', at: new Date().toISOString() });
    for (let i = 0; i < 10; i++) await b.recordApplied(`customer:c${i}`, record(i));
    const lost = new Promise<void>((resolve) => taken.lock.signal.addEventListener('abort', () => resolve()));
    await server!.halt();
    try {
      await lost;
      expect(taken.lock.lost()).toMatch(/connection to the PostgreSQL backend .* was lost/);
      const failure = await b.recordApplied('customer:c10', record(10)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(BackendError);
      expect((failure as BackendError).message).toMatch(/^(The connection to the PostgreSQL backend .* was lost while recording customer:c10|Cannot reach the PostgreSQL backend .*: connection refused)/);
      expect(String((failure as Error).stack)).not.toContain(server!.password);
    } finally {
      await server!.resume();
    }
    // the next run finds what was recorded, and takes the lock the dead session held
    const next = await open(scope);
    expect(await next.managedKeys()).toEqual(Array.from({ length: 10 }, (_, i) => `customer:c${i}`));
    const again = await next.acquireLock(lockHolder('tollgate apply'));
    expect(again.ok).toBe(true);
    await next.close();
    await b.close();
  });

  it('an apply whose database goes away: stops writing, keeps the records made, and the next run finds the unrecorded write', async () => {
    const scope = freshScope();
    const b = await open(scope);
    const taken = await b.acquireLock(lockHolder('tollgate apply'));
    if (!taken.ok) throw new Error(taken.message);
    const plan = planOf(20);
    // the database goes away while customer:c005 is being written
    const target = new FakeTarget(async (object): Promise<'ok'> => {
      if (object.key === 'customer:c005') await server!.halt();
      return 'ok';
    });
    let report;
    try {
      report = await applyPlan(plan, target, { ...recordingHooks(b, plan, { applyId: 'a1', planDigest: planDigest(plan), lock: taken.lock }), concurrency: 1, clock: new FakeClock() });
    } finally {
      await server!.resume();
    }
    expect(report.applied).toEqual(['customer:c000', 'customer:c001', 'customer:c002', 'customer:c003', 'customer:c004']);
    expect(report.failed.map((f) => f.key)).toEqual(['customer:c005']);
    expect(report.failed[0]!.message).toMatch(/^written, but not recorded in the state backend: (The connection to the PostgreSQL backend .* was lost|Cannot reach the PostgreSQL backend)/);
    expect(report.failed[0]!.message).not.toContain(server!.password);
    expect(report.notAttempted).toHaveLength(14);
    const next = await open(scope);
    expect(await next.managedKeys()).toEqual(report.applied);
    const desired = new Map(plan.objects.map((o): [string, DesiredObject] => [o.key, { ref: o.ref, controls: o.after, locations: {}, setBy: {} }]));
    const keys = [...desired.keys()];
    expect(unrecorded(desired, await target.read(keys), await next.lastApplied(keys))).toEqual(['customer:c005']);
    await next.close();
    await b.close();
  });
});

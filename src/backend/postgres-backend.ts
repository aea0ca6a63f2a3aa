import pg from 'pg';
import {
  newApplyId,
  type AppliedRecord,
  type ApplyCounts,
  type ApplyMeta,
  type ApplyResult,
  type HistoryEntry,
  type HistoryQuery,
  type Lock,
  type LockHolder,
  type LockResult,
  type ObjectOutcome,
  type Scope,
  type StateBackend,
  type UnlockResult,
} from './backend.js';
import type { ObjectControls } from '../plan/objects.js';
import { attempt, clientConfig } from './postgres-client.js';
import { backendErrorFrom } from './postgres-errors.js';
import { clearAdvisoryLock, takeAdvisoryLock } from './postgres-lock.js';
import { ensureSchema } from './postgres-schema.js';
import type { PostgresSettings } from './postgres-url.js';

// The PostgreSQL backend: a small pool for records and history (each statement commits on its own, so an
// apply killed halfway leaves every record it confirmed), and a session of its own for the apply lock.

interface AppliedRow {
  key: string;
  controls: ObjectControls;
  fingerprint: string;
  plan_digest: string | null;
  policy_digest: string;
  applied_at: Date;
  apply_id: string | null;
  plan: string | null;
}

interface ApplyRow {
  id: string;
  target: string;
  endpoint: string;
  actor: string;
  commit: string | null;
  host: string;
  policy_digest: string;
  plan_digest: string | null;
  started_at: Date;
  finished_at: Date | null;
  applied: number | null;
  failed: number | null;
  not_attempted: number | null;
  result: ApplyResult;
}

function recordOf(row: AppliedRow): AppliedRecord {
  const record: AppliedRecord = { controls: row.controls, fingerprint: row.fingerprint, policyDigest: row.policy_digest, at: row.applied_at.toISOString() };
  if (row.plan_digest !== null) record.planDigest = row.plan_digest;
  if (row.apply_id !== null) record.applyId = row.apply_id;
  if (row.plan !== null) record.plan = row.plan;
  return record;
}

function entryOf(row: ApplyRow): HistoryEntry {
  const entry: HistoryEntry = {
    id: row.id,
    target: row.target,
    endpoint: row.endpoint,
    actor: row.actor,
    host: row.host,
    policyDigest: row.policy_digest,
    startedAt: row.started_at.toISOString(),
    result: row.result,
  };
  if (row.commit !== null) entry.commit = row.commit;
  if (row.plan_digest !== null) entry.planDigest = row.plan_digest;
  if (row.finished_at !== null) entry.finishedAt = row.finished_at.toISOString();
  if (row.applied !== null) entry.counts = { applied: row.applied, failed: row.failed ?? 0, notAttempted: row.not_attempted ?? 0 };
  return entry;
}

export class PostgresBackend implements StateBackend {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private lock: Lock | undefined;

  private constructor(
    private readonly settings: PostgresSettings,
    private readonly pool: pg.Pool,
    readonly scope: Scope,
  ) {
    this.location = settings.display;
  }

  /** Connects, creating or migrating the schema on first use; refuses a newer schema. */
  static async open(settings: PostgresSettings, scope: Scope): Promise<PostgresBackend> {
    const pool = new pg.Pool({ ...clientConfig(settings), max: 4, idleTimeoutMillis: 10_000 });
    // an idle pooled connection dropped by the server: the next query reports it, the process must not crash
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect().catch((error: unknown) => {
        throw backendErrorFrom(error, settings, 'connecting');
      });
      const ignore = (): void => undefined;
      client.on('error', ignore);
      try {
        await attempt(settings, 'creating or migrating the schema', () => ensureSchema(client, settings.display));
      } finally {
        client.off('error', ignore);
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresBackend(settings, pool, scope);
  }

  private query<R extends pg.QueryResultRow>(doing: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return attempt(this.settings, doing, () => this.pool.query<R>(text, values));
  }

  async acquireLock(holder: LockHolder): Promise<LockResult> {
    const result = await takeAdvisoryLock(this.settings, this.scope, holder);
    if (result.ok) this.lock = result.lock;
    return result;
  }

  async unlock(): Promise<UnlockResult> {
    return clearAdvisoryLock(this.settings, this.scope);
  }

  async managedKeys(): Promise<string[]> {
    const rows = await this.query<{ key: string }>('reading the managed set', 'select key from tollgate_applied where target = $1 and endpoint = $2', [this.scope.target, this.scope.endpoint]);
    // JavaScript order, not the database collation's: the same on both backends
    return rows.rows.map((r) => r.key).sort();
  }

  async recordApplied(key: string, record: AppliedRecord): Promise<void> {
    await this.query(
      `recording ${key}`,
      `insert into tollgate_applied (target, endpoint, key, controls, fingerprint, plan_digest, policy_digest, applied_at, apply_id, plan)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (target, endpoint, key) do update set controls = excluded.controls, fingerprint = excluded.fingerprint,
         plan_digest = excluded.plan_digest, policy_digest = excluded.policy_digest, applied_at = excluded.applied_at, apply_id = excluded.apply_id, plan = excluded.plan`,
      [this.scope.target, this.scope.endpoint, key, JSON.stringify(record.controls), record.fingerprint, record.planDigest ?? null, record.policyDigest, record.at, record.applyId ?? null, record.plan ?? null],
    );
  }

  async recordRemoved(key: string): Promise<void> {
    await this.query(`recording ${key} as removed`, 'delete from tollgate_applied where target = $1 and endpoint = $2 and key = $3', [this.scope.target, this.scope.endpoint, key]);
  }

  async lastApplied(keys: readonly string[]): Promise<Map<string, AppliedRecord>> {
    const rows = await this.query<AppliedRow>(
      'reading last-applied records',
      'select * from tollgate_applied where target = $1 and endpoint = $2 and key = any($3::text[])',
      [this.scope.target, this.scope.endpoint, [...keys]],
    );
    return new Map(rows.rows.map((r) => [r.key, recordOf(r)]));
  }

  async startApply(meta: ApplyMeta): Promise<string> {
    const startedAt = meta.startedAt ?? new Date().toISOString();
    const id = newApplyId(new Date(startedAt));
    await this.query(
      'starting the apply history entry',
      `insert into tollgate_applies (id, target, endpoint, actor, commit, host, policy_digest, plan_digest, started_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [id, this.scope.target, this.scope.endpoint, meta.actor, meta.commit ?? null, meta.host, meta.policyDigest, meta.planDigest ?? null, startedAt],
    );
    return id;
  }

  async finishApply(id: string, counts: ApplyCounts, result: Exclude<ApplyResult, 'unfinished'>, outcomes: readonly ObjectOutcome[]): Promise<void> {
    const client = await attempt(this.settings, 'connecting', () => this.pool.connect());
    // a checked-out client has no pool listener: a drop between statements must not crash the process
    const ignore = (): void => undefined;
    client.on('error', ignore);
    try {
      await attempt(this.settings, 'finishing the apply history entry', async () => {
        await client.query('begin');
        try {
          const updated = await client.query(
            `update tollgate_applies set finished_at = now(), applied = $2, failed = $3, not_attempted = $4, result = $5 where id = $1`,
            [id, counts.applied, counts.failed, counts.notAttempted, result],
          );
          if (updated.rowCount !== 1) throw new Error(`no apply ${id} was started in ${this.location}`);
          // one statement for every outcome: a fleet's apply has tens of thousands
          await client.query(
            `insert into tollgate_apply_outcomes (apply_id, key, outcome, message)
             select $1, * from unnest($2::text[], $3::text[], $4::text[])
             on conflict (apply_id, key) do update set outcome = excluded.outcome, message = excluded.message`,
            [id, outcomes.map((o) => o.key), outcomes.map((o) => o.outcome), outcomes.map((o) => o.message ?? null)],
          );
          await client.query('commit');
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        }
      });
    } finally {
      client.off('error', ignore);
      client.release();
    }
  }

  async history(query: HistoryQuery = {}): Promise<HistoryEntry[]> {
    const scope = [this.scope.target, this.scope.endpoint];
    if (query.id === undefined) {
      const rows = await this.query<ApplyRow>('reading the apply history', 'select * from tollgate_applies where target = $1 and endpoint = $2 order by seq desc limit $3', [...scope, query.limit ?? 20]);
      return rows.rows.map(entryOf);
    }
    const rows = await this.query<ApplyRow>('reading the apply history', 'select * from tollgate_applies where target = $1 and endpoint = $2 and id = $3', [...scope, query.id]);
    if (!rows.rows[0]) return [];
    const entry = entryOf(rows.rows[0]);
    // an unfinished apply has no outcomes; its records show what it wrote before it died
    const outcomes =
      entry.result === 'unfinished'
        ? await this.query<{ key: string; outcome: 'applied'; message: null }>('reading the apply history', `select key, 'applied' as outcome, null as message from tollgate_applied where apply_id = $1`, [query.id])
        : await this.query<{ key: string; outcome: ObjectOutcome['outcome']; message: string | null }>('reading the apply history', 'select key, outcome, message from tollgate_apply_outcomes where apply_id = $1', [query.id]);
    entry.outcomes = outcomes.rows
      .map((r) => (r.message === null ? { key: r.key, outcome: r.outcome } : { key: r.key, outcome: r.outcome, message: r.message }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return [entry];
  }

  async close(): Promise<void> {
    await this.lock?.release();
    this.lock = undefined;
    await this.pool.end().catch(() => undefined);
  }
}
